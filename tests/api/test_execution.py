"""The list fast path answers exactly what graphql-core's own execution answers, and it ran:
each comparison counts the lists it completed."""

from __future__ import annotations

import dataclasses
from enum import Enum
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from graphql import GraphQLResolveInfo
from starlette.requests import Request
from starlette.responses import Response
from strawberry import relay
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.types.base import get_object_definition

from api import execution
from api.batched import loaded_by
from api.context import Context, FastPathCount
from api.dataloaders import Loaders
from api.execution import FastPathSchema, ResolveHookRefused
from api.schema import Mutation, RootQuery, schema
from prao.actor import Actor
from prao.auth import actor_for_bearer, create_api_token
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.factories import World

# Each query with the number of lists the fast path completes for it, and of pages answered
# straight from their rows (api.row_pages; totalCount or a period is beyond those).
QUERIES = [
    (
        """{ slots(first: 50) { nodes { id title capacity placesLeft startDate dayStartsAt status
         employer { id name city } __typename } } }""",
        FastPathCount(pages=1),
    ),
    (
        """query($withEmployer: Boolean!, $n: Int) { slots(first: $n) {
         edges { cursor node { id
           ... on Slot { t: title employer @include(if: $withEmployer) { name } }
           ...More } }
         pageInfo { hasNextPage endCursor } totalCount } }
       fragment More on Slot { city employer @skip(if: $withEmployer) { id } }""",
        FastPathCount(lists=1),
    ),
    (
        """{ bookings(first: 100) { nodes { id status origin updatedAt
         pupil { id firstName lastName school { name } }
         slot { title employer { name } } period { name school { id } } } } }""",
        FastPathCount(lists=1),
    ),
    (
        """{ pupils(first: 100, last: null) { nodes { id firstName className updatedAt } } }""",
        FastPathCount(lists=1),
    ),
    (
        """{ a: slots(first: 2) { nodes { id } } b: slots(first: 3) { nodes { title id } } }""",
        FastPathCount(pages=2),
    ),
    (
        """{ a: slots(first: 2) { nodes { id } totalCount } b: slots { nodes { id } } }""",
        FastPathCount(lists=1, pages=1),
    ),
    # A list of an interface: graphql-core resolves each item's type, so no plan is made.
    (
        """query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Slot { title }
         ... on Pupil { firstName } } }""",
        FastPathCount(),
    ),
    ("""{ periods { id name school { name } } }""", FastPathCount(lists=1)),
]


def _context(actor: Any) -> Context:
    request = Request({"type": "http", "method": "POST", "headers": [], "query_string": b""})
    return Context(request=request, response=Response(), actor=actor, loaders=Loaders(actor))


async def test_fast_path_answers_like_graphql_core(world: World) -> None:
    staff = await world.actor(world.coordinator_a)
    booked: list[int] = []
    for _ in range(3):
        s = await factories.slot(world.employer, capacity=4)
        for _ in range(2):
            p = await factories.pupil(world.school_a)
            booking = (await book_slot(staff, s.id, p.id)).value
            assert booking is not None
            booked.append(booking.id)
    assert (await cancel_booking(staff, booked[-1], "")).ok
    _, raw = await create_api_token("x", school=world.school_a)
    actor = await actor_for_bearer(raw)
    plain = strawberry.Schema(query=RootQuery, mutation=Mutation)
    fast = FastPathSchema(query=RootQuery, mutation=Mutation)
    slot_gid = relay.to_base64("Slot", world.slot.id)
    pupil_gid = relay.to_base64("Pupil", world.pupil_a.id)
    variables = {"withEmployer": True, "n": 7, "ids": [slot_gid, pupil_gid, slot_gid]}
    for query, count in QUERIES:
        for flag in (True, False):
            variables["withEmployer"] = flag
            expected = await plain.execute(query, variables, _context(actor))
            context = _context(actor)
            got = await fast.execute(query, variables, context)
            assert expected.errors is None, expected.errors
            assert got.errors is None, got.errors
            assert got.data == expected.data, query
            assert got.data and any(got.data.values())
            assert context.fast_path == count, query


# A small schema of its own, to provoke what the app's data never does.


@strawberry.type
class Item:
    n: int
    label: str | None

    @strawberry.field
    def checked(self) -> int:
        if self.n == 3:
            raise ValueError("three is not allowed")
        return self.n

    @strawberry.field
    async def later(self) -> str:
        return f"later {self.n}"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Cat(Named):
    lives: int


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(n=i, label=None if i % 2 else f"#{i}") for i in range(5)]

    @strawberry.field
    def named(self) -> list[Named]:
        return [Cat(name="Misse", lives=9)]

    @strawberry.field
    def nested(self) -> list[list[Item]]:
        return [[Item(n=0, label="x")], [], [Item(n=1, label=None), Item(n=2, label="z")]]


