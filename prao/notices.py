"""The outbox's messages that report no change of a booking: a sign-in link, the vetting of a
workplace, the reminder to an unplaced pupil, and the request to confirm a self-found placement.
Each is written in the caller's transaction, like the booking messages in prao.outbox."""

from __future__ import annotations

from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient

from prao.models import Booking, OutboxMessage, Pupil, School
from prao.pupil_view import workplace_view
from prao.wording import date_range


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
