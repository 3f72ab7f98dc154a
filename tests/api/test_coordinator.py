"""The coordinator's GraphQL: periods, placing by hand, reminders and the period overview.

Who may: the school's coordinator, the organiser's admin and the school's or organiser's token;
anyone else is refused with a payload error and nothing changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from prao import clock
from prao.errors import ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    BookingOrigin,
    BookingStatus,
    OutboxMessage,
    Period,
    Slot,
)
from tests import factories
from tests.callers import Caller, gid
from tests.db import column
from tests.factories import World

CREATE = """
mutation($input: CreatePeriodInput!) {
  createPeriod(input: $input) {
    period { id name yearGroup startDate endDate mode maxWishes allocationPolicy school { name } }
    errors { code field message }
  }
}
"""

UPDATE = """
mutation($input: UpdatePeriodInput!) {
  updatePeriod(input: $input) {
    period { id name mode maxWishes allocationPolicy startDate }
    errors { code field message }
  }
}
"""

PLACE = """
mutation($input: PlacePupilInput!) {
  placePupil(input: $input) {
    booking { id status origin slot { id } pupil { id } period { id } }
    errors { code field message }
  }
}
"""

REMIND = """
mutation($input: SendUnplacedRemindersInput!) {
  sendUnplacedReminders(input: $input) { sent errors { code field message } }
}
"""

OVERVIEW = """
query($id: ID!) {
  periodOverview(periodId: $id) {
    period { id }
    placed pending unplaced
    classes { className pupils placed pending unplaced }
    unplacedPupils { id firstName lastName className }
  }
}
"""


def period_input(school_id: int, **changes: Any) -> dict[str, Any]:
    start = clock.today() + timedelta(days=40)
    values = {
        "schoolId": gid("School", school_id),
        "name": "Prao vår 2027",
        "yearGroup": 8,
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=4)).isoformat(),
        "bookingOpensAt": f"{clock.today() + timedelta(days=1)}T08:00:00",
        "bookingClosesAt": f"{start - timedelta(days=7)}T16:00:00",
        "cancelDeadline": f"{start - timedelta(days=3)}T16:00:00",
        "mode": "ALLOCATION",
        "maxWishes": 4,
        "allocationPolicy": "LINEAR",
    }
    return {**values, **changes}


async def state() -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    periods = await Period.all().order_by("id").values_list("id", "name", "max_wishes", "mode")
    slots = await Slot.all().order_by("id").values_list("id", "taken")
    bookings = await Booking.all().order_by("id").values_list("id", "status", "slot_id")
    return periods, slots, bookings, await OutboxMessage.all().count()


async def outsiders(world: World, as_user, as_token, anonymous) -> list[tuple[str, Caller, str]]:
    """Callers refused for school A's things, and the code each gets."""
    return [
        ("coordinator B", await as_user(world.coordinator_b), "NOT_FOUND"),
        ("token of school B", await as_token(world.school_b), "NOT_FOUND"),
        (
            "token of another organiser",
            await as_token(organiser=world.other_organiser),
            "NOT_FOUND",
        ),
        ("pupil", await as_user(world.pupil_a_user), "FORBIDDEN"),
        ("employer", await as_user(world.employer_user), "FORBIDDEN"),
        ("anonymous", anonymous, "FORBIDDEN"),
    ]


# createPeriod


