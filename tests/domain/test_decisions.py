"""An employer approves or declines a pending booking; pending bookings left too long are
flagged to the school's coordinator."""

from __future__ import annotations

from datetime import timedelta

from prao import clock
from prao.errors import ErrorCode
from prao.models import Booking, BookingStatus, OutboxMessage, Slot
from prao.services.booking import book_slot
from prao.services.decisions import decide_booking, flag_stale_pending, flagged_pending
from tests import factories
from tests.factories import World


async def pending(world: World) -> tuple[Slot, Booking]:
    slot = await factories.slot(world.employer, title="Djurskötare", requires_approval=True,
                                capacity=1)  # fmt: skip
    outcome = await book_slot(await world.actor(world.pupil_a_user), slot.id)
    assert outcome.ok and outcome.value is not None
    assert outcome.value.status == BookingStatus.PENDING
    return slot, outcome.value


async def test_approve_confirms_and_tells_the_pupil(world: World) -> None:
    slot, booking = await pending(world)
    outcome = await decide_booking(await world.actor(world.employer_user), booking.id, True)
    assert outcome.ok
    after = await Booking.get(id=booking.id)
    assert after.status == BookingStatus.CONFIRMED
    assert after.decided_by_id == world.employer_user.id and after.decided_at is not None
    assert (await Slot.get(id=slot.id)).taken == 1
    sent = await OutboxMessage.filter(booking_id=booking.id, kind="booking_approved")
    assert "alva@example.se" in {m.to_address for m in sent}


async def test_decline_frees_the_place_at_once_and_tells_the_pupil(world: World) -> None:
    slot, booking = await pending(world)
    assert (await Slot.get(id=slot.id)).taken == 1
    outcome = await decide_booking(
        await world.actor(world.employer_user), booking.id, False, "Vi är fullbokade i år"
    )
    assert outcome.ok
    after = await Booking.get(id=booking.id)
    assert (after.status, after.reason) == (BookingStatus.DECLINED, "Vi är fullbokade i år")
    assert (await Slot.get(id=slot.id)).taken == 0
    sent = await OutboxMessage.filter(booking_id=booking.id, kind="booking_declined")
    assert "alva@example.se" in {m.to_address for m in sent}
    # The freed place can be booked by the next pupil straight away.
    assert (await book_slot(await world.actor(world.pupil_b_user), slot.id)).ok


async def test_a_decision_is_made_once(world: World) -> None:
    slot, booking = await pending(world)
    employer = await world.actor(world.employer_user)
    assert (await decide_booking(employer, booking.id, False)).ok
    messages = await OutboxMessage.all().count()
    for approve in (True, False):
        again = await decide_booking(employer, booking.id, approve)
        assert [(e.code, e.field) for e in again.errors] == [(ErrorCode.NOT_PENDING, "booking_id")]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.DECLINED
    assert (await Slot.get(id=slot.id)).taken == 0  # not freed twice
    assert await OutboxMessage.all().count() == messages


async def test_confirmed_bookings_are_not_decided(world: World) -> None:
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.value is not None and outcome.value.status == BookingStatus.CONFIRMED
    refused = await decide_booking(await world.actor(world.employer_user), outcome.value.id, False)
    assert refused.errors[0].code == ErrorCode.NOT_PENDING
    assert (await Slot.get(id=world.slot.id)).taken == 1


async def test_only_the_slots_own_employer_decides(world: World) -> None:
    slot, booking = await pending(world)
    other = await decide_booking(await world.actor(world.other_employer_user), booking.id, True)
    assert [(e.code, e.field) for e in other.errors] == [(ErrorCode.NOT_FOUND, "booking_id")]
    for user in (world.pupil_a_user, world.coordinator_a, world.admin):
        refused = await decide_booking(await world.actor(user), booking.id, True)
        assert refused.errors[0].code == ErrorCode.FORBIDDEN
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING
    assert not await OutboxMessage.filter(
        kind__in=["booking_approved", "booking_declined"]
    ).exists()


async def test_too_long_reason_changes_nothing(world: World) -> None:
    slot, booking = await pending(world)
    refused = await decide_booking(
        await world.actor(world.employer_user), booking.id, False, "x" * 1001
    )
    assert [(e.code, e.field) for e in refused.errors] == [(ErrorCode.INVALID, "reason")]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING
    assert (await Slot.get(id=slot.id)).taken == 1


async def test_stale_pending_bookings_are_flagged_to_their_coordinator(world: World) -> None:
    _, booking = await pending(world)
    now = clock.now()
    assert await flag_stale_pending(now, days=5) == 0
    assert await flagged_pending(await world.actor(world.coordinator_a), 5, now) == []
    await Booking.filter(id=booking.id).update(created_at=now - timedelta(days=6))
    assert await flag_stale_pending(now, days=5) == 1
    assert await flag_stale_pending(now, days=5) == 0  # stamped once
    assert (await Booking.get(id=booking.id)).flagged_at is not None
    [row] = await flagged_pending(await world.actor(world.coordinator_a), 5, now)
    assert (row.booking.id, row.pupil_name, row.waiting_days) == (booking.id, "Alva Andersson", 6)
    # Another school's coordinator and the employer see nothing of it.
    assert await flagged_pending(await world.actor(world.coordinator_b), 5, now) == []
    assert await flagged_pending(await world.actor(world.employer_user), 5, now) == []


async def test_a_decided_booking_is_no_longer_flagged(world: World) -> None:
    _, booking = await pending(world)
    now = clock.now()
    await Booking.filter(id=booking.id).update(created_at=now - timedelta(days=9))
    await flag_stale_pending(now, days=5)
    assert (await decide_booking(await world.actor(world.employer_user), booking.id, True)).ok
    assert await flagged_pending(await world.actor(world.coordinator_a), 5, now) == []


def test_pending_flag_days_setting(monkeypatch, tmp_path) -> None:
    from prao.config import load_settings

    monkeypatch.setenv("PRAO_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PENDING_FLAG_DAYS", raising=False)
    assert load_settings().pending_flag_days == 5
    monkeypatch.setenv("PENDING_FLAG_DAYS", "3")
    assert load_settings().pending_flag_days == 3
