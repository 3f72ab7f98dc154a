"""Factories for test data: small functions with sensible defaults, overridable by keyword."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from prao import clock
from prao.actor import Actor
from prao.auth import actor_for_user
from prao.models import (
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

_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


async def organiser(**kw: Any) -> Organiser:
    return await Organiser.create(**{"name": f"Kommun {n()}", **kw})


async def school(org: Organiser, **kw: Any) -> School:
    return await School.create(**{"organiser_id": org.id, "name": f"Skola {n()}", **kw})


async def pupil(sch: School, *, guardian_email: str | None = None, **kw: Any) -> Pupil:
    i = n()
    fields: dict[str, Any] = {
        "school_id": sch.id,
        "first_name": f"Elev{i}",
        "last_name": f"Efternamn{i}",
        "year_group": 8,
        "class_name": "8A",
        "birth_date": date(clock.today().year - 14, 3, 1),
        "external_id": f"ext-{i}",
    }
    p = await Pupil.create(**{**fields, **kw})
    if guardian_email:
        await Guardian.create(pupil_id=p.id, name="Förälder", email=guardian_email)
    return p


async def employer(org: Organiser, **kw: Any) -> Employer:
    i = n()
    fields = {
        "organiser_id": org.id,
        "name": f"Arbetsplats {i}",
        "contact_email": f"kontakt{i}@example.se",
        "address": "Storgatan 1",
        "city": "Varberg",
    }
    return await Employer.create(**{**fields, **kw})


def prao_weeks(today: date | None = None) -> tuple[date, date]:
    start = (today or clock.today()) + timedelta(weeks=6)
    start -= timedelta(days=start.weekday())
    return start, start + timedelta(days=11)


async def period(sch: School, *, open_now: bool = True, **kw: Any) -> Period:
    start, end = prao_weeks()
    now = clock.now()
    opens = now - timedelta(days=1) if open_now else now + timedelta(days=5)
    fields: dict[str, Any] = {
        "school_id": sch.id,
        "name": f"Prao {n()}",
        "year_group": 8,
        "start_date": start,
        "end_date": end,
        "booking_opens_at": opens,
        "booking_closes_at": now + timedelta(days=20),
        "cancel_deadline": now + timedelta(days=10),
        "mode": PeriodMode.FIRST_COME,
    }
    return await Period.create(**{**fields, **kw})


async def slot(emp: Employer, *, schools: list[School] | None = None, **kw: Any) -> Slot:
    start, end = prao_weeks()
    fields: dict[str, Any] = {
        "employer_id": emp.id,
        "title": f"Praoplats {n()}",
        "description": "Beskrivning",
        "tasks": "Uppgifter",
        "address": emp.address,
        "city": emp.city,
        "trade": "Handel",
        "start_date": start,
        "end_date": end,
        "starts_minute": 8 * 60,
        "ends_minute": 14 * 60,
        "capacity": 3,
        "status": SlotStatus.PUBLISHED,
        "visible_to_all": schools is None,
    }
    s = await Slot.create(**{**fields, **kw})
    for sch in schools or []:
        await SlotVisibility.create(slot_id=s.id, school_id=sch.id)
    return s


async def user(role: Role, **kw: Any) -> User:
    i = n()
    return await User.create(
        **{"email": f"person{i}@example.se", "name": f"Person {i}", "role": role, **kw}
    )


async def pupil_user(p: Pupil, **kw: Any) -> User:
    return await user(Role.PUPIL, pupil_id=p.id, **kw)


@dataclass
class World:
    """Two schools of one organiser, a third school of another, an employer with slots."""

    organiser: Organiser
    school_a: School
    school_b: School
    other_organiser: Organiser
    school_x: School
    period_a: Period
    period_b: Period
    employer: Employer
    other_employer: Employer
    slot: Slot
    slot_b_only: Slot
    pupil_a: Pupil
    pupil_a2: Pupil
    pupil_b: Pupil
    pupil_x: Pupil
    pupil_a_user: User
    pupil_b_user: User
    coordinator_a: User
    coordinator_b: User
    admin: User
    employer_user: User
    other_employer_user: User

    async def actor(self, u: User) -> Actor:
        return await actor_for_user(u)


async def world() -> World:
    org = await organiser(name="Varbergs kommun")
    a = await school(org, name="Skola A")
    b = await school(org, name="Skola B")
    other = await organiser(name="Falkenbergs kommun")
    x = await school(other, name="Skola X")
    emp = await employer(org, name="Café Solen")
    other_emp = await employer(other, name="Falkenbergs Bygg")
    p_a = await pupil(
        a,
        first_name="Alva",
        last_name="Andersson",
        email="alva@example.se",
        guardian_email="vh.alva@example.se",
    )
    p_a2 = await pupil(a, first_name="Hugo", last_name="Holm")
    p_b = await pupil(b, first_name="Bea", last_name="Berg")
    p_x = await pupil(x, first_name="Xena", last_name="Xu")
    return World(
        organiser=org,
        school_a=a,
        school_b=b,
        other_organiser=other,
        school_x=x,
        period_a=await period(a),
        period_b=await period(b),
        employer=emp,
        other_employer=other_emp,
        slot=await slot(emp, title="Bagare", trade="Restaurang och café", capacity=2),
        slot_b_only=await slot(emp, title="Barista", schools=[b]),
        pupil_a=p_a,
        pupil_a2=p_a2,
        pupil_b=p_b,
        pupil_x=p_x,
        pupil_a_user=await pupil_user(p_a, email="alva.user@example.se"),
        pupil_b_user=await pupil_user(p_b),
        coordinator_a=await user(Role.COORDINATOR, school_id=a.id),
        coordinator_b=await user(Role.COORDINATOR, school_id=b.id),
        admin=await user(Role.ADMIN, organiser_id=org.id),
        employer_user=await user(Role.EMPLOYER, employer_id=emp.id),
        other_employer_user=await user(Role.EMPLOYER, employer_id=other_emp.id),
    )


def at(days: int) -> datetime:
    return clock.now() + timedelta(days=days)
