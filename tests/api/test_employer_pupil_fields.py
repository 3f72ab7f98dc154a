"""Every GraphQL field an employer can reach from a booking's pupil, walked from the schema
itself, so a field added later is checked without anyone remembering to add it here."""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    GraphQLNamedType,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)

from api.schema import schema
from prao.models import AuditEvent, Booking, Pupil, School
from prao.services.booking import book_slot
from tests.callers import gid
from tests.factories import World

# What an employer may see of a booked pupil (DESIGN.md §7), as dotted response paths; whether
# she is erased (a tombstone) every reader is told.
ORDINARY = {"id", "firstName", "erased", "yearGroup", "school.id", "school.name"}
PROTECTED = {"id", "firstName", "erased"}


def selection(type_: GraphQLNamedType, path: tuple[str, ...] = ()) -> str:
    """Every field of the type without required arguments, objects followed (not into a type
    already on the path), as a selection set."""
    assert isinstance(type_, GraphQLObjectType)
    parts = []
    for name, field in type_.fields.items():
        if any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif is_object_type(named) and named.name not in path:
            parts.append(f"{name} {selection(named, (*path, type_.name))}")
    return "{ " + " ".join(parts) + " }"


def answered(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of the leaves that have a value."""
    if isinstance(value, dict):
        found: set[str] = set()
        for key, inner in value.items():
            found |= answered(inner, f"{prefix}{key}.")
        return found
    if isinstance(value, list):
        return set().union(*(answered(v, prefix) for v in value)) if value else set()
    return set() if value is None else {prefix.rstrip(".")}


def graphql_type(name: str) -> GraphQLNamedType:
    found = schema._schema.type_map[name]
    assert found is not None
    return found


PUPIL = selection(graphql_type("Pupil"), ("Booking",))
BOOKINGS = f"{{ bookings {{ nodes {{ id pupil {PUPIL} }} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Booking {{ pupil {PUPIL} }} }} }}"


def test_the_walk_covers_the_fields_that_must_stay_hidden() -> None:
    for name in ("lastName", "className", "email", "externalId", "yearGroup", "school"):
        assert f" {name}" in PUPIL, name


async def booked(world: World, pupil: Pupil) -> Booking:
    outcome = await book_slot(await world.actor(world.coordinator_a), world.slot.id, pupil.id)
    assert outcome.value is not None
    return outcome.value


async def employer_pupils(world: World, as_user) -> dict[str, set[str]]:
    employer = await as_user(world.employer_user)
    nodes = (await employer.data(BOOKINGS))["bookings"]["nodes"]
    return {n["pupil"]["firstName"]: answered(n["pupil"]) for n in nodes}


async def test_employer_sees_an_ordinary_pupils_first_name_school_and_year_group(
    world: World, as_user
) -> None:
    await booked(world, world.pupil_a)
    assert await employer_pupils(world, as_user) == {"Alva": ORDINARY}


async def test_employer_sees_a_protected_pupils_first_name_only(world: World, as_user) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    booking = await booked(world, world.pupil_a)
    await booked(world, world.pupil_a2)
    assert await employer_pupils(world, as_user) == {"Alva": PROTECTED, "Hugo": ORDINARY}
    employer = await as_user(world.employer_user)
    node = (await employer.data(NODE, {"id": gid("Booking", booking.id)}))["node"]
    assert answered(node["pupil"]) == PROTECTED


async def test_nothing_reachable_from_a_protected_pupils_booking_names_her_school(
    world: World, as_user
) -> None:
    """The whole booking, every field: the period (school, year group) is not the employer's."""
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    await booked(world, world.pupil_a)
    everything = selection(graphql_type("Booking"))
    employer = await as_user(world.employer_user)
    data = await employer.data(f"{{ bookings {{ nodes {everything} }} }}")
    (node,) = data["bookings"]["nodes"]
    assert node["period"] is None
    text = json.dumps(data, ensure_ascii=False)
    assert "Skola A" not in text and "syv@skola-a.se" not in text
    assert "Andersson" not in text and "alva@example.se" not in text


async def test_staff_still_see_the_whole_pupil(world: World, as_token) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    await booked(world, world.pupil_a)
    api = await as_token(world.school_a)
    (node,) = (await api.data(BOOKINGS))["bookings"]["nodes"]
    assert {"lastName", "className", "email", "externalId", "yearGroup", "school.name"} <= (
        answered(node["pupil"])
    )


async def test_employer_graphql_reads_are_audited_once_per_list(world: World, as_user) -> None:
    await booked(world, world.pupil_a)
    await booked(world, world.pupil_a2)
    employer = await as_user(world.employer_user)  # signing in opens her start page: a read
    before = await AuditEvent.filter(action="read", object_type="pupil").count()
    await employer.data(BOOKINGS)
    events = (
        await AuditEvent.filter(action="read", object_type="pupil").order_by("id").offset(before)
    )
    assert [(e.actor, e.object_count, e.detail["view"]) for e in events] == [
        (f"user:{world.employer_user.id}", 2, "graphql")
    ]
