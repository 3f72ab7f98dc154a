"""A decision and a placement cost one read and one write on the wire, whatever they change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from prao.config import Settings
from prao.errors import ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    BookingLink,
    BookingOrigin,
    BookingStatus,
    OutboxEvent,
    Slot,
)
from prao.services import decisions, placement, self_found
from prao.services.booking import book_slot
from prao.services.decisions import decide_booking
from prao.services.placement import place_pupil
from tests import factories
from tests.api import test_booking_statements as counting
from tests.factories import World

pytestmark = pytest.mark.postgres

# The fixtures that count statements on the wire and leave events to a worker.
wire = counting.wire
worker_expands = counting.worker_expands

# The booking with its slot in one SELECT; the decision, place, link, event and audit row in one.
DECISION_BUDGET = 2


async def pending(world: World) -> tuple[Slot, Booking]:
    slot = await factories.slot(world.employer, requires_approval=True, capacity=1)
    booked = await book_slot(await world.actor(world.pupil_a_user), slot.id)
    assert booked.value is not None and booked.value.status == BookingStatus.PENDING
    return slot, booked.value


@pytest.mark.parametrize("approve", [True, False])
async def test_a_decision_runs_within_the_statement_budget(
    postgres: None, world: World, wire: list[str], worker_expands: None, approve: bool
) -> None:
    slot, booking = await pending(world)
    employer = await world.actor(world.employer_user)
    wire.clear()
    outcome = await decide_booking(employer, booking.id, approve, "Välkommen")
    sent = list(wire)
    assert outcome.ok, outcome.errors
    assert len(sent) <= DECISION_BUDGET, "\n".join(q[:150] for q in sent)
    after = await Booking.get(id=booking.id)
    status = BookingStatus.CONFIRMED if approve else BookingStatus.DECLINED
    assert (after.status, after.reason, after.decided_by_id) == (
        status, "Välkommen", world.employer_user.id
    )  # fmt: skip
    assert (await Slot.get(id=slot.id)).taken == (1 if approve else 0)
    kind = "booking_approved" if approve else "booking_declined"
    [event] = await OutboxEvent.filter(booking_id=booking.id, kind=kind)
    assert event.snapshot["status"] == status.value
    [entry] = await AuditEvent.filter(action="approve" if approve else "decline")
    assert (entry.object_type, entry.detail) == ("booking", {"booking_id": booking.id})
    assert entry.organiser_id == world.organiser.id


async def test_a_decided_booking_stops_after_its_one_select(
    postgres: None, world: World, wire: list[str], worker_expands: None
) -> None:
    _, booking = await pending(world)
    employer = await world.actor(world.employer_user)
    assert (await decide_booking(employer, booking.id, True)).ok
    events, entries = await OutboxEvent.all().count(), await AuditEvent.all().count()
    wire.clear()
    again = await decide_booking(employer, booking.id, False)
    assert [e.code for e in again.errors] == [ErrorCode.NOT_PENDING]
    assert len(wire) == 1, wire
    assert (await OutboxEvent.all().count(), await AuditEvent.all().count()) == (events, entries)


async def test_cancelled_after_the_read_the_decision_writes_nothing(
    postgres: None,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    worker_expands: None,
) -> None:
    """The read saw it pending; the write's own condition finds it cancelled a moment ago."""
    slot, booking = await pending(world)
    write = decisions._decide_in_one_statement

    async def cancelled_first(*args: Any, **kw: Any) -> int | None:
        await Booking.filter(id=booking.id).update(status=BookingStatus.CANCELLED)
        await Slot.filter(id=slot.id).update(taken=0)
        return await write(*args, **kw)

    monkeypatch.setattr(decisions, "_decide_in_one_statement", cancelled_first)
    outcome = await decide_booking(await world.actor(world.employer_user), booking.id, False)
    assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.NOT_PENDING, "booking_id")]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED
    assert (await Slot.get(id=slot.id)).taken == 0  # not given back a second time
    assert not await OutboxEvent.filter(kind="booking_declined").exists()
    assert not await AuditEvent.filter(action="decline").exists()


