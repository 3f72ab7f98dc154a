"""The reminder three days before a placement starts, to the pupil and her supervisor, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from prao import outbox
from prao.clock import local
from prao.models import Booking, BookingStatus, OutboxMessage, User

REMIND_DAYS_BEFORE = 3


async def send_placement_reminders(now: datetime) -> list[int]:
    """Remind every confirmed booking starting within the next three days (so a day the cron
    missed is made up) that has not been reminded; returns the new messages' ids."""
    today = local(now).date()
    due = await Booking.filter(
        status=BookingStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        slot__start_date__gt=today,
        slot__start_date__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
    ).select_related("pupil__school", "slot__employer")
    message_ids: list[int] = []
    for booking in due:
        message_ids += [m.id for m in await _remind(booking, now)]
    return message_ids


async def _remind(booking: Booking, now: datetime) -> list[OutboxMessage]:
    pupil, slot = booking.pupil, booking.slot
    pupil_addresses = [
        pupil.email,
        *await User.filter(pupil_id=pupil.id).values_list("email", flat=True),
    ]
    supervisor = await User.get_or_none(id=slot.supervisor_id) if slot.supervisor_id else None
    async with in_transaction() as conn:
        # Conditional: two sweeps at once remind only once.
        if not await (
            Booking.filter(
                id=booking.id, reminder_sent_at__isnull=True, status=BookingStatus.CONFIRMED
            )
            .using_db(conn)
            .update(reminder_sent_at=now)
        ):
            return []
        return await outbox.placement_reminder(
            booking=booking,
            pupil=pupil,
            slot=slot,
            pupil_addresses=pupil_addresses,  # type: ignore[arg-type]
            supervisor=supervisor,
            connection=conn,
        )
