"""The number of SQL statements per request does not grow with the page size (DataLoaders)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tortoise.connection import get_connection

from prao.models import Booking, BookingOrigin, BookingStatus
from tests import factories
from tests.factories import World

EXECUTE_METHODS = [
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
]


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SQL statement sent to the database while the test runs."""
    seen: list[str] = []
    client_class = type(get_connection("default"))
    for name in EXECUTE_METHODS:
        original = getattr(client_class, name)

        def counted(self: Any, query: str, *args: Any, _original: Any = original) -> Any:
            seen.append(query)
            return _original(self, query, *args)

        monkeypatch.setattr(client_class, name, counted)
    yield seen


async def count_statements(api, statements: list[str], query: str) -> tuple[int, dict[str, Any]]:
    statements.clear()
    data = await api.data(query)
    return len(statements), data


SLOTS = "query { slots(first: %d) { edges { node { title employer { name } } } } }"


async def test_slot_page_of_100_costs_what_a_page_of_10_costs(
    world: World, as_token, statements: list[str]
) -> None:
    employers = [await factories.employer(world.organiser, name=f"Firma {i}") for i in range(4)]
    for i in range(120):
        await factories.slot(employers[i % 4], title=f"Plats {i}")
    api = await as_token(world.school_a)
    await api.data(SLOTS % 1)  # the token's first use stamps last_used_at (once a minute)

    small, data = await count_statements(api, statements, SLOTS % 10)
    assert len(data["slots"]["edges"]) == 10
    large, data = await count_statements(api, statements, SLOTS % 100)
    assert len(data["slots"]["edges"]) == 100
    assert {e["node"]["employer"]["name"] for e in data["slots"]["edges"]} == {
        "Café Solen",
        "Firma 0",
        "Firma 1",
        "Firma 2",
        "Firma 3",
    }
    assert small == large, statements
    # The token with its school; the page; the employers.
    assert large == 3, statements


BOOKINGS = """query { bookings(first: %d) { totalCount edges { node {
  status pupil { firstName school { name } } slot { title employer { name } }
  period { name school { name } }
} } } }"""


async def test_booking_page_with_every_relation_is_constant_in_statements(
    world: World, as_token, statements: list[str]
) -> None:
    for i in range(30):
        pupil = await factories.pupil(world.school_a)
        slot = await factories.slot(world.employer, title=f"Plats {i}", capacity=1, taken=1)
        await Booking.create(
            pupil_id=pupil.id,
            slot_id=slot.id,
            period_id=world.period_a.id,
            status=BookingStatus.CONFIRMED,
            origin=BookingOrigin.API,
        )
    api = await as_token(world.school_a)
    await api.data(BOOKINGS % 1)  # the token's first use stamps last_used_at (once a minute)
    small, data = await count_statements(api, statements, BOOKINGS % 5)
    assert len(data["bookings"]["edges"]) == 5
    large, data = await count_statements(api, statements, BOOKINGS % 30)
    assert len(data["bookings"]["edges"]) == 30
    assert data["bookings"]["totalCount"] == 30
    assert small == large, statements


async def test_employer_booking_page_with_protected_pupils_is_constant_in_statements(
    world: World, as_user, statements: list[str]
) -> None:
    """The pupil view per row costs no statement: one pupil query, one audit insert."""
    for i in range(30):
        pupil = await factories.pupil(world.school_a, security_marking=i % 3 == 0)
        slot = await factories.slot(world.employer, title=f"Plats {i}", capacity=1, taken=1)
        await Booking.create(
            pupil_id=pupil.id,
            slot_id=slot.id,
            period_id=world.period_a.id,
            status=BookingStatus.CONFIRMED,
            origin=BookingOrigin.API,
        )
    api = await as_user(world.employer_user)
    small, data = await count_statements(api, statements, BOOKINGS % 5)
    assert len(data["bookings"]["edges"]) == 5
    large, data = await count_statements(api, statements, BOOKINGS % 30)
    schools = [e["node"]["pupil"]["school"] for e in data["bookings"]["edges"]]
    assert schools.count(None) == 10 and schools.count({"name": world.school_a.name}) == 20
    assert all(e["node"]["period"] is None for e in data["bookings"]["edges"])
    assert small == large, statements
