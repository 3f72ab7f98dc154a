"""Pages answered straight from their rows (api.row_pages) answer exactly what the ordinary
execution answers, for many selections, callers and windows: nulls, enums, dates, ids, cursors,
pageInfo, what each caller may see of a pupil, and the audit of the pupils read."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
import strawberry
from starlette.requests import Request
from starlette.responses import Response

from api.context import Context, FastPathCount
from api.dataloaders import Loaders
from api.execution import FastPathSchema
from api.schema import Mutation, RootQuery
from api.schema import schema as app_schema
from prao import clock, policy, sync
from prao.actor import Actor
from prao.auth import actor_for_bearer, create_api_token
from prao.models import AuditEvent, Pupil, Slot, SlotStatus
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.factories import World

PLAIN = strawberry.Schema(query=RootQuery, mutation=Mutation)
FAST = FastPathSchema(query=RootQuery, mutation=Mutation)

SLOT = [
    "id",
    "title",
    "description",
    "tasks",
    "address",
    "city",
    "trade",
    "startDate",
    "endDate",
    "dayStartsAt",
    "dayEndsAt",
    "capacity",
    "placesLeft",
    "minAge",
    "status",
    "requiresApproval",
    "updatedAt",
    "__typename",
]
EMPLOYER = ["id", "name", "city", "address", "status", "__typename"]
BOOKING = ["id", "status", "origin", "reason", "createdAt", "updatedAt", "__typename"]
PUPIL = [
    "id",
    "firstName",
    "lastName",
    "yearGroup",
    "className",
    "email",
    "externalId",
    "updatedAt",
    "__typename",
]
SCHOOL = ["id", "name", "__typename"]


def _context(actor: Actor) -> Context:
    request = Request({"type": "http", "method": "POST", "headers": [], "query_string": b""})
    return Context(request=request, response=Response(), actor=actor, loaders=Loaders(actor))


def _pick(rng: random.Random, names: list[str]) -> str:
    """Some of the fields, some under an alias, some in an inline fragment."""
    chosen = rng.sample(names, rng.randint(1, len(names)))
    parts = []
    for name in chosen:
        if rng.random() < 0.2:
            parts.append(f"a_{name.strip('_')}: {name}")
        else:
            parts.append(name)
    if len(parts) > 2 and rng.random() < 0.3:
        return " ".join(parts[:-2]) + " ... { " + " ".join(parts[-2:]) + " }"
    return " ".join(parts)


def _slot_selection(rng: random.Random) -> str:
    fields = _pick(rng, SLOT)
    if rng.random() < 0.6:
        fields += " employer { " + _pick(rng, EMPLOYER) + " }"
    return fields


def _booking_selection(rng: random.Random) -> str:
    fields = _pick(rng, BOOKING)
    if rng.random() < 0.7:
        pupil = _pick(rng, PUPIL)
        if rng.random() < 0.5:
            pupil += " school { " + _pick(rng, SCHOOL) + " }"
        fields += " pupil { " + pupil + " }"
    if rng.random() < 0.6:
        fields += " slot { " + _slot_selection(rng) + " }"
    return fields


def _connection(rng: random.Random, items: str, sync: bool) -> str:
    parts = []
    if rng.random() < 0.8:
        parts.append("nodes { " + items + " }")
    if rng.random() < 0.4 or not parts:
        parts.append("edges { cursor node { " + items + " } __typename }")
    if rng.random() < 0.8:
        parts.append("pageInfo { " + _pick(rng, PAGE_INFO) + " }")
    if sync and rng.random() < 0.8:
        parts.append("syncedUntil")
    if rng.random() < 0.2:
        parts.append("__typename")
    return " ".join(parts)


PAGE_INFO = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]
ARGS = "$first: Int, $after: String, $last: Int, $before: String, $since: DateTime"
WINDOW = "first: $first, after: $after, last: $last, before: $before, updatedSince: $since"


def _queries(seed: int, count: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    found = []
    for i in range(count):
        field = "slots" if i % 2 else "bookings"
        items = _slot_selection(rng) if field == "slots" else _booking_selection(rng)
        sync = rng.random() < 0.4
        body = _connection(rng, items, sync)
        found.append((field, f"query Q({ARGS}) {{ {field}({WINDOW}) {{ {body} }} }}"))
    return found


async def _audit() -> list[tuple[Any, ...]]:
    events = await AuditEvent.all().order_by("id")
    return [(e.actor, e.action, e.object_type, e.object_count, e.detail) for e in events]


async def _both(
    query: str, variables: dict[str, Any], actor: Actor, schema: strawberry.Schema = FAST
) -> tuple[Any, Any, FastPathCount]:
    """Each answer (data and errors, as a client parses them), and what the fast way did;
    each way must write the same audit events."""
    before = await _audit()
    expected = await PLAIN.execute(query, variables, _context(actor))
    plain_events = (await _audit())[len(before) :]
    context = _context(actor)
    got = await schema.execute(query, variables, context)
    fast_events = (await _audit())[len(before) + len(plain_events) :]
    assert fast_events == plain_events, query

    def parsed(result: Any) -> Any:
        errors = [(e.message, e.path) for e in result.errors or []]
        return json.loads(json.dumps({"data": result.data, "errors": errors}))

    return parsed(expected), parsed(got), context.fast_path


async def _bookings(world: World) -> None:
    """Bookings of pupils with and without protected identity, e-mail and external id, some
    cancelled; a slot of another school's; a draft and a closed slot; a full slot."""
    staff = await world.actor(world.admin)
    slots = [world.slot, world.slot_b_only]
    for status in (SlotStatus.PUBLISHED, SlotStatus.CLOSED):
        slots.append(await factories.slot(world.employer, capacity=4, status=status))
    slots.append(await factories.slot(world.employer, capacity=4, requires_approval=True))
    slots.append(await factories.slot(world.other_employer, capacity=2))
    pupils = [world.pupil_a, world.pupil_a2, world.pupil_b]
    pupils.append(await factories.pupil(world.school_a, security_marking=True, email="s@x.se"))
    pupils.append(await factories.pupil(world.school_b, external_id=None, class_name=""))
    pupils.append(await factories.pupil(world.school_b, security_marking=True))
    booked = []
    for i, p in enumerate(pupils):
        for s in slots[i % 3 :: 2][:1]:
            if s.status is not SlotStatus.PUBLISHED:
                continue
            result = await book_slot(staff, s.id, p.id)
            if result.value is not None:
                booked.append(result.value.id)
    assert len(booked) >= 4
    assert (await cancel_booking(staff, booked[0], "")).ok
    await Slot.filter(id=slots[-2].id).update(capacity=2, taken=2)  # full: no place left
    await Pupil.filter(id=world.pupil_a2.id).update(email=None)
    await factories.slot(world.employer, status=SlotStatus.DRAFT)


