"""A booking change writes one outbox event in its transaction; expanding it writes the messages
as the booking was at the change, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from tortoise import connections

from prao import clock, outbox
from prao.config import Settings
from prao.errors import ErrorCode
from prao.jobs import jobs
from prao.models import Booking, Employer, Guardian, OutboxEvent, OutboxMessage, Slot
from prao.outbox import expand_event, expand_events, unexpanded_events
from prao.services import self_found_link
from prao.services.booking import book_slot, cancel_booking
from prao.services.decisions import decide_booking
from prao.services.placement import place_pupil
from tests import factories
from tests.domain.test_self_found import register
from tests.factories import World
from workers.in_process import InProcessJobs


@pytest.fixture
def no_runner() -> Iterator[None]:
    """No job runner: events wait unexpanded, as when Redis is down."""
    previous = jobs.use(None)
    yield
    jobs.use(previous)


async def test_a_booking_writes_one_event_and_its_messages(world: World) -> None:
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.value is not None
    [event] = await OutboxEvent.all()
    assert event.kind == "booking_created" and event.booking_id == outcome.value.id
    assert event.expanded_at is not None  # the in-process runner expands inline
    assert event.snapshot["status"] == "confirmed"
    assert event.snapshot["slot"]["title"] == "Bagare"  # type: ignore[index]
    assert await OutboxMessage.filter(booking_id=outcome.value.id).count() == 4


async def test_a_refused_booking_leaves_no_event(world: World) -> None:
    actor = await world.actor(world.pupil_a_user)
    assert (await book_slot(actor, world.slot.id)).ok
    again = await book_slot(actor, world.slot.id)
    assert [e.code for e in again.errors] == [ErrorCode.ALREADY_BOOKED]
    assert await OutboxEvent.all().count() == 1
    await Slot.filter(id=world.slot.id).update(taken=2)
    full = await book_slot(await world.actor(world.pupil_b_user), world.slot.id)
    assert not full.ok
    assert await OutboxEvent.all().count() == 1


async def test_without_a_runner_the_event_waits_and_nothing_else_is_written(
    world: World, no_runner: None
) -> None:
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.value is not None
    [event] = await OutboxEvent.all()
    assert event.expanded_at is None
    assert await OutboxMessage.all().count() == 0


async def test_expansion_describes_the_booking_as_it_was_at_the_change(
    world: World, no_runner: None
) -> None:
    actor = await world.actor(world.pupil_a_user)
    booked = await book_slot(actor, world.slot.id)
    assert booked.value is not None
    booking = booked.value
    cancelled = await cancel_booking(actor, booking.id, "Sjuk")
    assert cancelled.ok
    # After both changes: the slot is renamed and moved, the guardian's address changes.
    await Slot.filter(id=world.slot.id).update(title="Konditor", city="Ystad", starts_minute=600)
    await Guardian.filter(pupil_id=world.pupil_a.id).update(email="ny.vh@example.se")
    created, cancel = await OutboxEvent.all().order_by("id")
    ids = await expand_event(created.id)
    messages = await OutboxMessage.filter(id__in=ids).order_by("to_address")
    assert [m.to_address for m in messages] == [
        "alva.user@example.se",
        "alva@example.se",
        world.employer.contact_email,
        "ny.vh@example.se",  # recipients are today's
    ]
    for m in messages:
        assert m.subject.endswith(": Bagare")
        assert "Status: Bekräftad" in m.body and "Ystad" not in m.body
        assert "Tider: 08:00–14:00" in m.body
        assert "Konditor" not in m.body and "Meddelande" not in m.body
        assert m.attachment is not None and "Bagare" in m.attachment
        assert "Konditor" not in m.attachment and "T080000" in m.attachment
        assert m.attachment_name == "praoplats.ics"
    [cancelled_message, *_] = await OutboxMessage.filter(
        id__in=await expand_event(cancel.id)
    ).order_by("to_address")
    assert "Meddelande: Sjuk" in cancelled_message.body
    assert cancelled_message.attachment is None  # no calendar for a cancelled booking


async def test_an_event_is_expanded_once(world: World, no_runner: None) -> None:
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    [event] = await OutboxEvent.all()
    first, second = await asyncio.gather(expand_event(event.id), expand_events([event.id]))
    assert sorted([len(first), len(second)]) == [0, 4]
    assert await expand_event(event.id) == []
    assert await OutboxMessage.all().count() == 4


async def test_the_sweep_expands_an_event_left_unexpanded(world: World, no_runner: None) -> None:
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    [event] = await OutboxEvent.all()
    assert await unexpanded_events(clock.now()) == []  # young: its job may still be coming
    await OutboxEvent.filter(id=event.id).update(created_at=clock.now() - timedelta(minutes=2))
    assert await unexpanded_events(clock.now()) == [event.id]
    runner = InProcessJobs()
    await runner.sweep()
    assert (await OutboxEvent.get(id=event.id)).expanded_at is not None
    assert await OutboxMessage.filter(booking_id=booked.value.id).count() == 4
    assert await unexpanded_events(clock.now()) == []


async def test_an_event_of_a_deleted_booking_expands_to_nothing(
    world: World, no_runner: None
) -> None:
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    [event] = await OutboxEvent.all()
    await Booking.filter(id=booked.value.id).delete()
    assert await expand_event(event.id) == []
    kept = await OutboxEvent.get(id=event.id)
    assert kept.expanded_at is not None
    assert kept.booking_id == booked.value.id  # the fact keeps the id its booking had


async def test_decide_and_place_each_write_one_event_and_a_refusal_none(world: World) -> None:
    slot = await factories.slot(world.employer, title="Florist", requires_approval=True)
    booked = await book_slot(await world.actor(world.pupil_a_user), slot.id)
    assert booked.value is not None
    employer = await world.actor(world.employer_user)
    assert (await decide_booking(employer, booked.value.id, approve=False, reason="Fullt")).ok
    again = await decide_booking(employer, booked.value.id, approve=True)
    assert [e.code for e in again.errors] == [ErrorCode.NOT_PENDING]
    coordinator = await world.actor(world.coordinator_a)
    placed = await place_pupil(coordinator, world.period_a.id, world.pupil_a.id, world.slot.id)
    assert placed.value is not None
    events = await OutboxEvent.all().order_by("id")
    assert [(e.kind, e.snapshot["status"]) for e in events] == [
        ("booking_created", "pending"),
        ("booking_declined", "declined"),
        ("booking_created", "confirmed"),
    ]
    assert all(e.expanded_at is not None for e in events)
    declined = await OutboxMessage.filter(kind="booking_declined").order_by("to_address")
    assert [m.to_address for m in declined] == [
        "alva.user@example.se",
        "alva@example.se",
        world.employer.contact_email,
        "vh.alva@example.se",
    ]
    assert all("Meddelande: Fullt" in m.body for m in declined)


async def test_a_link_answer_keeps_the_workplace_address_in_its_event(
    world: World, settings: Settings, no_runner: None
) -> None:
    booking, token = await register(world, settings)
    assert (await self_found_link.answer_link(token, confirm=True)).ok
    [event] = await OutboxEvent.filter(kind="self_found_confirmed")
    assert event.snapshot["recipients"] == ["blommor@example.se"]
    # The workplace's address changes afterwards: the link went to the old one.
    await Employer.filter(id=(await Slot.get(id=booking.slot_id)).employer_id).update(
        contact_email="ny@example.se"
    )
    messages = await OutboxMessage.filter(id__in=await expand_event(event.id))
    assert "blommor@example.se" in {m.to_address for m in messages}


@pytest.mark.postgres
async def test_a_slots_snapshot_built_in_postgresql_is_the_one_python_builds(
    postgres: None, world: World
) -> None:
    made = await factories.slot(
        world.employer,
        title='Bageri "Söta" \\ Ål',
        address="Storgatan 1\nbakom",
        tasks="Baka, sälja & städa: 100 % – 🥐",
        starts_minute=7 * 60 + 5,
        ends_minute=16 * 60 + 45,
    )
    slot = await Slot.get(id=made.id)
    [row] = await connections.get("default").execute_query_dict(
        f"SELECT {outbox.PLACE_SNAPSHOT_PG}::text AS place FROM slot AS s WHERE s.id = $1",
        [slot.id],
    )
    assert json.loads(row["place"]) == outbox.place_snapshot(slot)