async def test_coordinator_creates_a_period_for_her_school(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    data = await coordinator.data(CREATE, {"input": period_input(world.school_a.id)})
    result = data["createPeriod"]
    assert result["errors"] == []
    period = await Period.get(name="Prao vår 2027")
    assert result["period"] == {
        "id": gid("Period", period.id),
        "name": "Prao vår 2027",
        "yearGroup": 8,
        "startDate": period.start_date.isoformat(),
        "endDate": period.end_date.isoformat(),
        "mode": "ALLOCATION",
        "maxWishes": 4,
        "allocationPolicy": "LINEAR",
        "school": {"name": "Skola A"},
    }
    assert period.school_id == world.school_a.id
    # A time without an offset is Stockholm time.
    assert clock.local(period.booking_opens_at).hour == 8
    assert await AuditEvent.filter(action="create", object_type="period").count() == 1


async def test_admin_and_tokens_create_for_schools_in_their_scope(
    world: World, as_user, as_token
) -> None:
    admin = await as_user(world.admin)
    by_admin = await admin.data(CREATE, {"input": period_input(world.school_b.id, name="Admin")})
    assert by_admin["createPeriod"]["errors"] == []
    school_token = await as_token(world.school_a)
    by_token = await school_token.data(
        CREATE, {"input": period_input(world.school_a.id, name="Token")}
    )
    assert by_token["createPeriod"]["errors"] == []
    organiser_token = await as_token(organiser=world.organiser)
    by_org = await organiser_token.data(
        CREATE, {"input": period_input(world.school_b.id, name="Kommun")}
    )
    assert by_org["createPeriod"]["errors"] == []
    made = await Period.filter(name__in=["Admin", "Token", "Kommun"]).order_by("id")
    assert [(p.name, p.school_id) for p in made] == [
        ("Admin", world.school_b.id),
        ("Token", world.school_a.id),
        ("Kommun", world.school_b.id),
    ]


async def test_create_defaults_to_first_come_with_five_wishes(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    values = period_input(world.school_a.id)
    for key in ("mode", "maxWishes", "allocationPolicy"):
        del values[key]
    data = await coordinator.data(CREATE, {"input": values})
    period = data["createPeriod"]["period"]
    assert (period["mode"], period["maxWishes"], period["allocationPolicy"]) == (
        "FIRST_COME",
        5,
        "CONVEX",
    )


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": "   "}, ["name"]),
        ({"yearGroup": 11}, ["yearGroup"]),
        ({"maxWishes": 0}, ["maxWishes"]),
        ({"endDate": "2020-01-01"}, ["endDate"]),
        ({"bookingOpensAt": "2099-01-01T00:00:00"}, ["bookingClosesAt", "cancelDeadline"]),
        ({"cancelDeadline": "2099-01-01T00:00:00"}, ["cancelDeadline"]),
    ],
)
async def test_create_validation_names_the_fields_and_saves_nothing(
    world: World, as_user, changes: dict[str, Any], fields: list[str]
) -> None:
    coordinator = await as_user(world.coordinator_a)
    before = await state()
    data = await coordinator.data(CREATE, {"input": period_input(world.school_a.id, **changes)})
    result = data["createPeriod"]
    assert result["period"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", f) for f in fields]
    assert all(e["message"] for e in result["errors"])
    assert await state() == before


async def test_create_for_a_school_out_of_scope_is_refused(
    world: World, as_user, as_token, anonymous
) -> None:
    before = await state()
    callers = [
        *await outsiders(world, as_user, as_token, anonymous),
        ("admin of another organiser's school", await as_user(world.admin), "NOT_FOUND"),
    ]
    for label, caller, code in callers:
        school = world.school_x if label.startswith("admin") else world.school_a
        data = await caller.data(CREATE, {"input": period_input(school.id)})
        result = data["createPeriod"]
        assert result["period"] is None, label
        expected = "schoolId" if code == "NOT_FOUND" else None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, expected)], label
    assert await state() == before


async def test_create_with_an_id_that_is_not_a_school(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    for value, code in (("nonsens", "INVALID"), (gid("Period", world.school_a.id), "NOT_FOUND")):
        data = await coordinator.data(CREATE, {"input": {**period_input(1), "schoolId": value}})
        assert [(e["code"], e["field"]) for e in data["createPeriod"]["errors"]] == [
            (code, "schoolId")
        ]
    assert await Period.all().count() == 2


# updatePeriod


async def test_coordinator_updates_only_the_given_fields(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    period_id = gid("Period", world.period_a.id)
    variables = {"input": {"periodId": period_id, "name": "Ny prao", "mode": "ALLOCATION"}}
    data = await coordinator.data(UPDATE, variables)
    result = data["updatePeriod"]
    assert result["errors"] == []
    assert result["period"] == {
        "id": period_id,
        "name": "Ny prao",
        "mode": "ALLOCATION",
        "maxWishes": 5,
        "allocationPolicy": "CONVEX",
        "startDate": world.period_a.start_date.isoformat(),
    }
    saved = await Period.get(id=world.period_a.id)
    assert (saved.name, saved.mode, saved.end_date) == (
        "Ny prao",
        "allocation",
        world.period_a.end_date,
    )


async def test_admin_and_organiser_token_update(world: World, as_user, as_token) -> None:
    for caller, name in (
        (await as_user(world.admin), "Av admin"),
        (await as_token(organiser=world.organiser), "Av kommunen"),
        (await as_token(world.school_b), "Av skolan"),
    ):
        data = await caller.data(
            UPDATE, {"input": {"periodId": gid("Period", world.period_b.id), "name": name}}
        )
        assert data["updatePeriod"]["errors"] == []
        assert (await Period.get(id=world.period_b.id)).name == name


async def test_update_validation_names_the_field_and_saves_nothing(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    before = await state()
    variables = {
        "input": {
            "periodId": gid("Period", world.period_a.id),
            "endDate": (world.period_a.start_date - timedelta(days=1)).isoformat(),
            "maxWishes": 11,
        }
    }
    data = await coordinator.data(UPDATE, variables)
    result = data["updatePeriod"]
    assert result["period"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INVALID", "endDate"),
        ("INVALID", "maxWishes"),
    ]
    assert await state() == before


async def test_update_refused_for_others(world: World, as_user, as_token, anonymous) -> None:
    before = await state()
    for label, caller, code in await outsiders(world, as_user, as_token, anonymous):
        variables = {"input": {"periodId": gid("Period", world.period_a.id), "name": "Kapad"}}
        result = (await caller.data(UPDATE, variables))["updatePeriod"]
        assert result["period"] is None, label
        expected = "periodId" if code == "NOT_FOUND" else None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, expected)], label
    coordinator = await as_user(world.coordinator_a)
    for value, code in (("%%%", "INVALID"), (gid("Slot", world.period_a.id), "NOT_FOUND")):
        result = (await coordinator.data(UPDATE, {"input": {"periodId": value}}))["updatePeriod"]
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, "periodId")]
    assert await state() == before


