"""The one rule for what each reader may see of a pupil, and the audit of the read."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import pytest

from prao import policy
from prao.actor import Actor
from prao.models import AuditEvent, Booking, BookingStatus, Pupil, Role, School
from prao.pupil_view import PupilView, Reader, reader_of, view_as
from prao.services import exports
from prao.services.booking import book_slot
from tests import factories
from tests.factories import World

EVERYTHING = {f.name for f in fields(PupilView)} - {"erased"}
EMPLOYER_SEES = {"id", "first_name", "year_group", "school_id", "school_name", "school_email"}


@pytest.fixture(autouse=True)
async def school_contact(world: World) -> None:
    await School.filter(id=world.school_a.id).update(contact_email="syv@a.se")


def shown(view: PupilView) -> set[str]:
    """The fields the view fills; `erased` (a tombstone's flag, nothing personal) every reader
    is told."""
    return {name for name, value in asdict(view).items() if value is not None and name != "erased"}


async def protected_pupil(world: World, **kw: Any) -> Pupil:
    return await factories.pupil(
        world.school_a,
        first_name="Sara",
        last_name="Hemlig",
        email="sara@example.se",
        security_marking=True,
        **kw,
    )


async def with_school(pupil: Pupil) -> Pupil:
    return await Pupil.get(id=pupil.id).select_related("school")


async def employer_actor(world: World) -> Actor:
    return await world.actor(world.employer_user)


async def test_employer_sees_first_name_school_and_year_group_only(world: World) -> None:
    view = policy.see(await employer_actor(world), await with_school(world.pupil_a))
    assert shown(view) == EMPLOYER_SEES
    assert (view.first_name, view.school_name, view.year_group) == ("Alva", "Skola A", 8)
    assert view.school_email == "syv@a.se"
    assert view.last_name is None and view.email is None and view.class_name is None
    assert view.external_id is None and view.protected is None and view.name == "Alva"


async def test_employer_sees_a_protected_pupil_by_first_name_only(world: World) -> None:
    sara = await with_school(await protected_pupil(world))
    view = policy.see(await employer_actor(world), sara)
    assert shown(view) == {"id", "first_name"}
    assert policy.workplace_view(sara) == view  # a message to a workplace: the same rule


async def test_staff_of_her_school_and_organiser_see_everything(world: World) -> None:
    sara = await with_school(await protected_pupil(world))
    for user in (world.coordinator_a, world.admin):
        view = policy.see(await world.actor(user), sara)
        assert shown(view) == EVERYTHING, user.role
        assert view.protected is True and view.name == "Sara Hemlig"
    token = Actor(kind="token", id=1, school_id=world.school_a.id, organiser_id=world.organiser.id)
    assert shown(policy.see(token, sara)) == EVERYTHING


async def test_staff_of_another_school_or_organiser_see_a_first_name_only(world: World) -> None:
    alva = await with_school(world.pupil_a)
    assert reader_of(await world.actor(world.coordinator_b), alva) is Reader.OTHER
    stranger = Actor(kind="user", id=99, role=Role.ADMIN, organiser_id=world.other_organiser.id)
    assert shown(policy.see(stranger, alva)) == {"id", "first_name"}


async def test_a_pupil_sees_herself_and_no_classmate(world: World) -> None:
    me = await world.actor(world.pupil_a_user)
    assert shown(policy.see(me, await with_school(world.pupil_a))) == EVERYTHING
    assert shown(policy.see(me, await with_school(world.pupil_a2))) == {"id", "first_name"}


async def test_anonymous_and_guardian_readers(world: World) -> None:
    sara = await with_school(await protected_pupil(world))
    assert shown(policy.see(Actor(kind="anonymous"), sara)) == {"id", "first_name"}
    # A guardian's message names her child in full; only workplaces are held to the first name.
    assert view_as(Reader.GUARDIAN, sara).name == "Sara Hemlig"


async def test_a_list_is_one_audit_event_with_the_count(world: World) -> None:
    pupils = await Pupil.filter(school_id=world.school_a.id).select_related("school")
    views = await policy.pupil_views(
        await world.actor(world.coordinator_a), pupils, purpose="test-list"
    )
    assert [v.id for v in views] == [p.id for p in pupils]
    events = await AuditEvent.filter(action="read", object_type="pupil")
    assert [(e.object_count, e.detail["view"]) for e in events] == [(len(pupils), "test-list")]


async def test_employer_reads_are_audited_and_the_pupil_herself_is_not(world: World) -> None:
    alva = await with_school(world.pupil_a)
    await policy.pupil_view(await employer_actor(world), alva, purpose="test-one")
    await policy.pupil_view(await world.actor(world.pupil_a_user), alva, purpose="test-self")
    events = await AuditEvent.filter(action="read", object_type="pupil")
    assert [(e.actor, e.detail["view"]) for e in events] == [
        (f"user:{world.employer_user.id}", "test-one")
    ]


@pytest.mark.parametrize("class_name", [None, "8A"])
async def test_exports_leave_out_protected_pupils(world: World, class_name: str | None) -> None:
    sara = await protected_pupil(world, class_name="8A")
    coordinator = await world.actor(world.coordinator_a)
    placed = await book_slot(coordinator, world.slot.id, sara.id)
    assert placed.value is not None
    assert await Booking.filter(pupil_id=sara.id, status=BookingStatus.CONFIRMED).exists()
    outcome = await exports.placements(coordinator, world.period_a.id, class_name)
    assert outcome.value is not None
    export = outcome.value
    everything = " ".join(" ".join(row) for row in export.rows)
    assert "Sara" not in everything and "Hemlig" not in everything
    assert "Alva" in everything and export.left_out == 1
    event = await AuditEvent.get(action="export", object_type="pupil")
    assert event.object_count == len(export.rows) == 2


async def test_export_views_skip_protected_pupils(world: World) -> None:
    sara = await protected_pupil(world)
    staff = await world.actor(world.coordinator_a)
    shown_views, left_out = await policy.export_views(staff, [world.pupil_a, sara])
    assert [v.first_name for v in shown_views] == ["Alva"] and left_out == 1
