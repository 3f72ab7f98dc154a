"""Slots through the domain: create as draft, every refusal (changing nothing), publish, close,
copy last year's slot, capacity not below the places taken."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from prao.errors import ErrorCode
from prao.models import AuditEvent, Slot, SlotStatus, SlotVisibility
from prao.services import slots
from prao.services.booking import book_slot
from tests import factories
from tests.db import column
from tests.factories import World


def good(**kw: object) -> slots.SlotInput:
    start, end = factories.prao_weeks()
    values: dict[str, object] = {
        "title": "Snickare",
        "tasks": "Mäta, såga, bära",
        "trade": "Bygg och anläggning",
        "address": "Verkstadsgatan 2",
        "city": "Varberg",
        "start_date": start,
        "end_date": end,
        "day_starts_at": "08:00",
        "day_ends_at": "14:30",
        "break_minutes": 30,
        "capacity": 2,
    }
    values.update(kw)
    return slots.SlotInput(**values)  # type: ignore[arg-type]


async def test_create_is_a_draft_with_every_field(world: World) -> None:
    actor = await world.actor(world.employer_user)
    data = good(visible_to_all=False, school_ids=[world.school_b.id], requires_approval=True,
                min_age=15, description="Vi bygger hus")  # fmt: skip
    outcome = await slots.create_slot(actor, data)
    assert outcome.ok, outcome.errors
    slot = await Slot.get(id=outcome.value.id)  # type: ignore[union-attr]
    assert slot.status == SlotStatus.DRAFT
    assert (slot.starts_minute, slot.ends_minute, slot.break_minutes) == (480, 870, 30)
    assert (slot.employer_id, slot.capacity, slot.min_age) == (world.employer.id, 2, 15)
    assert slot.requires_approval and not slot.visible_to_all
    assert slot.supervisor_id == world.employer_user.id
    assert await column(SlotVisibility.filter(slot_id=slot.id), "school_id") == [world.school_b.id]


BAD = [
    ({"day_ends_at": "15:31"}, "HOURS_NOT_ALLOWED", "day_ends_at"),
    ({"day_starts_at": "05:30"}, "HOURS_NOT_ALLOWED", "day_starts_at"),
    ({"day_starts_at": "14:00", "day_ends_at": "20:30"}, "HOURS_NOT_ALLOWED", "day_ends_at"),
    ({"day_ends_at": "13:30", "break_minutes": 0}, "HOURS_NOT_ALLOWED", "break_minutes"),
    ({"day_ends_at": "07:00"}, "END_BEFORE_START", "day_ends_at"),
    ({"day_ends_at": "halv tre"}, "INVALID", "day_ends_at"),
    ({"end_date": date(2020, 1, 1)}, "END_BEFORE_START", "end_date"),
    ({"start_date": None}, "INVALID", "start_date"),
    ({"capacity": 0}, "INVALID", "capacity"),
    ({"min_age": 19}, "INVALID", "min_age"),
    ({"title": "  "}, "INVALID", "title"),
    ({"tasks": ""}, "INVALID", "tasks"),
    ({"visible_to_all": False, "school_ids": []}, "INVALID", "school_ids"),
]


@pytest.mark.parametrize(("change", "code", "field"), BAD)
async def test_create_refusals_name_the_field_and_write_nothing(
    world: World, change: dict[str, object], code: str, field: str
) -> None:
    actor = await world.actor(world.employer_user)
    before = await Slot.all().count()
    outcome = await slots.create_slot(actor, good(**change))
    assert (str(outcome.errors[0].code), outcome.errors[0].field) == (code, field)
    assert outcome.value is None
    assert await Slot.all().count() == before
    assert not await AuditEvent.filter(object_type="slot").exists()


async def test_another_organisers_school_is_not_a_choice(world: World) -> None:
    actor = await world.actor(world.employer_user)
    outcome = await slots.create_slot(
        actor, good(visible_to_all=False, school_ids=[world.school_x.id])
    )
    assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.NOT_FOUND, "school_ids")]


async def test_only_employers_create_slots(world: World) -> None:
    for user in (world.pupil_a_user, world.coordinator_a, world.admin):
        outcome = await slots.create_slot(await world.actor(user), good())
        assert outcome.errors[0].code == ErrorCode.FORBIDDEN
    assert not await Slot.filter(title="Snickare").exists()


async def test_update_refuses_capacity_below_places_taken(world: World) -> None:
    employer = await world.actor(world.employer_user)
    slot = world.slot  # capacity 2
    for pupil in (world.pupil_a_user, world.pupil_b_user):
        assert (await book_slot(await world.actor(pupil), slot.id)).ok
    data = slots.SlotInput.from_slot(await Slot.get(id=slot.id), [])
    outcome = await slots.update_slot(employer, slot.id, replace(data, capacity=1, title="Ny"))
    assert [(e.code, e.field) for e in outcome.errors] == [
        (ErrorCode.CAPACITY_BELOW_TAKEN, "capacity")
    ]
    after = await Slot.get(id=slot.id)
    assert (after.capacity, after.title, after.taken) == (2, "Bagare", 2)
    assert (await slots.update_slot(employer, slot.id, replace(data, capacity=2, title="Ny"))).ok
    assert (await Slot.get(id=slot.id)).title == "Ny"


async def test_update_moves_visibility(world: World) -> None:
    employer = await world.actor(world.employer_user)
    slot = world.slot_b_only
    data = slots.SlotInput.from_slot(slot, [world.school_b.id])
    outcome = await slots.update_slot(
        employer, slot.id, replace(data, school_ids=[world.school_a.id])
    )
    assert outcome.ok
    assert await slots.visible_school_ids(slot) == [world.school_a.id]
    assert (await slots.update_slot(employer, slot.id, replace(data, visible_to_all=True))).ok
    assert await slots.visible_school_ids(slot) == []


async def test_publish_close_and_republish(world: World) -> None:
    actor = await world.actor(world.employer_user)
    created = (await slots.create_slot(actor, good())).value
    assert created is not None
    assert (await slots.publish_slot(actor, created.id)).value.status == SlotStatus.PUBLISHED  # type: ignore[union-attr]
    assert (await slots.close_slot(actor, created.id)).value.status == SlotStatus.CLOSED  # type: ignore[union-attr]
    assert (await slots.publish_slot(actor, created.id)).value.status == SlotStatus.PUBLISHED  # type: ignore[union-attr]


async def test_publish_refuses_a_slot_that_breaks_the_rules(world: World) -> None:
    """Hours written before the rules (or by an import) are not published as they are."""
    actor = await world.actor(world.employer_user)
    slot = await factories.slot(world.employer, status=SlotStatus.DRAFT, ends_minute=17 * 60)
    outcome = await slots.publish_slot(actor, slot.id)
    assert [(e.code, e.field) for e in outcome.errors] == [
        (ErrorCode.HOURS_NOT_ALLOWED, "day_ends_at")
    ]
    assert (await Slot.get(id=slot.id)).status == SlotStatus.DRAFT


async def test_copy_last_years_slot(world: World) -> None:
    actor = await world.actor(world.employer_user)
    old = await factories.slot(
        world.employer, schools=[world.school_b], start_date=date(2024, 2, 26),
        end_date=date(2024, 2, 29), status=SlotStatus.CLOSED, taken=2, requires_approval=True,
    )  # fmt: skip
    copy = (await slots.copy_slot(actor, old.id)).value
    assert copy is not None
    copy = await Slot.get(id=copy.id)
    assert (copy.start_date, copy.end_date) == (date(2025, 2, 26), date(2025, 2, 28))
    assert (copy.status, copy.taken, copy.copied_from_id) == (SlotStatus.DRAFT, 0, old.id)
    assert (copy.title, copy.tasks, copy.requires_approval) == (old.title, old.tasks, True)
    assert await slots.visible_school_ids(copy) == [world.school_b.id]


async def test_another_employers_slot_does_not_exist(world: World) -> None:
    other = await world.actor(world.other_employer_user)
    slot = world.slot
    data = slots.SlotInput.from_slot(slot, [])
    results = [
        await slots.update_slot(other, slot.id, replace(data, title="Kapad")),
        await slots.publish_slot(other, slot.id),
        await slots.close_slot(other, slot.id),
        await slots.copy_slot(other, slot.id),
    ]
    for outcome in results:
        assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.NOT_FOUND, "slot_id")]
    after = await Slot.get(id=slot.id)
    assert (after.title, after.status) == ("Bagare", SlotStatus.PUBLISHED)
    assert await Slot.filter(copied_from_id=slot.id).count() == 0