# placePupil


def place(pupil_id: int, slot_id: int) -> dict[str, Any]:
    return {"input": {"pupilId": gid("Pupil", pupil_id), "slotId": gid("Slot", slot_id)}}


async def test_coordinator_places_and_moves_a_pupil(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    other = await factories.slot(world.employer, title="Kock", capacity=1)
    first = (await coordinator.data(PLACE, place(world.pupil_a.id, world.slot.id)))["placePupil"]
    assert first["errors"] == []
    booking = await Booking.get(pupil_id=world.pupil_a.id)
    assert first["booking"] == {
        "id": gid("Booking", booking.id),
        "status": "CONFIRMED",
        "origin": "STAFF",
        "slot": {"id": gid("Slot", world.slot.id)},
        "pupil": {"id": gid("Pupil", world.pupil_a.id)},
        "period": {"id": gid("Period", world.period_a.id)},
    }
    assert booking.origin == BookingOrigin.STAFF
    moved = (await coordinator.data(PLACE, place(world.pupil_a.id, other.id)))["placePupil"]
    assert moved["errors"] == []
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED
    assert (await Slot.get(id=world.slot.id)).taken == 0
    assert (await Slot.get(id=other.id)).taken == 1
    assert await AuditEvent.filter(object_type="booking", action__in=["place", "move"]).count() == 2


async def test_tokens_and_admin_place_within_their_scope(world: World, as_user, as_token) -> None:
    token = await as_token(world.school_a)
    result = (await token.data(PLACE, place(world.pupil_a.id, world.slot.id)))["placePupil"]
    assert result["errors"] == []
    admin = await as_user(world.admin)
    result = (await admin.data(PLACE, place(world.pupil_b.id, world.slot.id)))["placePupil"]
    assert result["errors"] == []
    assert await Booking.filter(slot_id=world.slot.id, status="confirmed").count() == 2


async def test_place_refusals_change_nothing(world: World, as_user, as_token, anonymous) -> None:
    before = await state()
    for label, caller, code in await outsiders(world, as_user, as_token, anonymous):
        result = (await caller.data(PLACE, place(world.pupil_a.id, world.slot.id)))["placePupil"]
        assert result["booking"] is None, label
        expected = "pupilId" if code == "NOT_FOUND" else None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, expected)], label
    coordinator = await as_user(world.coordinator_a)
    full = await factories.slot(world.employer, capacity=1, taken=1)
    later = await factories.slot(
        world.employer,
        start_date=world.period_a.end_date + timedelta(days=30),
        end_date=world.period_a.end_date + timedelta(days=34),
    )
    before = await state()
    bad_ids = {"input": {"pupilId": "x", "slotId": gid("Slot", world.slot.id)}}
    for variables, code, field in (
        (place(world.pupil_a.id, full.id), "SLOT_FULL", "slotId"),
        (place(world.pupil_a.id, later.id), "DATES_DO_NOT_MATCH", "slotId"),
        (place(world.pupil_a.id, 2_000_000), "NOT_FOUND", "slotId"),
        (place(world.pupil_x.id, world.slot.id), "NOT_FOUND", "pupilId"),
        (bad_ids, "INVALID", "pupilId"),
    ):
        result = (await coordinator.data(PLACE, variables))["placePupil"]
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], code
    assert await state() == before


# sendUnplacedReminders


async def test_reminders_go_to_the_unplaced_with_an_address(world: World, as_user) -> None:
    coordinator = await as_user(world.coordinator_a)
    extra = await factories.pupil(world.school_a, first_name="Ida", email="ida@example.se")
    await coordinator.data(PLACE, place(extra.id, world.slot.id))
    before = await OutboxMessage.filter(kind="unplaced_reminder").count()
    variables = {"input": {"periodId": gid("Period", world.period_a.id)}}
    result = (await coordinator.data(REMIND, variables))["sendUnplacedReminders"]
    # Alva has an address; Hugo has none; Ida is placed.
    assert result == {"sent": 1, "errors": []}
    sent = await column(OutboxMessage.filter(kind="unplaced_reminder"), "to_address")
    assert len(sent) == before + 1 and "alva@example.se" in sent


