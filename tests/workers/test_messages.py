"""The texts of booking messages: one per recipient, worded for the reader, .ics when confirmed."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from tortoise.transactions import in_transaction

from prao import outbox
from prao.models import Booking, BookingOrigin, BookingStatus, OutboxMessage
from tests.db import column
from tests.factories import World

KINDS = [
    ("booking_created", BookingStatus.CONFIRMED, "Din praoplats är bokad."),
    ("booking_created", BookingStatus.PENDING, "Du har skickat en förfrågan"),
    ("booking_approved", BookingStatus.CONFIRMED, "Arbetsplatsen har godkänt dig."),
    ("booking_declined", BookingStatus.DECLINED, "kunde tyvärr inte ta emot dig"),
    ("booking_cancelled", BookingStatus.CANCELLED, "Din bokning av praoplatsen är avbokad."),
    ("self_found_confirmed", BookingStatus.CONFIRMED, "bekräftat din egenfunna praoplats"),
]


@pytest.mark.parametrize(("kind", "status", "pupil_text"), KINDS)
async def test_every_change_tells_pupil_guardian_and_employer(
    world: World, kind: str, status: BookingStatus, pupil_text: str
) -> None:
    booking = await Booking.create(
        pupil_id=world.pupil_a.id,
        slot_id=world.slot.id,
        period_id=world.period_a.id,
        status=status,
        origin=BookingOrigin.PUPIL,
        reason="Vi har tyvärr fullt." if status == BookingStatus.DECLINED else "",
    )
    async with in_transaction() as conn:
        # The caller's list may repeat addresses, in any case; the employer's is added here.
        made = await outbox.booking_changed(
            kind=kind,
            booking=booking,
            pupil=world.pupil_a,
            slot=world.slot,
            recipients=["ALVA@example.se", "alva@example.se", None, ""],
            connection=conn,
        )
    messages = {m.to_address: m for m in await OutboxMessage.filter(booking_id=booking.id)}
    assert len(made) == len(messages) == 4
    employer = world.employer.contact_email
    assert employer is not None
    assert sorted(messages, key=str) == sorted(
        ["alva@example.se", "alva.user@example.se", "vh.alva@example.se", employer]
    )
    pupil, guardian = messages["alva@example.se"], messages["vh.alva@example.se"]
    assert pupil.body.startswith("Hej Alva!") and pupil_text in pupil.body
    assert guardian.body.startswith("Hej!") and "Alva Andersson" in guardian.body
    assert "Alva (Skola A, åk 8)" in messages[employer].body
    assert "Andersson" not in messages[employer].body
    confirmed = status == BookingStatus.CONFIRMED
    for message in messages.values():
        assert (message.attachment is not None) is confirmed
        # The card needs signing in, which a guardian cannot: she gets the .ics and the text.
        linked = confirmed and message is not guardian
        assert (f"/bokningar/{booking.id}/kort" in message.body) is linked
        assert "Bagare" in message.subject
    if confirmed:
        [event] = Calendar.from_ical(pupil.attachment).walk("VEVENT")
        assert str(event["UID"]) == f"booking-{booking.id}@prao"
    if status == BookingStatus.DECLINED:
        assert "Meddelande: Vi har tyvärr fullt." in pupil.body


async def test_pupil_without_any_address_leaves_one_message_for_the_school(
    world: World,
) -> None:
    booking = await Booking.create(
        pupil_id=world.pupil_a2.id,
        slot_id=world.slot.id,
        period_id=world.period_a.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
    )
    async with in_transaction() as conn:
        await outbox.booking_changed(
            kind="booking_created",
            booking=booking,
            pupil=world.pupil_a2,
            slot=world.slot,
            recipients=[],
            connection=conn,
        )
    addresses = await column(OutboxMessage.filter(booking_id=booking.id), "to_address")
    assert sorted(addresses, key=lambda a: a or "") == [None, world.employer.contact_email]