@strawberry.type
class StrictItem:
    label: str


def _counted() -> Any:
    return SimpleNamespace(fast_path=FastPathCount())


async def _answered_alike(query_type: type, query: str) -> tuple[FastPathCount, Any]:
    """`query` on plain Strawberry and on the fast path: the same data, the same errors at the
    same paths. Answers what the fast path counted, and its result."""
    expected = await strawberry.Schema(query=query_type).execute(query)
    context = _counted()
    got = await FastPathSchema(query=query_type).execute(query, context_value=context)
    assert got.data == expected.data, query
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ], query
    return context.fast_path, got


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("{ items { n label later } }", FastPathCount(lists=1)),
        # Item 3 raises: graphql-core completes that list, with the error at its path.
        ("{ items { n checked } }", FastPathCount(fallbacks=1)),
        ("{ named { name ... on Cat { lives } } }", FastPathCount()),  # an interface: no plan
        # graphql-core walks the outer list; the fast path completes each non-empty inner one.
        ("{ nested { n label __typename } }", FastPathCount(lists=2)),
        ("{ items { ...F } } fragment F on Item { n alias: label }", FastPathCount(lists=1)),
    ],
)
async def test_fast_path_matches_graphql_core_on_edge_cases(
    query: str, count: FastPathCount
) -> None:
    counted, _ = await _answered_alike(Query, query)
    assert counted == count


async def test_null_in_a_non_null_field_bubbles_like_graphql_core() -> None:
    @strawberry.type
    class StrictQuery:
        @strawberry.field
        def things(self) -> list[StrictItem]:
            return [StrictItem(label="a"), StrictItem(label=None)]  # type: ignore[arg-type]

    counted, got = await _answered_alike(StrictQuery, "{ things { label } }")
    assert counted == FastPathCount(fallbacks=1)
    assert got.errors  # the same errors as graphql-core's, and there are some


@strawberry.type
class Counted:
    n: int
    key: strawberry.ID


async def test_ints_and_ids_pass_through_only_when_graphql_core_would_leave_them() -> None:
    """An int of 32 bits and a str id go out as they are; an int beyond 32 bits is
    graphql-core's error at its path, a bool as an Int and an int id are converted its way."""

    @strawberry.type
    class NumbersQuery:
        @strawberry.field
        def fine(self) -> list[Counted]:
            return [Counted(n=2**31 - 1, key=strawberry.ID("a")), Counted(n=-(2**31), key=7)]  # type: ignore[arg-type]

        @strawberry.field
        def huge(self) -> list[Counted]:
            return [Counted(n=1, key=strawberry.ID("a")), Counted(n=2**31, key=strawberry.ID("b"))]

        @strawberry.field
        def odd(self) -> list[Counted]:
            return [Counted(n=True, key=strawberry.ID("a"))]

    for query, count in (
        ("{ fine { n key } }", FastPathCount(lists=1)),
        ("{ huge { n key } }", FastPathCount(fallbacks=1)),
        ("{ odd { n key } }", FastPathCount(lists=1)),
    ):
        counted, _ = await _answered_alike(NumbersQuery, query)
        assert counted == count, query
    fast = FastPathSchema(query=NumbersQuery)
    assert (await fast.execute("{ fine { key } }")).data == {"fine": [{"key": "a"}, {"key": "7"}]}


class Tracing(SchemaExtension):
    """Runs around every field: the fast path reads plain fields without it."""

    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kw: Any
    ) -> Any:
        return _next(root, info, *args, **kw)


def test_an_extension_with_a_resolve_hook_is_refused_when_the_schema_is_built() -> None:
    with pytest.raises(ResolveHookRefused, match="Tracing defines a resolve hook"):
        FastPathSchema(query=Query, extensions=[Tracing])
    with pytest.raises(ResolveHookRefused):
        FastPathSchema(query=Query, extensions=[lambda: Tracing()])  # a factory, too
    # Extensions around the whole operation are fine, as the app's own schema shows.
    FastPathSchema(query=Query, extensions=[lambda: ParserCache(maxsize=4)])
    assert isinstance(schema, FastPathSchema)


