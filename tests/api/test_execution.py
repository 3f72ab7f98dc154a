"""The list fast path answers exactly what graphql-core's own execution answers."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from starlette.requests import Request
from starlette.responses import Response
from strawberry import relay

from api.context import Context
from api.dataloaders import Loaders
from api.execution import PraoExecutionContext
from api.schema import Mutation, RootQuery
from prao.auth import actor_for_bearer, create_api_token
from prao.services.booking import book_slot, cancel_booking
from tests import factories
from tests.factories import World

QUERIES = [
    """{ slots(first: 50) { nodes { id title capacity placesLeft startDate dayStartsAt status
         employer { id name city } __typename } } }""",
    """query($withEmployer: Boolean!, $n: Int) { slots(first: $n) {
         edges { cursor node { id
           ... on Slot { t: title employer @include(if: $withEmployer) { name } }
           ...More } }
         pageInfo { hasNextPage endCursor } totalCount } }
       fragment More on Slot { city employer @skip(if: $withEmployer) { id } }""",
    """{ bookings(first: 100) { nodes { id status origin updatedAt
         pupil { id firstName lastName school { name } }
         slot { title employer { name } } period { name school { id } } } } }""",
    """{ pupils(first: 100, last: null) { nodes { id firstName className updatedAt } } }""",
    """{ a: slots(first: 2) { nodes { id } } b: slots(first: 3) { nodes { title id } } }""",
    """query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Slot { title }
         ... on Pupil { firstName } } }""",
    """{ periods { id name school { name } } }""",
]


def _context(actor: Any) -> Context:
    request = Request({"type": "http", "method": "POST", "headers": [], "query_string": b""})
    return Context(request=request, response=Response(), actor=actor, loaders=Loaders(actor))


async def test_fast_path_answers_like_graphql_core(world: World) -> None:
    staff = await world.actor(world.coordinator_a)
    for _ in range(3):
        s = await factories.slot(world.employer, capacity=4)
        for _ in range(2):
            p = await factories.pupil(world.school_a)
            booked = await book_slot(staff, s.id, p.id)
            assert booked.value is not None
    assert (await cancel_booking(staff, booked.value.id, "")).ok
    _, raw = await create_api_token("x", school=world.school_a)
    actor = await actor_for_bearer(raw)
    plain = strawberry.Schema(query=RootQuery, mutation=Mutation)
    fast = strawberry.Schema(
        query=RootQuery, mutation=Mutation, execution_context_class=PraoExecutionContext
    )
    slot_gid = relay.to_base64("Slot", world.slot.id)
    pupil_gid = relay.to_base64("Pupil", world.pupil_a.id)
    variables = {"withEmployer": True, "n": 7, "ids": [slot_gid, pupil_gid, slot_gid]}
    for query in QUERIES:
        for flag in (True, False):
            variables["withEmployer"] = flag
            expected = await plain.execute(query, variables, _context(actor))
            got = await fast.execute(query, variables, _context(actor))
            assert expected.errors is None, expected.errors
            assert got.errors is None, got.errors
            assert got.data == expected.data, query
            assert got.data and any(got.data.values())


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


@pytest.mark.parametrize(
    "query",
    [
        "{ items { n label later } }",
        "{ items { n checked } }",  # item 3 raises: error with its path, the rest answered
        "{ named { name ... on Cat { lives } } }",
        "{ nested { n label __typename } }",
        "{ items { ...F } } fragment F on Item { n alias: label }",
    ],
)
async def test_fast_path_matches_graphql_core_on_edge_cases(query: str) -> None:
    plain = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=PraoExecutionContext)
    expected = await plain.execute(query)
    got = await fast.execute(query)
    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


async def test_null_in_a_non_null_field_bubbles_like_graphql_core() -> None:
    @strawberry.type
    class StrictQuery:
        @strawberry.field
        def things(self) -> list[StrictItem]:
            return [StrictItem(label="a"), StrictItem(label=None)]  # type: ignore[arg-type]

    plain = strawberry.Schema(query=StrictQuery)
    fast = strawberry.Schema(query=StrictQuery, execution_context_class=PraoExecutionContext)
    expected = await plain.execute("{ things { label } }")
    got = await fast.execute("{ things { label } }")
    assert expected.errors and got.errors
    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors] == [
        (e.message, e.path) for e in expected.errors
    ]