async def test_decisions_of_one_booking_at_once_count_once(
    postgres: None, world: World, worker_expands: None
) -> None:
    slot, booking = await pending(world)
    employer = await world.actor(world.employer_user)
    outcomes = await asyncio.gather(
        *(decide_booking(employer, booking.id, i % 2 == 0) for i in range(10))
    )
    assert sum(o.ok for o in outcomes) == 1
    assert {e.code for o in outcomes for e in o.errors} == {ErrorCode.NOT_PENDING}
    after = await Booking.get(id=booking.id)
    assert (await Slot.get(id=slot.id)).taken == (
        1 if after.status == BookingStatus.CONFIRMED else 0
    )
    assert (
        await OutboxEvent.filter(booking_id=booking.id).exclude(kind="booking_created").count() == 1
    )
    assert await AuditEvent.filter(action__in=["approve", "decline"]).count() == 1


async def test_a_self_found_request_answered_on_the_pages_spends_its_link(
    postgres: None, world: World, settings: Settings, wire: list[str], worker_expands: None
) -> None:
    start = world.period_a.start_date
    data = self_found.SelfFound(
        "Blomman", world.employer_user.email, start, start, "Blommor", "Storgatan 1"
    )
    registered = await self_found.register(await world.actor(world.pupil_a_user), data, settings)
    assert registered.value is not None, registered.errors
    booking = registered.value
    employer = await world.actor(world.employer_user)
    wire.clear()
    assert (await decide_booking(employer, booking.id, True)).ok
    assert len(wire) <= DECISION_BUDGET, wire
    assert (await BookingLink.get(booking_id=booking.id)).used_at is not None
    assert await OutboxEvent.filter(booking_id=booking.id, kind="self_found_confirmed").exists()


# The period, pupil, slot, listing and current booking in one SELECT; the move in one.
PLACEMENT_BUDGET = 2


