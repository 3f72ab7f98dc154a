"""Placing and moving pupils by hand, the period overview, reminders and exports."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from prao.errors import ErrorCode
from prao.models import AuditEvent, Booking, BookingStatus, OutboxMessage, Slot
from prao.services.booking import book_slot
from prao.services.exports import placements, to_csv, to_xlsx
from prao.services.period_overview import period_overview
from prao.services.placement import place_pupil, remind_unplaced
from tests import factories
from tests.factories import World


async def state() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    slots = await Slot.all().order_by("id").values_list("id", "taken")
    bookings = await Booking.all().order_by("id").values_list("id", "status", "slot_id")
    return slots, bookings, await OutboxMessage.all().count()


async def test_coordinator_places_and_moves_a_pupil(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    other = await factories.slot(world.employer, title="Kock", capacity=1)
    placed = await place_pupil(actor, world.period_a.id, world.pupil_a.id, world.slot.id)
    assert placed.ok and placed.value is not None, placed.errors
    assert placed.value.status == BookingStatus.CONFIRMED and placed.value.origin == "staff"
    assert (await Slot.get(id=world.slot.id)).taken == 1
    moved = await place_pupil(actor, world.period_a.id, world.pupil_a.id, other.id)
    assert moved.ok, moved.errors
    assert (await Booking.get(id=placed.value.id)).status == BookingStatus.CANCELLED
    assert (await Slot.get(id=world.slot.id)).taken == 0
    assert (await Slot.get(id=other.id)).taken == 1
    assert await AuditEvent.filter(action="move", object_type="booking").count() == 1


async def test_moving_to_a_full_slot_keeps_the_old_placement(world: World) -> None:
    actor = await world.actor(world.coordinator_a)
    full = await factories.slot(world.employer, title="Full", capacity=1)
    assert (await place_pupil(actor, world.period_a.id, world.pupil_a2.id, full.id)).ok
    assert (await place_pupil(actor, world.period_a.id, world.pupil_a.id, world.slot.id)).ok
    before = await state()
    refused = await place_pupil(actor, world.period_a.id, world.pupil_a.id, full.id)
    assert [e.code for e in refused.errors] == [ErrorCode.SLOT_FULL]
    assert await state() == before


async def test_full_in_the_database_rolls_the_move_back(world: World) -> None:
    """The conditional UPDATE is what guards capacity: a stale read is not enough to overbook."""
    actor = await world.actor(world.coordinator_a)
    target = await factories.slot(world.employer, title="Sista platsen", capacity=1)
    assert (await place_pupil(actor, world.period_a.id, world.pupil_a.id, world.slot.id)).ok
    # Another school takes the last place between our read and our write:
    await Slot.filter(id=target.id).update(taken=1)
    before = await state()
    refused = await place_pupil(actor, world.period_a.id, world.pupil_a.id, target.id)
    assert refused.errors[0].code == ErrorCode.SLOT_FULL
    assert await state() == before


async def test_scope_other_school_and_rules(world: World) -> None:
    coord_b = await world.actor(world.coordinator_b)
    adult = await factories.slot(world.employer, min_age=18)
    before = await state()
    other_school = await place_pupil(coord_b, world.period_a.id, world.pupil_a.id, world.slot.id)
    assert [e.code for e in other_school.errors] == [ErrorCode.NOT_FOUND]
    wrong_pupil = await place_pupil(coord_b, world.period_b.id, world.pupil_a.id, world.slot.id)
    assert [e.code for e in wrong_pupil.errors] == [ErrorCode.NOT_FOUND]
    coord_a = await world.actor(world.coordinator_a)
    not_listed = await place_pupil(
        coord_a, world.period_a.id, world.pupil_a.id, world.slot_b_only.id
    )
    assert not_listed.errors[0].code in (ErrorCode.NOT_FOUND, ErrorCode.NOT_VISIBLE)
    too_young = await place_pupil(coord_a, world.period_a.id, world.pupil_a.id, adult.id)
    assert [e.code for e in too_young.errors] == [ErrorCode.TOO_YOUNG]
    pupil = await world.actor(world.pupil_a_user)
    as_pupil = await place_pupil(pupil, world.period_a.id, world.pupil_a.id, world.slot.id)
    assert [e.code for e in as_pupil.errors] == [ErrorCode.FORBIDDEN]
    assert await state() == before


async def test_overview_counts_unplaced_first_and_is_audited(world: World) -> None:
    carl = await factories.pupil(world.school_a, first_name="Carl", class_name="8B")
    approve = await factories.slot(world.employer, requires_approval=True)
    assert (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).ok
    coord = await world.actor(world.coordinator_a)
    assert (await place_pupil(coord, world.period_a.id, carl.id, approve.id)).ok
    overview = (await period_overview(coord, world.period_a.id)).value
    assert overview is not None
    assert (overview.count("placed"), overview.count("pending"), overview.count("unplaced")) == (
        1,
        1,
        1,
    )
    assert overview.lines[0].pupil.id == world.pupil_a2.id
    assert [
        (c.class_name, c.pupils, c.placed, c.pending, c.unplaced) for c in overview.classes
    ] == [
        ("8A", 2, 1, 0, 1),
        ("8B", 1, 0, 1, 0),
    ]
    event = await AuditEvent.filter(action="read", object_type="pupil").order_by("-id").first()
    assert event is not None
    assert event.object_count == 3 and event.detail["view"] == "period-overview"
    refused = await period_overview(await world.actor(world.coordinator_b), world.period_a.id)
    assert refused.errors[0].code == ErrorCode.NOT_FOUND


async def test_reminders_go_to_unplaced_pupils_with_an_address(world: World) -> None:
    coord = await world.actor(world.coordinator_a)
    await factories.pupil(world.school_a, first_name="Utan", email=None)  # no address: skipped
    placed = await factories.pupil(world.school_a, email="placerad@example.se")
    assert (await place_pupil(coord, world.period_a.id, placed.id, world.slot.id)).ok
    before = await OutboxMessage.filter(kind="unplaced_reminder").count()
    sent = await remind_unplaced(coord, world.period_a.id)
    assert sent.ok and sent.value == 1  # Alva only (Hugo has no address, the third is placed)
    message = await OutboxMessage.get(kind="unplaced_reminder")
    assert message.to_address == "alva@example.se" and world.period_a.name in message.subject
    assert before == 0
    refused = await remind_unplaced(await world.actor(world.coordinator_b), world.period_a.id)
    assert refused.errors[0].code == ErrorCode.NOT_FOUND
    assert await OutboxMessage.filter(kind="unplaced_reminder").count() == 1


async def test_exports_leave_out_protected_pupils(world: World) -> None:
    coord = await world.actor(world.coordinator_a)
    secret = await factories.pupil(
        world.school_a, first_name="Hemlig", last_name="Person", security_marking=True
    )
    formula = await factories.pupil(world.school_a, first_name="=SUM(A1)", class_name="8B")
    assert (await place_pupil(coord, world.period_a.id, world.pupil_a.id, world.slot.id)).ok
    assert (await place_pupil(coord, world.period_a.id, secret.id, world.slot.id)).ok
    export = (await placements(coord, world.period_a.id)).value
    assert export is not None
    assert export.left_out == 1 and "1 elever med skyddad identitet" in export.note
    text = to_csv(export).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Elev-ID", "Förnamn", "Efternamn", "Klass"]
    names = [r[1] for r in rows[1:] if len(r) > 1]
    assert "Alva" in names and "Hugo" in names and "'=SUM(A1)" in names
    assert "Hemlig" not in text and "Person" not in text
    alva = next(r for r in rows if len(r) > 1 and r[1] == "Alva")
    assert alva[5] == "Bagare" and alva[10] == "Bekräftad"
    assert rows[-1][0] == export.note

    sheet = load_workbook(io.BytesIO(to_xlsx(export))).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Elev-ID"
    assert any(r[1] == "Alva" and r[5] == "Bagare" for r in values[1:] if r[1])
    assert all("Hemlig" not in str(v) for r in values for v in r)
    assert values[-1][0] == export.note

    one_class = (await placements(coord, world.period_a.id, "8B")).value
    assert one_class is not None
    assert [r[1] for r in one_class.rows] == ["'=SUM(A1)"] and one_class.left_out == 0
    assert formula.class_name == "8B"
    assert await AuditEvent.filter(action="export").count() == 2
    refused = await placements(await world.actor(world.coordinator_b), world.period_a.id)
    assert refused.errors[0].code == ErrorCode.NOT_FOUND
