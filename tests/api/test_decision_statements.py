"""A decision and a placement cost one read and one write on the wire, whatever they change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from prao.config import Settings
from prao.errors import ErrorCode
from prao.models import AuditEvent, Booking, BookingLink, BookingStatus, OutboxEvent, Slot
from prao.services import decisions, self_found
from prao.services.booking import book_slot
from prao.services.decisions import decide_booking
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