async def _actors(world: World) -> list[Actor]:
    tokens = []
    for kw in ({"organiser": world.organiser}, {"school": world.school_a}):
        _, raw = await create_api_token("t", **kw)
        found = await actor_for_bearer(raw)
        assert found is not None
        tokens.append(found)
    users = [
        world.admin,
        world.coordinator_a,
        world.coordinator_b,
        world.employer_user,
        world.pupil_a_user,
        world.other_employer_user,
    ]
    return tokens + [await world.actor(u) for u in users]


@pytest.fixture
async def booked(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    await _bookings(world)
    # A horizon that does not move while the two ways answer, and lies after every change.
    horizon = clock.local(clock.now() + timedelta(hours=1))

    async def fixed() -> datetime:
        return horizon

    monkeypatch.setattr(sync, "horizon", fixed)
    return world


async def test_pages_from_rows_answer_like_the_ordinary_way(booked: World) -> None:
    actors = await _actors(booked)
    since = clock.now().replace(year=2000).isoformat()
    answered = 0
    for i, (field, query) in enumerate(_queries(seed=8, count=60)):
        actor = actors[i % len(actors)]
        for window in ({"first": 3}, {"first": 100}, {"last": 2}, {}):
            variables: dict[str, Any] = {**window, "since": since if i % 3 == 0 else None}
            expected, got, count = await _both(query, variables, actor)
            assert got == expected, (query, variables)
            assert not expected["errors"], expected
            assert count.pages == 1 and count.fallbacks == 0, query
            answered += len(expected["data"][field].get("nodes") or [])
            # The next and the previous page from the cursors the first answered.
            info = expected["data"][field].get("pageInfo") or {}
            for key, cursor in (("after", "endCursor"), ("before", "startCursor")):
                if info.get(cursor):
                    paged = {**variables, key: info[cursor]}
                    expected, got, count = await _both(query, paged, actor)
                    assert got == expected, (query, paged)
                    assert count.pages == 1, query
    assert answered > 100  # the pages were not all empty


async def test_every_field_of_a_page_in_one_query(booked: World) -> None:
    every_slot = " ".join(SLOT) + " employer { " + " ".join(EMPLOYER) + " }"
    pupil = " ".join(PUPIL) + " school { " + " ".join(SCHOOL) + " }"
    every_booking = " ".join(BOOKING) + " pupil { " + pupil + " } slot { " + every_slot + " }"
    info = "pageInfo { " + " ".join(PAGE_INFO) + " } syncedUntil __typename"
    for actor in await _actors(booked):
        for field, items in (("slots", every_slot), ("bookings", every_booking)):
            body = f"nodes {{ {items} }} edges {{ cursor node {{ {items} }} }} {info}"
            query = f"query Q({ARGS}) {{ {field}({WINDOW}) {{ {body} }} }}"
            for since in (None, "2001-01-01T00:00:00+00:00"):
                expected, got, count = await _both(query, {"first": 100, "since": since}, actor)
                assert got == expected
                assert count == FastPathCount(pages=1, completes=True)


async def test_a_protected_pupil_shows_only_her_first_name_to_her_employer(
    booked: World,
) -> None:
    employer = await booked.actor(booked.employer_user)
    query = """{ bookings(first: 100) { nodes { pupil { firstName lastName yearGroup
                 className email externalId school { name } } } } }"""
    expected, got, count = await _both(query, {}, employer)
    assert got == expected and count.pages == 1
    shown = [node["pupil"] for node in got["data"]["bookings"]["nodes"]]
    protected = {p.first_name for p in await Pupil.filter(security_marking=True)}
    hidden = {"lastName": None, "className": None, "email": None, "externalId": None}
    assert any(p["firstName"] in protected for p in shown)
    for p in shown:
        assert {k: p[k] for k in hidden} == hidden
        if p["firstName"] in protected:
            assert p["yearGroup"] is None and p["school"] is None
        else:
            assert p["yearGroup"] == 8 and p["school"] is not None


async def test_the_pupils_of_a_page_are_audited_once(booked: World) -> None:
    staff = await booked.actor(booked.admin)
    before = len(await _audit())
    query = "{ bookings(first: 100) { nodes { id pupil { id } } } }"
    context = _context(staff)
    result = await FAST.execute(query, None, context)
    assert result.errors is None and context.fast_path.pages == 1
    events = (await _audit())[before:]
    pupils = {n["pupil"]["id"] for n in result.data["bookings"]["nodes"]}  # type: ignore[index]
    assert [(e[1], e[2], e[3]) for e in events] == [("read", "pupil", len(pupils))]
    # Without pupils nothing is read of them, and nothing audited.
    query = "{ bookings(first: 100) { nodes { id slot { title } } } }"
    assert (await FAST.execute(query, None, _context(staff))).errors is None
    assert len(await _audit()) == before + 1


@pytest.mark.parametrize(
    "query",
    [
        "{ slots(first: 5) { totalCount nodes { id } } }",
        "{ bookings(first: 5) { nodes { id period { name } } } }",
        "{ slots(first: 5) { nodes { id ... @defer { title } } } }",
    ],
)
async def test_what_a_page_from_rows_does_not_cover_is_answered_the_ordinary_way(
    booked: World, query: str
) -> None:
    for actor in await _actors(booked):
        expected, got, count = await _both(query, {}, actor)
        assert got == expected
        assert count.pages == 0


async def test_bad_windows_are_refused_alike(booked: World) -> None:
    staff = await booked.actor(booked.admin)
    query = f"query Q({ARGS}) {{ slots({WINDOW}) {{ nodes {{ id }} }} }}"
    for variables in ({"after": "nonsense"}, {"first": 101}, {"first": 1, "last": 1}):
        expected, got, count = await _both(query, variables, staff)
        assert got == expected and expected["errors"]
        assert count.pages == 0


async def test_the_app_schema_answers_pages_from_rows(booked: World) -> None:
    staff = await booked.actor(booked.admin)
    query = "{ slots(first: 2) { nodes { id title employer { name } } } }"
    expected, got, count = await _both(query, {}, staff, schema=app_schema)
    assert got == expected and count.pages == 1


async def test_pupils_a_page_showed_are_not_read_or_audited_again(booked: World) -> None:
    staff = await booked.actor(booked.admin)
    loaders = Loaders(staff)
    view = policy.see(staff, booked.pupil_a)
    loaders.pupils_seen({booked.pupil_a.id: lambda: view})
    before = len(await _audit())
    shown = await loaders.pupil.load(booked.pupil_a.id)
    assert (shown.id, shown.first_name, shown.email) == (view.id, view.first_name, view.email)
    assert len(await _audit()) == before
    # Pupils not shown by the page are read, and audited, as before.
    other = await loaders.pupil.load(booked.pupil_b.id)
    assert other.first_name == booked.pupil_b.first_name
    assert len(await _audit()) == before + 1


async def test_skip_and_include_are_read_per_request(booked: World) -> None:
    staff = await booked.actor(booked.admin)
    query = """query Q($with: Boolean = true) { slots(first: 10) { nodes { id
                 employer @include(if: $with) { name } title @skip(if: $with) } } }"""
    for flag in (True, False, True, None, False):
        expected, got, count = await _both(query, {"with": flag}, staff)
        assert got == expected, flag
        nodes = expected["data"] and expected["data"]["slots"]["nodes"]
        if flag is None:  # refused alike: @include's condition may not be null
            assert expected["errors"] and count.pages == 0
        else:
            assert nodes and ("employer" in nodes[0]) is flag and ("title" in nodes[0]) is not flag
            assert count.pages == 1
