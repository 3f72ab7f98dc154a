"""The number of SQL statements per request does not grow with the page size (DataLoaders)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tortoise.connection import get_connection

from prao import clock
from prao.models import AuditEvent, Booking, BookingOrigin, BookingStatus
from tests import factories
from tests.db import is_postgres
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
    # The token with its school; the page with its employers.
    assert large == 2, statements


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


SYNC_PAGE = """query($since: DateTime!, $skip: Boolean!) {
  bookings(first: %d, updatedSince: $since) {
    pageInfo { endCursor hasNextPage }
    syncedUntil
    nodes { id status pupil @skip(if: $skip) { id firstName lastName className } }
    edges { node { ...Placed } }
  }
}
fragment Placed on Booking { slot { id title startDate } }"""


async def _booked(world: World, count: int) -> list[Booking]:
    made = []
    for i in range(count):
        pupil = await factories.pupil(world.school_a)
        slot = await factories.slot(world.employer, title=f"Plats {i}", capacity=1, taken=1)
        made.append(
            await Booking.create(
                pupil_id=pupil.id,
                slot_id=slot.id,
                period_id=world.period_a.id,
                status=BookingStatus.CONFIRMED,
                origin=BookingOrigin.API,
            )
        )
    return made


async def test_a_sync_page_brings_its_slots_and_pupils_in_its_own_statement(
    world: World, as_token, statements: list[str]
) -> None:
    """The token, the horizon (PostgreSQL), the page with its slots and pupils, the audit of
    the pupils read: nothing per related object, whichever way the query asks for it."""
    booked = await _booked(world, 12)
    # Changed a while ago: behind the sync horizon, in id order.
    await Booking.filter(id__in=[b.id for b in booked]).update(
        updated_at=clock.now() - timedelta(minutes=1)
    )
    api = await as_token(world.school_a)
    since = {"since": "2000-01-01T00:00:00+00:00"}
    await api.data(SYNC_PAGE % 1, {**since, "skip": True})  # stamps last_used_at
    reads = await AuditEvent.filter(object_type="pupil").count()

    statements.clear()
    data = (await api.data(SYNC_PAGE % 10, {**since, "skip": False}))["bookings"]
    horizon = 1 if is_postgres() else 0
    assert len(statements) == 3 + horizon, statements
    assert [n["pupil"]["firstName"] for n in data["nodes"]] == [
        (await b.pupil).first_name for b in booked[:10]
    ]
    assert [e["node"]["slot"]["title"] for e in data["edges"]] == [f"Plats {i}" for i in range(10)]
    events = await AuditEvent.filter(object_type="pupil").order_by("id")
    assert len(events) == reads + 1  # the 10 pupils shown, not the 11th row read to look ahead
    assert (events[-1].object_count, events[-1].detail.get("source")) == (10, "nested")

    # Pupils skipped: none read, none audited, and the slots still come along.
    statements.clear()
    data = (await api.data(SYNC_PAGE % 10, {**since, "skip": True}))["bookings"]
    assert "pupil" not in data["nodes"][0]
    assert len(statements) == 2 + horizon, statements
    assert await AuditEvent.filter(object_type="pupil").count() == reads + 1


async def test_a_related_object_asked_for_elsewhere_in_the_request_is_read_once(
    world: World, as_token, statements: list[str]
) -> None:
    await _booked(world, 3)
    api = await as_token(world.school_a)
    query = """{ viewer { kind }
      a: bookings(first: 3) { nodes { pupil { firstName } slot { title } } }
      b: bookings(first: 3) { nodes { pupil { lastName } } } }"""
    await api.data(query)
    events = await AuditEvent.filter(object_type="pupil").order_by("id")
    # Each list is its own read of its pupils, as before, each audited once.
    assert [e.object_count for e in events] == [3, 3]


READINESS = "query { bookings(first: %d) { edges { node { readiness missingSteps nextStep } } } }"


async def test_readiness_of_a_page_of_bookings_is_one_statement_more(
    world: World, as_token, statements: list[str]
) -> None:
    await _booked(world, 30)
    api = await as_token(world.school_a)
    await api.data(READINESS % 1)  # the token's first use stamps last_used_at (once a minute)
    small, _ = await count_statements(api, statements, READINESS % 5)
    large, data = await count_statements(api, statements, READINESS % 30)
    assert small == large, statements
    nodes = [e["node"] for e in data["bookings"]["edges"]]
    assert len(nodes) == 30
    assert {n["readiness"] for n in nodes} == {"WAITING_RISK_ASSESSMENT"}
    assert {tuple(n["missingSteps"]) for n in nodes} == {("RISK_ASSESSMENT",)}
    assert {n["nextStep"] for n in nodes} == {"Väntar på riskbedömning från arbetsplatsen"}
    # The token, the page (with its count), and the readiness of the whole page.
    assert sum("risk_assessment" in s for s in statements) == 1, statements