def test_every_loaded_field_names_a_loader_and_a_key_of_its_type() -> None:
    loaders = Loaders(Actor(kind="anonymous"))
    seen = []
    for graphql_type in schema._schema.type_map.values():
        definition = getattr(graphql_type, "extensions", {}).get("strawberry-definition")
        if definition is None or not hasattr(definition, "fields"):
            continue
        origin = get_object_definition(definition.origin)
        if origin is None or not dataclasses.is_dataclass(definition.origin):
            continue
        attributes = {f.name for f in dataclasses.fields(definition.origin)}
        for f in definition.fields:
            found = loaded_by(f.metadata)
            if found is None:
                continue
            loader, key = found
            assert hasattr(loaders, loader), (graphql_type.name, f.python_name, loader)
            assert key in attributes, (graphql_type.name, f.python_name, key)
            seen.append(f"{graphql_type.name}.{f.python_name}")
    assert "Slot.employer" in seen and "Booking.period" in seen, seen


# Single objects: a payload of an object, a list and leaves, completed from its plan at once;
# `objects` counts the objects completed so (what is inside one is part of it).


@strawberry.enum
class Mood(Enum):
    GLAD = "glad"
    SAD = "sad"


@strawberry.type
class Problem:
    code: Mood
    field: str | None
    message: str


@strawberry.type
class Thing(relay.Node):
    id: relay.NodeID[int]
    mood: Mood
    size: int
    label: str | None


@strawberry.type
class Payload:
    thing: Thing | None
    problems: list[Problem]
    count: int


@strawberry.type
class StrictPayload:
    thing: Thing
    label: str


@strawberry.type
class PayloadQuery:
    @strawberry.field
    def fine(self) -> Payload:
        problems = [Problem(code=Mood.SAD, field=None, message="nej")]
        return Payload(
            thing=Thing(id=7, mood=Mood.GLAD, size=3, label=None), problems=problems, count=1
        )

    @strawberry.field
    def empty(self) -> Payload:
        return Payload(thing=None, problems=[], count=0)

    @strawberry.field
    def huge(self) -> Payload:
        return Payload(
            thing=Thing(id=1, mood=Mood.GLAD, size=2**31, label="x"), problems=[], count=0
        )

    @strawberry.field
    def odd_enum(self) -> Payload:
        return Payload(thing=Thing(id=1, mood="glad", size=1, label=None), problems=[], count=0)  # type: ignore[arg-type]

    @strawberry.field
    def broken(self) -> StrictPayload | None:
        return StrictPayload(thing=Thing(id=1, mood=Mood.SAD, size=1, label=None), label=None)  # type: ignore[arg-type]

    @strawberry.field
    def wrong_type(self) -> Payload:
        return Thing(id=1, mood=Mood.SAD, size=1, label=None)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("query", "objects", "lists"),
    [
        (
            "{ fine { thing { id mood size label __typename } problems { code field } count } }",
            1,
            1,
        ),
        ("{ empty { thing { id } problems { code } count } }", 1, 0),
        (
            "{ fine { ... on Payload { c: count } problems { ...P } } }"
            " fragment P on Problem { f: code }",
            1,
            1,
        ),
        # Beyond 32 bits: graphql-core's error at its path.
        ("{ huge { thing { size } count } }", 0, 0),
        # A value instead of the enum's member: converted graphql-core's way.
        ("{ oddEnum { thing { mood } } }", 1, 0),
        # A null in a non-null field: graphql-core bubbles it up to the nullable payload (its
        # walk completes the object field beside it from the plan).
        ("{ broken { thing { id } label } }", 1, 0),
        ("{ wrongType { count } }", 0, 0),
    ],
)
async def test_single_objects_complete_like_graphql_core(
    query: str, objects: int, lists: int
) -> None:
    counted, _ = await _answered_alike(PayloadQuery, query)
    assert (counted.objects, counted.lists) == (objects, lists)


async def test_single_object_plans_are_kept_only_where_variables_cannot_change_them() -> None:
    plain = strawberry.Schema(query=PayloadQuery)
    # As the app's schema: a query text is parsed once, so its nodes are the same next time.
    fast = FastPathSchema(query=PayloadQuery, extensions=[lambda: ParserCache(maxsize=8)])
    kept = dict(execution._shared)
    constant = "{ fine { thing { id mood } count } }"
    for _ in range(2):
        context = _counted()
        got = await fast.execute(constant, context_value=context)
        assert got.data == (await plain.execute(constant)).data
        assert context.fast_path.objects == 1
    assert len(execution._shared) == len(kept) + 1  # made once, then taken again
    chosen = "query($t: Boolean!) { fine { thing @include(if: $t) { id } count } }"
    before = len(execution._shared)
    for flag in (True, False, True):
        context = _counted()
        got = await fast.execute(chosen, {"t": flag}, context_value=context)
        assert got.data == (await plain.execute(chosen, {"t": flag})).data
        assert context.fast_path.objects == 1
    assert len(execution._shared) == before  # a plan of this document depends on $t