THROTTLE_CODES = {ErrorCode.TOO_MANY_REQUESTS}


async def test_ten_aliases_remind_each_pupil_once_and_then_say_so(world: World, as_user) -> None:
    await factories.pupil(world.school_a, first_name="Ida", email="ida@example.se")
    coordinator = await as_user(world.coordinator_a)
    period = gid("Period", world.period_a.id)
    fields = " ".join(
        f'r{i}: sendUnplacedReminders(input: {{periodId: "{period}"}}) '
        "{ sent errors { code message } }"
        for i in range(10)
    )
    data = await coordinator.data(f"mutation {{ {fields} }}")
    assert data["r0"] == {"sent": 2, "errors": []}
    for i in range(1, 10):
        assert data[f"r{i}"]["sent"] == 0
        [error] = data[f"r{i}"]["errors"]
        assert error["code"] == "TOO_MANY_REQUESTS"
        assert "redan fått en påminnelse" in error["message"]
    sent = await column(OutboxMessage.filter(kind="unplaced_reminder"), "to_address")
    assert sorted(sent) == ["alva@example.se", "ida@example.se"]
    # A pupil added later is still reminded; the others are not again.
    await factories.pupil(world.school_a, first_name="Ola", email="ola@example.se")
    again = await coordinator.data(REMIND, {"input": {"periodId": period}})
    assert again["sendUnplacedReminders"] == {"sent": 1, "errors": []}
    assert await OutboxMessage.filter(kind="unplaced_reminder").count() == 3


async def test_reminders_refused_for_others(world: World, as_user, as_token, anonymous) -> None:
    before = await state()
    variables = {"input": {"periodId": gid("Period", world.period_a.id)}}
    for label, caller, code in await outsiders(world, as_user, as_token, anonymous):
        result = (await caller.data(REMIND, variables))["sendUnplacedReminders"]
        assert result["sent"] == 0, label
        assert [e["code"] for e in result["errors"]] == [code], label
    assert await state() == before


# periodOverview


async def test_overview_counts_classes_and_lists_the_unplaced(world: World, as_user) -> None:
    approval = await factories.slot(world.employer, requires_approval=True)
    await factories.pupil(
        world.school_a,
        first_name="Sara",
        last_name="Skyddad",
        class_name="8B",
        security_marking=True,
    )
    await factories.pupil(world.school_a, year_group=9, first_name="Nia")  # another year group
    coordinator = await as_user(world.coordinator_a)
    assert (await coordinator.data(PLACE, place(world.pupil_a.id, world.slot.id)))["placePupil"][
        "errors"
    ] == []
    assert (await coordinator.data(PLACE, place(world.pupil_a2.id, approval.id)))["placePupil"][
        "errors"
    ] == []
    audited = await AuditEvent.filter(action="read").count()
    data = await coordinator.data(OVERVIEW, {"id": gid("Period", world.period_a.id)})
    overview = data["periodOverview"]
    assert (overview["placed"], overview["pending"], overview["unplaced"]) == (1, 1, 1)
    assert overview["classes"] == [
        {"className": "8A", "pupils": 2, "placed": 1, "pending": 1, "unplaced": 0},
        {"className": "8B", "pupils": 1, "placed": 0, "pending": 0, "unplaced": 1},
    ]
    # The coordinator places protected pupils, so she sees them in full (exports leave them out).
    assert [(p["firstName"], p["lastName"]) for p in overview["unplacedPupils"]] == [
        ("Sara", "Skyddad")
    ]
    assert await AuditEvent.filter(action="read").count() == audited + 1
    event = await AuditEvent.filter(action="read").order_by("-id").first()
    assert event is not None and event.detail["view"] == "period-overview"


async def test_overview_is_null_outside_the_scope(
    world: World, as_user, as_token, anonymous
) -> None:
    reads = await AuditEvent.filter(action="read").count()
    for label, caller, _ in await outsiders(world, as_user, as_token, anonymous):
        data = await caller.data(OVERVIEW, {"id": gid("Period", world.period_a.id)})
        assert data["periodOverview"] is None, label
    assert await AuditEvent.filter(action="read").count() == reads
    admin = await as_user(world.admin)
    seen = (await admin.data(OVERVIEW, {"id": gid("Period", world.period_a.id)}))["periodOverview"]
    assert seen["unplaced"] == 2
    token = await as_token(world.school_a)
    seen = (await token.data(OVERVIEW, {"id": gid("Period", world.period_a.id)}))["periodOverview"]
    assert [p["firstName"] for p in seen["unplacedPupils"]] == ["Alva", "Hugo"]