@pytest.mark.parametrize("move", [False, True])
async def test_a_placement_runs_within_the_statement_budget(
    postgres: None, world: World, wire: list[str], worker_expands: None, move: bool
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    target = await factories.slot(world.employer, title="Kock", capacity=1)
    old = None
    if move:
        placed = await place_pupil(coordinator, world.period_a.id, world.pupil_a.id, world.slot.id)
        old = placed.value
        assert old is not None, placed.errors
    wire.clear()
    outcome = await place_pupil(coordinator, world.period_a.id, world.pupil_a.id, target.id)
    sent = list(wire)
    assert outcome.value is not None, outcome.errors
    assert len(sent) <= PLACEMENT_BUDGET, "\n".join(q[:150] for q in sent)
    booking = await Booking.get(id=outcome.value.id)
    assert (booking.slot_id, booking.status, booking.origin) == (
        target.id, BookingStatus.CONFIRMED, BookingOrigin.STAFF
    )  # fmt: skip
    assert (await Slot.get(id=target.id)).taken == 1
    assert await OutboxEvent.filter(booking_id=booking.id, kind="booking_created").count() == 1
    [entry] = await AuditEvent.filter(action="move" if move else "place")
    assert entry.detail == {"booking_id": booking.id, "pupil_id": world.pupil_a.id}
    if old is not None:
        before = await Booking.get(id=old.id)
        assert (before.status, before.reason) == (BookingStatus.CANCELLED, "Flyttad av SYV.")
        assert (await Slot.get(id=world.slot.id)).taken == 0


async def test_a_refused_placement_stops_after_its_one_select(
    postgres: None, world: World, wire: list[str], worker_expands: None
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    adult = await factories.slot(world.employer, min_age=18)
    wire.clear()
    refused = await place_pupil(coordinator, world.period_a.id, world.pupil_a.id, adult.id)
    assert [e.code for e in refused.errors] == [ErrorCode.TOO_YOUNG]
    assert len(wire) == 1, wire
    # A slot of the organiser not listed for her school is not found by its staff.
    hidden = await place_pupil(
        coordinator, world.period_a.id, world.pupil_a.id, world.slot_b_only.id
    )
    assert [e.code for e in hidden.errors] == [ErrorCode.NOT_FOUND]
    assert await OutboxEvent.all().count() == 0


async def test_full_or_changed_after_the_read_a_move_changes_nothing(
    postgres: None, world: World, monkeypatch: pytest.MonkeyPatch, worker_expands: None
) -> None:
    """The read saw a free place and an active booking; the write's own conditions decide."""
    coordinator = await world.actor(world.coordinator_a)
    placed = await place_pupil(coordinator, world.period_a.id, world.pupil_a.id, world.slot.id)
    assert placed.value is not None
    target = await factories.slot(world.employer, title="Sista platsen", capacity=1)
    write = placement._place_in_one_statement

    async def with_change(change: Any) -> list[ErrorCode]:
        async def changed_first(*args: Any, **kw: Any) -> Any:
            await change
            return await write(*args, **kw)

        monkeypatch.setattr(placement, "_place_in_one_statement", changed_first)
        outcome = await place_pupil(coordinator, world.period_a.id, world.pupil_a.id, target.id)
        return [e.code for e in outcome.errors]

    before = (await Slot.all().order_by("id").values_list("id", "taken"), await Booking.all())
    # Another school takes the last place between the read and the write.
    assert await with_change(Slot.filter(id=target.id).update(taken=1)) == [ErrorCode.SLOT_FULL]
    await Slot.filter(id=target.id).update(taken=0)
    assert (await Slot.all().order_by("id").values_list("id", "taken"), await Booking.all()) == (
        before
    )
    # She was moved (or cancelled) a moment ago.
    cancelled = Booking.filter(id=placed.value.id).update(status=BookingStatus.CANCELLED)
    assert await with_change(cancelled) == [ErrorCode.NOT_ACTIVE]
    assert (await Slot.get(id=target.id)).taken == 0
    assert await Booking.filter(slot_id=target.id).count() == 0
    assert await OutboxEvent.filter(kind="booking_created").count() == 1  # the first placement
    assert not await AuditEvent.filter(action="move").exists()


async def test_placements_while_the_slot_fills_never_overbook(
    postgres: None, world: World, worker_expands: None
) -> None:
    """Pupils placed from elsewhere, placed fresh and booking themselves into three places at
    once: three get them, the moved ones refused keep their old placement."""
    coordinator = await world.actor(world.coordinator_a)
    target = await factories.slot(world.employer, title="Tre platser", capacity=3)
    elsewhere = await factories.slot(world.employer, title="Annanstans", capacity=20)
    pupils = [await factories.pupil(world.school_a) for _ in range(12)]
    for pupil in pupils[:6]:
        assert (await place_pupil(coordinator, world.period_a.id, pupil.id, elsewhere.id)).ok
    outcomes = await asyncio.gather(
        *(place_pupil(coordinator, world.period_a.id, p.id, target.id) for p in pupils[:9]),
        *(book_slot(coordinator, target.id, pupil_id=p.id) for p in pupils[9:]),
    )
    assert sum(o.ok for o in outcomes) == 3
    assert {e.code for o in outcomes for e in o.errors} == {ErrorCode.SLOT_FULL}
    active = [BookingStatus.CONFIRMED, BookingStatus.PENDING]
    assert await Booking.filter(slot_id=target.id, status__in=active).count() == 3
    assert (await Slot.get(id=target.id)).taken == 3
    still_elsewhere = await Booking.filter(slot_id=elsewhere.id, status__in=active).count()
    assert (await Slot.get(id=elsewhere.id)).taken == still_elsewhere
    moved = sum(o.ok for o in outcomes[:6])
    assert still_elsewhere == 6 - moved


async def test_moves_between_two_slots_at_once_keep_both_counts(
    postgres: None, world: World, worker_expands: None
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    a = await factories.slot(world.employer, title="A", capacity=10)
    b = await factories.slot(world.employer, title="B", capacity=10)
    pupils = [await factories.pupil(world.school_a) for _ in range(8)]
    for i, pupil in enumerate(pupils):
        slot = a if i % 2 else b
        assert (await place_pupil(coordinator, world.period_a.id, pupil.id, slot.id)).ok
    outcomes = await asyncio.gather(
        *(
            place_pupil(coordinator, world.period_a.id, p.id, (b if i % 2 else a).id)
            for i, p in enumerate(pupils)
        )
    )
    assert all(o.ok for o in outcomes), [o.errors for o in outcomes]
    active = [BookingStatus.CONFIRMED, BookingStatus.PENDING]
    for slot in (a, b):
        assert (await Slot.get(id=slot.id)).taken == 4
        assert await Booking.filter(slot_id=slot.id, status__in=active).count() == 4
