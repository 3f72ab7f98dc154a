"""The slot page of a pupil, read in one statement: the slots it finds are exactly those
policy.slots lets her see, and what it shows is what the ORM reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tortoise import connections

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    EmployerStatus,
    PeriodMode,
    Role,
    SlotStatus,
)
from prao.services.booking import book_slot
from prao.services.slot_detail import booking_refusal, slot_detail
from prao.services.wishes import slot_wish
from tests import factories
from tests.factories import World


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every query the ORM or hand-written SQL sends through the default connection."""
    seen: list[str] = []
    client = type(connections.get("default"))
    real = client.execute_query

    async def counted(self: Any, query: str, values: Any = None) -> Any:
        seen.append(query)
        return await real(self, query, values)

    monkeypatch.setattr(client, "execute_query", counted)
    yield seen


async def every_kind_of_slot(world: World) -> list[int]:
    pending = await factories.employer(world.organiser, status=EmployerStatus.PENDING)
    declined = await factories.employer(world.organiser, status=EmployerStatus.DECLINED)
    slots = [
        world.slot,
        world.slot_b_only,
        await factories.slot(world.employer, status=SlotStatus.DRAFT),
        await factories.slot(world.employer, status=SlotStatus.CLOSED),
        await factories.slot(world.employer, schools=[world.school_a, world.school_x]),
        await factories.slot(world.employer, schools=[]),
        await factories.slot(pending),
        await factories.slot(declined),
        await factories.slot(world.other_employer),
        await factories.slot(world.other_employer, schools=[world.school_x]),
    ]
    return [s.id for s in slots]


async def pupils(world: World) -> list[Actor]:
    x_user = await factories.pupil_user(world.pupil_x)
    return [await world.actor(u) for u in (world.pupil_a_user, world.pupil_b_user, x_user)]


async def test_a_pupil_finds_exactly_the_slots_policy_lets_her_see(world: World) -> None:
    slot_ids = await every_kind_of_slot(world)
    for actor in await pupils(world):
        visible = {s.id for s in await policy.slots(actor).filter(id__in=slot_ids)}
        found = {i for i in slot_ids if await slot_detail(actor, i) is not None}
        assert found == visible, actor.school_id
        assert visible  # each of them sees some, and not all
        assert visible != set(slot_ids)


async def test_what_the_page_shows_her_is_what_the_orm_reads(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    other = await factories.slot(world.employer, title="Kock")
    # Free to book: no booking, no wish, no refusal.
    free = await slot_detail(actor, world.slot.id)
    assert free is not None and (free.booking, free.wish, free.refusal) == (None, None, None)
    assert free.slot.employer.name == world.employer.name
    # Booked: her booking, as policy.bookings has it.
    booked = await book_slot(actor, world.slot.id)
    assert booked.ok and booked.value is not None
    shown = await slot_detail(actor, world.slot.id)
    expected = await policy.bookings(actor).get(
        slot_id=world.slot.id, status__in=list(ACTIVE_BOOKING_STATUSES)
    )
    assert shown is not None and shown.booking is not None
    assert (shown.booking.id, shown.booking.status) == (expected.id, expected.status)
    assert (shown.wish, shown.refusal) == (None, None)
    # Another slot: the refusal the rules give, or the one book_slot just gave.
    elsewhere = await slot_detail(actor, other.id)
    assert elsewhere is not None and elsewhere.booking is None
    assert elsewhere.refusal == await booking_refusal(actor, other)
    assert elsewhere.refusal is not None and elsewhere.refusal.code == ErrorCode.ALREADY_BOOKED
    given = DomainError.of(ErrorCode.SLOT_FULL, "slot_id")
    answered = await slot_detail(actor, other.id, refused=given)
    assert answered is not None and answered.refusal is given
    # Cancelled: no longer hers to show.
    await Booking.filter(id=expected.id).update(status=BookingStatus.CANCELLED)
    again = await slot_detail(actor, world.slot.id)
    assert again is not None and again.booking is None


async def test_in_an_allocation_period_she_is_offered_the_wish(world: World) -> None:
    await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=3)
    actor = await world.actor(world.pupil_a_user)
    shown = await slot_detail(actor, world.slot.id)
    expected = await slot_wish(actor, world.slot)
    assert shown is not None and shown.wish is not None and expected is not None
    assert (shown.wish.period.id, shown.wish.rank, shown.wish.open_now, shown.wish.full) == (
        expected.period.id,
        expected.rank,
        expected.open_now,
        expected.full,
    )
    assert shown.refusal is None


async def test_staff_see_the_slot_without_a_booking_panel(world: World) -> None:
    coordinator = await world.actor(world.coordinator_a)
    shown = await slot_detail(coordinator, world.slot.id)
    assert shown is not None and (shown.booking, shown.wish, shown.refusal) == (None, None, None)
    assert await slot_detail(coordinator, 2**31) is None


async def test_a_pupil_without_a_record_of_her_own_may_not_book(world: World) -> None:
    stray = await factories.user(Role.PUPIL, school_id=world.school_a.id)
    actor = await world.actor(stray)
    shown = await slot_detail(actor, world.slot.id)
    assert shown is not None and shown.refusal is not None
    assert shown.refusal.code == ErrorCode.FORBIDDEN


async def test_a_refused_booking_page_costs_one_statement(
    world: World, statements: list[str]
) -> None:
    actor = await world.actor(world.pupil_a_user)
    statements.clear()
    shown = await slot_detail(actor, world.slot.id, DomainError.of(ErrorCode.SLOT_FULL))
    assert shown is not None and len(statements) == 1
