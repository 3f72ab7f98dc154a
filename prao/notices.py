"""The outbox's messages that report no change of a booking: a sign-in link, the vetting of a
workplace, the reminder to an unplaced pupil, the request to confirm a self-found placement,
the first-day brief, a school's request to change a risk assessment, and what is asked during
and after the placement (attendance, the certificate, the evaluations). Each is written in the
caller's transaction, like the booking messages in prao.outbox."""

from __future__ import annotations

from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient

from prao import ics
from prao.models import Booking, Employer, OutboxMessage, Pupil, RiskAssessment, School, Slot
from prao.outbox import WEEKDAY_NAMES, card_url, clean_addresses, placement_lines, workplace_name
from prao.pupil_view import PupilView, workplace_view
from prao.wording import date_range, datum


async def sign_in_link(
    *, email: str, url: str, minutes: int, connection: BaseDBAsyncClient | None = None
) -> OutboxMessage:
    body = (
        "Hej!\n\nKlicka på länken för att logga in i Prao. Länken fungerar en gång och "
        f"i {minutes} minuter.\n\n{url}\n\n"
        "Har du inte bett om länken kan du bortse från det här mejlet."
    )
    return await OutboxMessage.create(
        kind="sign_in_link",
        to_address=email,
        subject="Din inloggningslänk till Prao",
        body=body,
        using_db=connection,
    )


