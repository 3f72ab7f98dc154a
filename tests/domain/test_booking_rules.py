"""Booking rules one by one: each refusal has its code and changes nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

from prao import clock
from prao.actor import ANONYMOUS
from prao.errors import ErrorCode
from prao.models import Booking, BookingOrigin, BookingStatus, OutboxMessage, Slot, SlotStatus
from prao.services.booking import book_slot, cancel_booking
from prao.wording import date_range
from tests import factories
from tests.factories import World


async def snapshot(slot_id: int) -> tuple[int, int, int]:
    slot = await Slot.get(id=slot_id)
    return slot.taken, await Booking.all().count(), await OutboxMessage.all().count()


async def assert_refused(world: World, actor_user, slot_id: int, code: ErrorCode, **kw) -> None:
    actor = await world.actor(actor_user)
    before = await snapshot(slot_id)
    outcome = await book_slot(actor, slot_id, **kw)
    assert not outcome.ok
    assert outcome.value is None
    assert [e.code for e in outcome.errors] == [code]
    assert outcome.errors[0].message  # a Swedish sentence for the person
    assert await snapshot(slot_id) == before


async def test_pupil_books_and_gets_confirmed_with_outbox(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    outcome = await book_slot(actor, world.slot.id)
    assert outcome.ok, outcome.errors
    booking = outcome.value
    assert booking is not None
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.origin == BookingOrigin.PUPIL
    assert booking.period_id == world.period_a.id
    assert (await Slot.get(id=world.slot.id)).taken == 1
    messages = await OutboxMessage.filter(booking_id=booking.id).order_by("to_address")
    # pupil's own address, her sign-in address, her guardian and the employer: one message each
    assert [m.to_address for m in messages] == [
        "alva.user@example.se",
        "alva@example.se",
        world.employer.contact_email,
        "vh.alva@example.se",
    ]
    assert all(m.kind == "booking_created" and "Bagare" in m.subject for m in messages)
    assert "Bekräftad" in messages[0].body
    # Dates as the pages write them, not as a database does.
    slot = world.slot
    assert f"Datum: {date_range(slot.start_date, slot.end_date)}" in messages[0].body
    assert f"{slot.start_date:%Y-%m-%d}" not in messages[0].body
    months = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    assert re.search(rf"Datum: \d+.*({months}) 20\d\d\n", messages[0].body), messages[0].body
    assert re.search(rf"Ändrad \d+ ({months}) 20\d\d kl\. \d\d:\d\d\.", messages[0].body)


async def test_slot_requiring_approval_gives_pending_but_takes_the_place(world: World) -> None:
    slot = await factories.slot(world.employer, requires_approval=True, capacity=1)
    outcome = await book_slot(await world.actor(world.pupil_a_user), slot.id)
    assert outcome.value is not None and outcome.value.status == BookingStatus.PENDING
    assert (await Slot.get(id=slot.id)).taken == 1
    await assert_refused(world, world.pupil_b_user, slot.id, ErrorCode.SLOT_FULL)


async def test_full_slot(world: World) -> None:
    slot = await factories.slot(world.employer, capacity=1)
    assert (await book_slot(await world.actor(world.pupil_b_user), slot.id)).ok
    await assert_refused(world, world.pupil_a_user, slot.id, ErrorCode.SLOT_FULL)


async def test_one_active_booking_per_period(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    assert (await book_slot(actor, world.slot.id)).ok
    other = await factories.slot(world.employer)
    await assert_refused(world, world.pupil_a_user, other.id, ErrorCode.ALREADY_BOOKED)
    await assert_refused(world, world.pupil_a_user, world.slot.id, ErrorCode.ALREADY_BOOKED)


async def test_booking_closed_before_window_and_after(world: World) -> None:
    await world.period_a.filter(id=world.period_a.id).update(
        booking_opens_at=clock.now() + timedelta(days=1)
    )
    await assert_refused(world, world.pupil_a_user, world.slot.id, ErrorCode.BOOKING_CLOSED)
    await world.period_a.filter(id=world.period_a.id).update(
        booking_opens_at=clock.now() - timedelta(days=3),
        booking_closes_at=clock.now() - timedelta(seconds=1),
    )
    await assert_refused(world, world.pupil_a_user, world.slot.id, ErrorCode.BOOKING_CLOSED)


async def test_allocation_period_does_not_take_first_come_bookings(world: World) -> None:
    await world.period_a.filter(id=world.period_a.id).update(mode="allocation")
    await assert_refused(world, world.pupil_a_user, world.slot.id, ErrorCode.BOOKING_CLOSED)


async def test_slot_dates_outside_the_period(world: World) -> None:
    later = world.period_a.end_date + timedelta(days=30)
    slot = await factories.slot(
        world.employer, start_date=later, end_date=later + timedelta(days=4)
    )
    await assert_refused(world, world.pupil_a_user, slot.id, ErrorCode.DATES_DO_NOT_MATCH)


async def test_slot_overlapping_the_period_partly_is_bookable(world: World) -> None:
    start = world.period_a.end_date - timedelta(days=2)
    slot = await factories.slot(
        world.employer, start_date=start, end_date=start + timedelta(days=7)
    )
    assert (await book_slot(await world.actor(world.pupil_a_user), slot.id)).ok


async def test_closed_slot_is_not_published(world: World) -> None:
    slot = await factories.slot(world.employer, status=SlotStatus.CLOSED)
    await assert_refused(world, world.pupil_a_user, slot.id, ErrorCode.NOT_PUBLISHED)


async def test_a_draft_does_not_exist_for_schools(world: World) -> None:
    slot = await factories.slot(world.employer, status=SlotStatus.DRAFT)
    await assert_refused(world, world.pupil_a_user, slot.id, ErrorCode.NOT_FOUND)


async def test_slot_for_another_school_is_not_visible(world: World) -> None:
    await assert_refused(world, world.pupil_a_user, world.slot_b_only.id, ErrorCode.NOT_VISIBLE)
    assert (await book_slot(await world.actor(world.pupil_b_user), world.slot_b_only.id)).ok


async def test_slot_of_another_organiser_does_not_exist_for_the_pupil(world: World) -> None:
    slot = await factories.slot(world.other_employer)
    await assert_refused(world, world.pupil_a_user, slot.id, ErrorCode.NOT_FOUND)


async def test_ids_beyond_the_database_range_are_not_found(world: World) -> None:
    outcome = await book_slot(await world.actor(world.pupil_a_user), 2**40)
    assert [e.code for e in outcome.errors] == [ErrorCode.NOT_FOUND]
    await assert_refused(
        world, world.coordinator_a, world.slot.id, ErrorCode.NOT_FOUND, pupil_id=2**40
    )
    outcome = await cancel_booking(await world.actor(world.pupil_a_user), 2**40)
    assert [e.code for e in outcome.errors] == [ErrorCode.NOT_FOUND]


async def test_nul_characters_are_refused_and_change_nothing(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    booking = (await book_slot(actor, world.slot.id)).value
    assert booking is not None
    outcome = await cancel_booking(actor, booking.id, "sj\x00uk")
    assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.INVALID, "reason")]
    assert (await Booking.get(id=booking.id)).cancelled_at is None


async def test_too_young(world: World) -> None:
    slot = await factories.slot(world.employer, min_age=16)
    await assert_refused(world, world.pupil_a_user, slot.id, ErrorCode.TOO_YOUNG)


async def test_age_counts_on_the_first_day_of_the_placement(world: World) -> None:
    slot = await factories.slot(world.employer, min_age=15)
    birthday = slot.start_date.replace(year=slot.start_date.year - 15)
    await world.pupil_a.filter(id=world.pupil_a.id).update(birth_date=birthday)
    assert (await book_slot(await world.actor(world.pupil_a_user), slot.id)).ok


async def test_age_without_birth_date_uses_the_year_group(world: World) -> None:
    pupil = await factories.pupil(world.school_a, birth_date=None, year_group=8)
    assert pupil.age_on(date(2030, 1, 1)) == 13


async def test_unknown_slot_is_not_found(world: World) -> None:
    outcome = await book_slot(await world.actor(world.pupil_a_user), 999_999)
    assert [e.code for e in outcome.errors] == [ErrorCode.NOT_FOUND]


async def test_pupil_cannot_book_for_someone_else(world: World) -> None:
    await assert_refused(
        world, world.pupil_a_user, world.slot.id, ErrorCode.FORBIDDEN, pupil_id=world.pupil_a2.id
    )


async def test_anonymous_and_employer_cannot_book() -> None:
    outcome = await book_slot(ANONYMOUS, 1)
    assert [e.code for e in outcome.errors] == [ErrorCode.FORBIDDEN]


async def test_employer_cannot_book(world: World) -> None:
    await assert_refused(
        world, world.employer_user, world.slot.id, ErrorCode.FORBIDDEN, pupil_id=world.pupil_a.id
    )


async def test_coordinator_books_for_own_pupil_only(world: World) -> None:
    coordinator = await world.actor(world.coordinator_a)
    outcome = await book_slot(coordinator, world.slot.id, pupil_id=world.pupil_a2.id)
    assert outcome.ok and outcome.value is not None
    assert outcome.value.origin == BookingOrigin.STAFF
    assert outcome.value.created_by_id == world.coordinator_a.id
    await assert_refused(
        world, world.coordinator_a, world.slot.id, ErrorCode.NOT_FOUND, pupil_id=world.pupil_b.id
    )
    await assert_refused(world, world.coordinator_a, world.slot.id, ErrorCode.INVALID)


async def test_admin_books_across_the_organiser_not_beyond(world: World) -> None:
    admin = await world.actor(world.admin)
    assert (await book_slot(admin, world.slot.id, pupil_id=world.pupil_b.id)).ok
    await assert_refused(
        world, world.admin, world.slot.id, ErrorCode.NOT_FOUND, pupil_id=world.pupil_x.id
    )


async def test_cancel_frees_the_place_at_once(world: World) -> None:
    slot = await factories.slot(world.employer, capacity=1)
    actor = await world.actor(world.pupil_a_user)
    booking = (await book_slot(actor, slot.id)).value
    assert booking is not None
    outcome = await cancel_booking(actor, booking.id, "  Sjuk  ")
    assert outcome.ok and outcome.value is not None
    assert outcome.value.status == BookingStatus.CANCELLED
    assert outcome.value.reason == "Sjuk"
    assert outcome.value.cancelled_at is not None
    assert (await Slot.get(id=slot.id)).taken == 0
    assert await OutboxMessage.filter(booking_id=booking.id, kind="booking_cancelled").exists()
    # the place is free for someone else, and the pupil may book again in the period
    assert (await book_slot(await world.actor(world.pupil_b_user), slot.id)).ok
    assert (await book_slot(actor, world.slot.id)).ok


async def test_cancel_twice_is_refused_and_frees_only_once(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    booking = (await book_slot(actor, world.slot.id)).value
    assert booking is not None
    assert (await cancel_booking(actor, booking.id)).ok
    again = await cancel_booking(actor, booking.id)
    assert [e.code for e in again.errors] == [ErrorCode.NOT_ACTIVE]
    assert (await Slot.get(id=world.slot.id)).taken == 0


async def test_pupil_cannot_cancel_after_the_deadline_but_coordinator_can(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    booking = (await book_slot(actor, world.slot.id)).value
    assert booking is not None
    await world.period_a.filter(id=world.period_a.id).update(
        cancel_deadline=clock.now() - timedelta(minutes=1)
    )
    late = await cancel_booking(actor, booking.id)
    assert [e.code for e in late.errors] == [ErrorCode.CANCEL_DEADLINE_PASSED]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert (await Slot.get(id=world.slot.id)).taken == 1
    assert (await cancel_booking(await world.actor(world.coordinator_a), booking.id)).ok
    assert (await Slot.get(id=world.slot.id)).taken == 0


async def test_others_cannot_cancel(world: World) -> None:
    booking = (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).value
    assert booking is not None
    for user in (world.pupil_b_user, world.coordinator_b):
        outcome = await cancel_booking(await world.actor(user), booking.id)
        assert [e.code for e in outcome.errors] == [ErrorCode.NOT_FOUND]
    outcome = await cancel_booking(await world.actor(world.employer_user), booking.id)
    assert [e.code for e in outcome.errors] == [ErrorCode.FORBIDDEN]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED


async def test_overlong_cancel_reason_is_refused(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    booking = (await book_slot(actor, world.slot.id)).value
    assert booking is not None
    outcome = await cancel_booking(actor, booking.id, "x" * 1001)
    assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.INVALID, "reason")]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
