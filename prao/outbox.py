"""Messages to send, written in the caller's transaction: a change and its e-mail share one fate."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from prao.clock import local
from prao.models import Booking, BookingStatus, OutboxMessage, Pupil, Slot

STATUS_TEXT = {
    BookingStatus.PENDING: "Väntar på arbetsplatsens godkännande",
    BookingStatus.CONFIRMED: "Bekräftad",
    BookingStatus.DECLINED: "Nekad",
    BookingStatus.CANCELLED: "Avbokad",
}


def _booking_body(pupil: Pupil, slot: Slot, booking: Booking, headline: str) -> str:
    hours = f"{slot.day_starts_at:%H:%M}–{slot.day_ends_at:%H:%M}"
    lines = [
        f"Hej {pupil.first_name}!",
        "",
        headline,
        "",
        f"Plats: {slot.title}",
        f"Adress: {slot.address}, {slot.city}",
        f"Datum: {slot.start_date:%Y-%m-%d} – {slot.end_date:%Y-%m-%d}",
        f"Tider: {hours}",
        f"Status: {STATUS_TEXT[BookingStatus(booking.status)]}",
    ]
    if booking.reason:
        lines.append(f"Meddelande: {booking.reason}")
    lines += ["", f"Ändrad {local(booking.updated_at):%Y-%m-%d %H:%M}.", "", "Hälsningar, Prao"]
    return "\n".join(lines)


async def booking_changed(
    *,
    kind: str,
    booking: Booking,
    pupil: Pupil,
    slot: Slot,
    recipients: list[str | None],
    connection: BaseDBAsyncClient,
) -> list[OutboxMessage]:
    """One message per known address; with none, one unaddressed message the school can see."""
    subjects = {
        "booking_created": f"Bokning av praoplats: {slot.title}",
        "booking_cancelled": f"Avbokad praoplats: {slot.title}",
    }
    headlines = {
        "booking_created": "Din praoplats är bokad.",
        "booking_cancelled": "Din bokning av praoplatsen är avbokad.",
    }
    subject = subjects.get(kind, f"Praoplats: {slot.title}")
    body = _booking_body(pupil, slot, booking, headlines.get(kind, "Din bokning har ändrats."))
    known = sorted({a.strip().lower() for a in recipients if a and a.strip()})
    addresses: list[str | None] = [*known] or [None]
    return [
        await OutboxMessage.create(
            kind=kind,
            to_address=address,
            subject=subject,
            body=body,
            booking_id=booking.id,
            using_db=connection,
        )
        for address in addresses
    ]


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