async def employer_decided(
    *,
    email: str,
    employer_name: str,
    approved: bool,
    reason: str,
    sign_in_url: str,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """The organiser's vetting of a self-registered workplace, told to its contact."""
    if approved:
        subject = "Er arbetsplats är godkänd i Prao"
        lines = [
            f"Kommunen har godkänt {employer_name} i Prao. Nu kan ni publicera era praoplatser,",
            "och eleverna ser dem när de är publicerade.",
            "",
            f"Logga in: {sign_in_url}",
        ]
    else:
        subject = "Er arbetsplats har inte godkänts i Prao"
        lines = [
            f"Kommunen har inte godkänt {employer_name} i Prao, så era praoplatser kan inte",
            "publiceras.",
            "",
            f"Skäl: {reason}",
            "",
            "Har ni frågor, kontakta kommunens praosamordnare.",
        ]
    body = "\n".join(["Hej!", "", *lines, "", "Hälsningar, Prao"])
    return await OutboxMessage.create(
        kind="employer_approved" if approved else "employer_declined",
        to_address=email,
        subject=subject,
        body=body,
        using_db=connection,
    )


async def unplaced_reminder(
    *, email: str, first_name: str, period_name: str, closes: str, connection: BaseDBAsyncClient
) -> OutboxMessage:
    """The coordinator's nudge to a pupil who has no placement yet in a period."""
    body = (
        f"Hej {first_name}!\n\nDu har ännu ingen praoplats för {period_name}. "
        f"Logga in i Prao och välj en plats eller lämna dina önskemål senast {closes}.\n\n"
        "Behöver du hjälp? Prata med din SYV.\n\nHälsningar, Prao"
    )
    return await OutboxMessage.create(
        kind="unplaced_reminder",
        to_address=email,
        subject=f"Påminnelse: välj praoplats för {period_name}",
        body=body,
        using_db=connection,
    )


async def self_found_request(
    *,
    booking: Booking,
    pupil: Pupil,
    school: School,
    to_address: str,
    workplace: str,
    starts: date,
    ends: date,
    tasks: str,
    url: str,
    link_days: int,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """The request to a workplace the pupil found herself to confirm the placement by link."""
    seen = workplace_view(pupil, school)
    where = f" på {seen.school_name}" if seen.school_name else ""
    body = [
        "Hej!",
        "",
        f"{seen.first_name}{where} har berättat att hen ska göra sin prao hos {workplace}, "
        f"{date_range(starts, ends)}.",
        "",
        f"Uppgifter: {tasks}",
        "",
        "Bekräfta eller tacka nej här (inget konto behövs; länken fungerar en gång och i "
        f"{link_days} dagar):",
        url,
        "",
        "Hälsningar, Prao",
    ]
    return await OutboxMessage.create(
        kind="self_found_request",
        to_address=to_address,
        subject=f"Bekräfta praoplats för {seen.first_name}",
        body="\n".join(body),
        booking_id=booking.id,
        using_db=connection,
    )


def _starts(slot: Slot) -> str:
    return f"{WEEKDAY_NAMES[slot.start_date.weekday()]} {datum(slot.start_date)}"


def _introduction(assessment: RiskAssessment | None, supervisor_name: str) -> list[str]:
    """Where to meet and whom to ask for, from the risk assessment where there is one."""
    a = assessment
    ask_for = (a.ask_for or a.supervisor_name) if a else supervisor_name
    lines = [f"Fråga efter: {ask_for}"] if ask_for else []
    if a is not None:
        lines += [
            f"{label}: {value}"
            for label, value in (
                ("Samlingsplats", a.meeting_place),
                ("Kläder", a.clothing),
                ("Lunch", a.lunch),
            )
            if value
        ]
    return lines


def supervisor_brief_subject(slot: Slot) -> str:
    """The subject of a slot's first-day brief to its workplace (erasure finds it by it)."""
    return f"Praon börjar {_starts(slot)}: {slot.title}"


async def first_day_brief_to_supervisor(
    *,
    slot: Slot,
    employer: Employer,
    bookings: list[Booking],
    assessment: RiskAssessment | None,
    supervisor_name: str,
    address: str | None,
    organiser_contact: str,
    addition: bool,
    connection: BaseDBAsyncClient,
    no_show_urls: dict[int, str] | None = None,
) -> list[OutboxMessage]:
    """The slot's pupils, each as a workplace may see her (bookings with pupil__school
    fetched), their schools' contacts, and what to do if one does not come (with each pupil's
    one-time link to say so, where given)."""
    if not address:
        return []
    views = [workplace_view(b.pupil, b.pupil.school) for b in bookings]
    pupils = [f"- {workplace_name(v)}" for v in views]
    schools = sorted(
        {
            f"- {v.school_name}: {v.school_email or 'kontaktuppgift saknas'}"
            for v in views
            if v.school_name
        }  # fmt: skip
    )
    headline = (
        f"Ytterligare elev till praon hos er {_starts(slot)}:"
        if addition
        else f"Praon hos er börjar {_starts(slot)}. De här eleverna kommer:"
    )
    body = [
        f"Hej {supervisor_name}!" if supervisor_name else "Hej!",
        "",
        headline,
        *pupils,
        "",
        *placement_lines(slot, employer),
        "",
        "Skolornas kontakt:" if schools else "",
        *schools,
        "",
        "Om en elev inte kommer: ring eller mejla elevens skola samma morgon, så tar skolan "
        "kontakt med eleven och hennes vårdnadshavare.",
    ]
    if no_show_urls:
        body += ["Eller meddela skolan med elevens länk (fungerar en gång, inget konto behövs):"]
        body += [
            f"- {v.first_name}: {no_show_urls[b.id]}"
            for b, v in zip(bookings, views, strict=True)
            if b.id in no_show_urls
        ]
    if organiser_contact:
        body += ["", f"Kommunens praokontakt: {organiser_contact}"]
    body += ["", "Hälsningar, Prao"]
    return [
        await OutboxMessage.create(
            kind="first_day_brief_supervisor",
            to_address=address,
            subject=supervisor_brief_subject(slot),
            body="\n".join(line for line in body if line is not None),
            using_db=connection,
        )
    ]


async def first_day_brief_to_pupil(
    *,
    booking: Booking,
    slot: Slot,
    employer: Employer,
    assessment: RiskAssessment | None,
    supervisor_name: str,
    pupil_addresses: list[str | None],
    guardian_addresses: list[str | None],
    connection: BaseDBAsyncClient,
    absence_urls: dict[str, str] | None = None,
) -> list[OutboxMessage]:
    """Where, when and whom to ask for, with the calendar file: to the pupil and, in words
    for them, to her guardians, each with her own link to report the pupil sick or late
    (`absence_urls` by guardian address, where given)."""
    pupil = booking.pupil
    card = card_url(booking.id)
    details = [*placement_lines(slot, employer), *_introduction(assessment, supervisor_name)]
    footer = ["", f"Praoplatskort att skriva ut: {card}", "", "Hälsningar, Prao"]
    to_pupil = [
        f"Hej {pupil.first_name}!",
        "",
        f"Din prao hos {employer.name} börjar {_starts(slot)}. Så här går första dagen till:",
        "",
        *details,
        "",
        "Blir du sjuk eller kan inte komma? Säg till din handledare och din skola samma morgon.",
        *footer,
    ]
    urls = absence_urls or {}

    def to_guardian(address: str) -> list[str]:
        sick = f"Om {pupil.first_name} blir sjuk: meddela arbetsplatsen och skolan samma morgon."
        if address in urls:
            sick = (
                f"Om {pupil.first_name} blir sjuk eller kommer sent: anmäl det samma morgon med "
                "din länk, så får handledaren och skolan besked direkt (inget konto behövs; "
                f"länken är din och gäller under praon):\n{urls[address]}"
            )
        return [
            "Hej!",
            "",
            f"{pupil.first_name}s prao hos {employer.name} börjar {_starts(slot)}.",
            "",
            *details,
            "",
            sick,
            *footer,
        ]

    attachment = ics.placement_calendar(booking, slot, employer, card)
    pupils = clean_addresses(pupil_addresses)
    addressed = [(a, to_pupil) for a in pupils]
    addressed += [
        (a, to_guardian(a)) for a in clean_addresses(guardian_addresses) if a not in pupils
    ]
    return [
        await OutboxMessage.create(
            kind="first_day_brief",
            to_address=address,
            subject=f"Så börjar praon {_starts(slot)}",
            body="\n".join(body),
            booking_id=booking.id,
            attachment=attachment,
            attachment_name=ics.FILENAME,
            attachment_type=ics.CONTENT_TYPE,
            using_db=connection,
        )
        for address, body in addressed
    ]


async def assessment_change_requested(
    *,
    email: str,
    slot_title: str,
    version: int,
    asked_by: str,
    comment: str,
    url: str,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """A school (or the organiser) asks the workplace to change a slot's risk assessment. It
    names no pupil and no school: a workplace may not learn a protected pupil's school."""
    body = [
        "Hej!",
        "",
        f"{asked_by} har läst riskbedömningen för praoplatsen {slot_title} (version {version})",
        "och ber er ändra den:",
        "",
        comment,
        "",
        "Ändra och skicka in riskbedömningen igen här:",
        url,
        "",
        "När ni har skickat in den nya versionen granskar skolan den igen.",
        "",
        "Hälsningar, Prao",
    ]
    return await OutboxMessage.create(
        kind="assessment_change_requested",
        to_address=email,
        subject=f"Ändra riskbedömningen: {slot_title}",
        body="\n".join(body),
        using_db=connection,
    )


async def consent_request(
    *,
    booking: Booking,
    first_name: str,
    to_address: str,
    guardian_name: str,
    workplace: str,
    title: str,
    starts: date,
    ends: date,
    url: str,
    link_days: int,
    info: list[str],
    reminder: bool,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """A guardian's one-time link to consent to her child's placement (and, once, a reminder
    with a new link when she has not decided)."""
    greeting = f"Hej {guardian_name}!" if guardian_name else "Hej!"
    opening = (
        f"Påminnelse: vi behöver ditt svar om {first_name}s prao."
        if reminder
        else f"{first_name} har fått en praoplats, och kommunen ber om ditt godkännande."
    )
    body = [
        greeting,
        "",
        opening,
        "",
        f"Plats: {title}",
        f"Arbetsplats: {workplace}",
        f"Datum: {date_range(starts, ends)}",
        "",
        "Läs om platsen och svara här (inget konto behövs; länken är personlig och gäller i "
        f"{link_days} dagar):",
        url,
        *info,
        "",
        "Hälsningar, Prao",
    ]
    return await OutboxMessage.create(
        kind="consent_reminder" if reminder else "consent_request",
        to_address=to_address,
        subject=(
            f"Påminnelse: godkänn {first_name}s prao"
            if reminder
            else f"Godkänn {first_name}s prao: {title}"
        ),
        body="\n".join(body),
        booking_id=booking.id,
        using_db=connection,
    )


async def consent_refused(
    *,
    booking: Booking,
    to_address: str,
    to_pupil: bool,
    pupil_name: str,
    guardian_name: str,
    title: str,
    message: str,
    url: str,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """A guardian said no: the school's coordinators decide, and the pupil is told her place is
    kept until then."""
    if to_pupil:
        lines = [
            f"Hej {pupil_name}!",
            "",
            f"Din vårdnadshavare har inte godkänt praon på {title}. Du har kvar platsen tills "
            "din SYV har pratat med er och bestämt hur det blir.",
        ]
    else:
        who = guardian_name or "En vårdnadshavare"
        lines = [
            "Hej!",
            "",
            f"{who} har inte godkänt {pupil_name}s prao på {title}. Platsen finns kvar tills "
            "du har bestämt: avboka den, eller registrera ett godkännande på papper.",
        ]
        if message:
            lines += ["", f"Meddelande: {message}"]
        lines += ["", f"Samtycken i perioden: {url}"]
    return await OutboxMessage.create(
        kind="consent_refused",
        to_address=to_address,
        subject=f"Vårdnadshavare har inte godkänt praon: {title}",
        body="\n".join([*lines, "", "Hälsningar, Prao"]),
        booking_id=booking.id,
        using_db=connection,
    )


async def attendance_request(
    *,
    booking: Booking,
    slot: Slot,
    pupil: PupilView,
    to_address: str,
    supervisor_name: str,
    url: str,
    link_days: int,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """The last day: the supervisor confirms the pupil's week by link, in one step."""
    name = workplace_name(pupil)
    body = [
        f"Hej {supervisor_name}!" if supervisor_name else "Hej!",
        "",
        f"I dag är sista dagen av {name}s prao hos er ({slot.title}, "
        f"{date_range(slot.start_date, slot.end_date)}).",
        "",
        "Bekräfta närvaron för veckan här. Alla dagar är förifyllda som närvarande utom de "
        "dagar eleven har anmält frånvaro; ändra det som inte stämmer och bekräfta med en "
        f"knapp. Inget konto behövs; länken fungerar en gång och i {link_days} dagar:",
        url,
        "",
        "I morgon får ni en länk till elevens praktikintyg.",
        "",
        "Hälsningar, Prao",
    ]
    return await OutboxMessage.create(
        kind="attendance_request",
        to_address=to_address,
        subject=f"Bekräfta närvaron för {pupil.first_name}",
        body="\n".join(body),
        booking_id=booking.id,
        using_db=connection,
    )


async def certificate_request(
    *,
    booking: Booking,
    slot: Slot,
    pupil: PupilView,
    to_address: str,
    supervisor_name: str,
    url: str,
    link_days: int,
    reminder: bool,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """After the last day (and, as reminders, 3 and 7 days later): the certificate by link."""
    name = workplace_name(pupil)
    headline = (
        f"Påminnelse: {name} väntar på sitt praktikintyg från praon hos er."
        if reminder
        else f"Tack för att {name} fick göra prao hos er ({slot.title}, "
        f"{date_range(slot.start_date, slot.end_date)})."
    )
    body = [
        f"Hej {supervisor_name}!" if supervisor_name else "Hej!",
        "",
        headline,
        "",
        "Fyll i elevens praktikintyg: vad eleven har gjort, fyra korta bedömningar och en "
        "kommentar om du vill. Det tar ett par minuter. Eleven laddar sedan ner intyget.",
        f"Inget konto behövs; länken gäller i {link_days} dagar:",
        url,
        "",
        "Hälsningar, Prao",
    ]
    return await OutboxMessage.create(
        kind="certificate_reminder" if reminder else "certificate_request",
        to_address=to_address,
        subject=f"{'Påminnelse: ' if reminder else ''}Praktikintyg för {pupil.first_name}",
        body="\n".join(body),
        booking_id=booking.id,
        using_db=connection,
    )


async def no_show_report(
    *,
    booking: Booking,
    slot: Slot,
    pupil: Pupil,
    day: date,
    addresses: list[str | None],
    connection: BaseDBAsyncClient,
) -> list[OutboxMessage]:
    """The supervisor says the pupil has not come: to her school's contact and her guardians,
    at once (never to a workplace: the school and the guardians know the pupil)."""
    body = [
        "Hej!",
        "",
        f"Handledaren på {slot.title} meddelar att {pupil.first_name} {pupil.last_name} inte "
        f"har kommit till sin prao i dag, {WEEKDAY_NAMES[day.weekday()]} {datum(day)}.",
        "",
        "Ta kontakt med eleven, och med arbetsplatsen om eleven inte kommer alls i dag.",
        "",
        "Hälsningar, Prao",
    ]
    return [
        await OutboxMessage.create(
            kind="no_show_report",
            to_address=address,
            subject=f"{pupil.first_name} har inte kommit till praon i dag",
            body="\n".join(body),
            booking_id=booking.id,
            using_db=connection,
        )
        for address in clean_addresses(addresses)
    ]


async def absence_report(
    *,
    booking: Booking,
    slot: Slot,
    pupil: Pupil,
    day: date,
    sick: bool,
    supervisor_address: str | None,
    school_address: str | None,
    connection: BaseDBAsyncClient,
    by_guardian: bool = False,
) -> list[OutboxMessage]:
    """The same-day report of the pupil or a guardian: to her supervisor (naming her as a
    workplace may) and to her school's contact (pupil with school fetched)."""
    when = f"{WEEKDAY_NAMES[day.weekday()]} {datum(day)}"
    what = "är sjuk och kommer inte" if sick else "kommer sent"
    seen = workplace_name(workplace_view(pupil, pupil.school))
    who = "En vårdnadshavare har anmält det" if by_guardian else "Eleven har anmält det själv"
    to_workplace = [
        "Hej!",
        "",
        f"{seen} {what} till praon i dag, {when} ({slot.title}).",
        "",
        f"{who} i Prao. Skolan har också fått besked.",
        "",
        "Hälsningar, Prao",
    ]
    to_school = [
        "Hej!",
        "",
        f"{pupil.first_name} {pupil.last_name} ({pupil.class_name}) {what} till praon i dag, "
        f"{when}, hos {slot.employer.name} ({slot.title}).",
        "",
        f"{who} i Prao. Handledaren har också fått besked.",
        "",
        "Hälsningar, Prao",
    ]
    subject_name = pupil.first_name
    addressed = [(a, to_workplace) for a in clean_addresses([supervisor_address])]
    addressed += [
        (a, to_school) for a in clean_addresses([school_address]) if a not in dict(addressed)
    ]
    return [
        await OutboxMessage.create(
            kind="absence_report",
            to_address=address,
            subject=f"{subject_name} {'är sjuk' if sick else 'kommer sent'} i dag",
            body="\n".join(body),
            booking_id=booking.id,
            using_db=connection,
        )
        for address, body in addressed
    ]


async def evaluation_request(
    *,
    booking: Booking,
    slot: Slot,
    pupil: Pupil,
    addresses: list[str | None],
    url: str,
    reminder: bool,
    connection: BaseDBAsyncClient,
) -> list[OutboxMessage]:
    """After the last day (and once more, as a reminder): the pupil's five questions, answered
    signed in; she is told that the workplace never sees her own answers."""
    headline = (
        f"Du har inte svarat än på hur din prao hos {slot.employer.name} var."
        if reminder
        else f"Nu är din prao hos {slot.employer.name} slut. Hur var den?"
    )
    body = [
        f"Hej {pupil.first_name}!",
        "",
        headline,
        "",
        "Svara på fem korta frågor, det tar ett par minuter. Logga in i Prao och gå till "
        "Mina bokningar, eller använd länken:",
        url,
        "",
        "Arbetsplatsen ser aldrig dina egna svar, bara en sammanställning av många elevers svar.",
        "",
        "Hälsningar, Prao",
    ]
    return [
        await OutboxMessage.create(
            kind="evaluation_reminder" if reminder else "evaluation_request",
            to_address=address,
            subject=f"{'Påminnelse: ' if reminder else ''}Hur var din prao?",
            body="\n".join(body),
            booking_id=booking.id,
            using_db=connection,
        )
        for address in clean_addresses(addresses)
    ]


async def host_evaluation_request(
    *,
    booking: Booking,
    slot: Slot,
    pupil: PupilView,
    to_address: str,
    supervisor_name: str,
    url: str,
    link_days: int,
    reminder: bool,
    connection: BaseDBAsyncClient,
) -> OutboxMessage:
    """After the last day (and once more, as a reminder): the supervisor's three questions by
    link."""
    name = workplace_name(pupil)
    headline = (
        f"Påminnelse: vi vill gärna veta hur praon med {name} gick."
        if reminder
        else f"Tack för att {name} fick göra prao hos er ({slot.title}, "
        f"{date_range(slot.start_date, slot.end_date)}). Hur gick det?"
    )
    body = [
        f"Hej {supervisor_name}!" if supervisor_name else "Hej!",
        "",
        headline,
        "",
        "Tre korta frågor: hur praon gick, om ni vill ta emot praoelever igen och hur många "
        "platser ni kan erbjuda nästa år. Svaren hjälper skolan och kommunen att planera.",
        f"Inget konto behövs; länken fungerar en gång och i {link_days} dagar:",
        url,
        "",
        "Hälsningar, Prao",
    ]
    return await OutboxMessage.create(
        kind="host_evaluation_reminder" if reminder else "host_evaluation_request",
        to_address=to_address,
        subject=f"{'Påminnelse: ' if reminder else ''}Hur gick praon med {pupil.first_name}?",
        body="\n".join(body),
        booking_id=booking.id,
        using_db=connection,
    )
