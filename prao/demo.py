"""Demo data: Varbergs kommun with three schools, ~300 pupils and ~120 placements, and an
earlier week of prao that has just ended (prao.demo_after). Idempotent.

Every address is on a domain reserved for examples (RFC 2606: example.com and its subdomains),
so no demo message can reach a real mailbox, whatever SMTP_URL says.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from prao import clock, orgnr
from prao.config import TIMEZONE
from prao.demo_activity import seed_activity
from prao.demo_after import seed_ended_week
from prao.models import (
    ConsentMode,
    Employer,
    Guardian,
    Organiser,
    Period,
    PeriodMode,
    Pupil,
    Role,
    School,
    Slot,
    SlotStatus,
    SlotVisibility,
    User,
)

ORGANISER = "Varbergs kommun"
SCHOOLS = ["Håstensskolan", "Lindbergsskolan", "Påskbergsskolan"]
FIRST_NAMES = [
    "Alva",
    "Elsa",
    "Maja",
    "Wilma",
    "Ebba",
    "Saga",
    "Alice",
    "Ella",
    "Agnes",
    "Astrid",
    "Vera",
    "Freja",
    "Selma",
    "Stella",
    "Nova",
    "Ines",
    "Lilly",
    "Signe",
    "Ellen",
    "Tuva",
    "Lucas",
    "Hugo",
    "Oscar",
    "William",
    "Liam",
    "Elias",
    "Noah",
    "Adam",
    "Alexander",
    "Viktor",
    "Nils",
    "Leo",
    "Isak",
    "Charlie",
    "Theo",
    "Melvin",
    "Axel",
    "Ludvig",
    "Emil",
    "Olle",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Olofsson",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lundgren",
]
# (trade, employer name pattern, slot titles, tasks)
TRADES: list[tuple[str, list[str], list[str], str]] = [
    (
        "Vård och omsorg",
        ["Vårdcentralen {}", "Äldreboendet {}"],
        ["Undersköterska", "Vårdbiträde", "Receptionist"],
        "Följa med i det dagliga arbetet, hjälpa till vid måltider och samtal med boende.",
    ),
    (
        "Förskola och skola",
        ["Förskolan {}", "Fritidshemmet {}"],
        ["Barnskötare", "Fritidspedagog"],
        "Leka och läsa med barnen, hjälpa till vid lunch och utevistelse.",
    ),
    (
        "Handel",
        ["ICA Nära {}", "Coop {}", "Intersport {}"],
        ["Butiksmedarbetare", "Lagerarbetare"],
        "Fylla på varor, hjälpa kunder, prismärka och städa butiken.",
    ),
    (
        "Restaurang och café",
        ["Café {}", "Restaurang {}"],
        ["Kock", "Servitör", "Bagare"],
        "Förbereda mat, diska, duka och servera gäster.",
    ),
    (
        "Bygg och anläggning",
        ["{} Bygg AB", "{} Måleri"],
        ["Snickare", "Målare"],
        "Följa med hantverkare på arbetsplatser, bära material och städa.",
    ),
    (
        "Fordon och transport",
        ["{} Bilverkstad", "{} Åkeri"],
        ["Bilmekaniker", "Lagerarbetare"],
        "Hjälpa till i verkstaden, byta däck, hålla ordning på verktyg.",
    ),
    (
        "IT och media",
        ["{} Webbyrå", "Hallands Nyheter {}"],
        ["Webbutvecklare", "Journalist"],
        "Prova på programmering, skriva texter och följa med på intervjuer.",
    ),
    (
        "Natur och djur",
        ["{} Djurklinik", "{} Gård"],
        ["Djurskötare", "Trädgårdsarbetare"],
        "Mata och sköta djur, rensa i rabatter, hjälpa till i stallet.",
    ),
    (
        "Kultur och fritid",
        ["{} Bibliotek", "{} Simhall"],
        ["Biblioteksassistent", "Badvärd"],
        "Ställa upp böcker, hjälpa besökare, följa med i verksamheten.",
    ),
    (
        "Offentlig förvaltning",
        ["Varbergs kommun, {}", "Räddningstjänsten {}"],
        ["Kontorsassistent", "Brandman"],
        "Följa med i det dagliga arbetet och prova på olika uppgifter.",
    ),
]
PLACES = ["Centrum", "Träslövsläge", "Tvååker", "Veddige", "Himle", "Kungsäter", "Bua", "Väröbacka"]
STREETS = [
    "Kungsgatan",
    "Drottninggatan",
    "Västra vägen",
    "Östra Långgatan",
    "Engelbrektsgatan",
    "Torggatan",
]

# Reserved for documentation (RFC 2606); subdomains keep the roles apart in the outbox.
STAFF_DOMAIN = "varberg.example.com"
PUPIL_DOMAIN = "elev.varberg.example.com"
GUARDIAN_DOMAIN = "vardnadshavare.example.com"
EMPLOYER_DOMAIN = "foretag.example.com"

YEAR_9_PUPILS = 30


def period_dates(today: date) -> tuple[date, date]:
    """Two weeks of prao starting on the Monday six weeks ahead."""
    start = today + timedelta(weeks=6)
    start -= timedelta(days=start.weekday())
    return start, start + timedelta(days=11)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TIMEZONE)


def _email(first: str, last: str, domain: str, n: int) -> str:
    table = str.maketrans("åäöéü", "aaoeu")
    return f"{first.lower().translate(table)}.{last.lower().translate(table)}{n}@{domain}"


# One guardian's consent, and what guardians and pupils are told.
DEMO_CONSENT: dict[str, Any] = {
    "consent_mode": ConsentMode.ONE_GUARDIAN,
    "info_insurance": "Kommunens olycksfallsförsäkring gäller under praodagarna och på vägen "
    "till och från arbetsplatsen.",
    "info_lunch": "Eleven får lunchkupong från skolan för varje praodag. Fråga handledaren var "
    "det går att äta.",
    "info_travel": "Bor eleven mer än 4 km från arbetsplatsen gäller busskortet även under "
    "praon. Cykel går bra.",
    "info_contact": "Frågor om praon: skolans SYV. Är eleven sjuk, ring både skolan och "
    "handledaren före kl. 8.",
    "info_version": 1,
}


async def seed_demo(pupils_per_school: int = 100, rng_seed: int = 8) -> bool:
    """Create the demo data unless it is there; returns whether anything was created."""
    if await Organiser.exists(name=ORGANISER):
        return False
    rng = random.Random(rng_seed)
    today = clock.today()
    start, end = period_dates(today)
    async with in_transaction():
        organiser = await Organiser.create(name=ORGANISER, **DEMO_CONSENT)
        await User.create(
            email=f"admin@{STAFF_DOMAIN}",
            name="Karin Admin",
            role=Role.ADMIN,
            organiser_id=organiser.id,
        )
        schools = []
        for i, name in enumerate(SCHOOLS):
            school = await School.create(
                organiser_id=organiser.id, name=name, contact_email=f"syv{i + 1}@{STAFF_DOMAIN}"
            )
            schools.append(school)
            await User.create(
                email=f"syv{i + 1}@{STAFF_DOMAIN}",
                name=f"SYV {name}",
                role=Role.COORDINATOR,
                school_id=school.id,
            )
            await Period.create(
                school_id=school.id,
                name=f"Prao åk 8 vecka {start.isocalendar().week}–{end.isocalendar().week}",
                year_group=8,
                start_date=start,
                end_date=end,
                booking_opens_at=_at(today - timedelta(days=1), 8),
                booking_closes_at=_at(start - timedelta(days=7), 23),
                cancel_deadline=_at(start - timedelta(days=10), 23),
                mode=PeriodMode.FIRST_COME,
            )
            await _seed_pupils(rng, school, i, pupils_per_school)
        await _seed_employers(rng, organiser, schools, start, end)
        await _seed_allocation_period(rng, schools[0], today, start, end)
    await seed_activity(rng, schools)  # through the services, each in its own transaction
    await seed_ended_week(schools[0])
    return True


async def _seed_allocation_period(
    rng: random.Random, school: School, today: date, start: date, end: date
) -> None:
    """Year 9 at the first school ranks wishes, and the coordinator runs the allocation."""
    await Period.create(
        school_id=school.id,
        name=f"Prao åk 9 vecka {start.isocalendar().week}–{end.isocalendar().week}",
        year_group=9,
        start_date=start,
        end_date=end,
        booking_opens_at=_at(today - timedelta(days=1), 8),
        booking_closes_at=_at(start - timedelta(days=7), 23),
        cancel_deadline=_at(start - timedelta(days=10), 23),
        mode=PeriodMode.ALLOCATION,
        max_wishes=5,
    )
    await _seed_pupils(rng, school, 0, YEAR_9_PUPILS, year_group=9)


async def _seed_pupils(
    rng: random.Random, school: School, index: int, count: int, year_group: int = 8
) -> None:
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = date(clock.today().year - year_group - 6, rng.randint(1, 12), rng.randint(1, 28))
        pupil = await Pupil.create(
            school_id=school.id,
            first_name=first,
            last_name=last,
            year_group=year_group,
            class_name=f"{year_group}{'ABC'[n % 3]}",
            birth_date=born,
            security_marking=(n % 97 == 13),
            external_id=f"S{index + 1}-{'' if year_group == 8 else f'{year_group}-'}{n + 1:04d}",
        )
        await Guardian.create(
            pupil_id=pupil.id,
            name=f"Vårdnadshavare {last}",
            email=_email("vh", last, GUARDIAN_DOMAIN, pupil.id),
        )
        await User.create(
            email=_email(first, last, PUPIL_DOMAIN, pupil.id),
            name=f"{first} {last}",
            role=Role.PUPIL,
            pupil_id=pupil.id,
        )


async def _seed_employers(
    rng: random.Random, organiser: Organiser, schools: list[School], start: date, end: date
) -> None:
    for n in range(40):
        trade, names, titles, tasks = TRADES[n % len(TRADES)]
        place = PLACES[n % len(PLACES)]
        employer = await Employer.create(
            organiser_id=organiser.id,
            name=rng.choice(names).format(place),
            org_number=orgnr.with_check_digit(f"5590{n + 1:05d}"),  # a valid-looking AB
            contact_email=f"kontakt{n + 1}@{EMPLOYER_DOMAIN}",
            address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            city="Varberg" if place == "Centrum" else place,
        )
        await User.create(
            email=f"handledare{n + 1}@{EMPLOYER_DOMAIN}",
            name=f"Handledare {employer.name}",
            role=Role.EMPLOYER,
            employer_id=employer.id,
        )
        for k in range(3):
            title = titles[k % len(titles)]
            slot = await Slot.create(
                employer_id=employer.id,
                title=title,
                description=f"{title} hos {employer.name}. Vi tar gärna emot praoelever!",
                tasks=tasks,
                address=employer.address,
                city=employer.city,
                trade=trade,
                start_date=start,
                end_date=end if k != 2 else start + timedelta(days=4),
                starts_minute=(8 + k % 2) * 60,
                ends_minute=(14 + k % 2) * 60,
                break_minutes=30,
                capacity=rng.randint(1, 4),
                min_age=16 if trade == "Bygg och anläggning" and k == 1 else 0,
                visible_to_all=(n % 7 != 3),
                requires_approval=(n % 5 == 0),
                status=SlotStatus.DRAFT if (n % 13 == 12 and k == 2) else SlotStatus.PUBLISHED,
            )
            if not slot.visible_to_all:
                await SlotVisibility.create(slot_id=slot.id, school_id=schools[n % len(schools)].id)
