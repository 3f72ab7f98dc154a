"""A booking through the API costs a handful of statements on the wire, whatever the rules ask."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from prao.jobs import jobs
from prao.models import Booking, OutboxEvent
from tests.callers import gid
from tests.factories import World

pytestmark = pytest.mark.postgres

# The mutation's own statements: the checks in one SELECT, the write in one. The token look-up
# comes on top (its own budget); the messages are written by the worker, not here.
BOOKING_BUDGET = 2
BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status } errors { code field message }
} }"""


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement asyncpg sends (each is one Execute or simple Query on the wire),
    transaction control included."""
    seen: list[str] = []
    connection = asyncpg.connection.Connection
    execute, fetch, many = connection.execute, connection._execute, connection._executemany

    async def counted_execute(self: Any, query: str, *args: Any, **kw: Any) -> Any:
        if not args:  # with arguments it goes through _execute, counted there
            seen.append(query)
        return await execute(self, query, *args, **kw)

    async def counted_fetch(self: Any, query: str, *args: Any, **kw: Any) -> Any:
        seen.append(query)
        return await fetch(self, query, *args, **kw)

    async def counted_many(self: Any, query: str, args: Any, *rest: Any, **kw: Any) -> Any:
        seen.extend([query] * len(args))
        return await many(self, query, args, *rest, **kw)

    monkeypatch.setattr(connection, "execute", counted_execute)
    monkeypatch.setattr(connection, "_execute", counted_fetch)
    monkeypatch.setattr(connection, "_executemany", counted_many)
    yield seen


@pytest.fixture
def worker_expands() -> Iterator[None]:
    """As with Redis: the event waits for a worker, which is not what is counted here."""
    previous = jobs.use(None)
    yield
    jobs.use(previous)


async def test_book_slot_by_token_runs_within_the_statement_budget(
    postgres: None, world: World, as_token, wire: list[str], worker_expands: None
) -> None:
    api = await as_token(world.school_a)
    # The token's first use stamps last_used_at (once a minute): not the booking's cost.
    await api.data("query { slots(first: 1) { edges { node { id } } } }")
    wire.clear()
    await api.data("query { __typename }")
    token_statements = len(wire)
    wire.clear()
    data = await api.data(
        BOOK,
        {
            "input": {
                "slotId": gid("Slot", world.slot.id),
                "pupilId": gid("Pupil", world.pupil_a.id),
            }
        },
    )
    sent = list(wire)
    payload = data["bookSlot"]
    assert payload["errors"] == [], payload
    booking = await Booking.get(pupil_id=world.pupil_a.id)
    assert payload["booking"] == {"id": gid("Booking", booking.id), "status": "CONFIRMED"}
    assert await OutboxEvent.filter(booking_id=booking.id).count() == 1
    assert len(sent) - token_statements <= BOOKING_BUDGET, "\n".join(q[:150] for q in sent)


async def test_a_refused_booking_stops_after_its_one_select(
    postgres: None, world: World, as_token, wire: list[str], worker_expands: None
) -> None:
    api = await as_token(world.school_a)
    await api.data("query { __typename }")
    wire.clear()
    await api.data("query { __typename }")
    token_statements = len(wire)
    wire.clear()
    data = await api.data(
        BOOK,
        {
            "input": {
                "slotId": gid("Slot", world.slot_b_only.id),
                "pupilId": gid("Pupil", world.pupil_a.id),
            }
        },
    )
    sent = list(wire)
    assert [e["code"] for e in data["bookSlot"]["errors"]] == ["NOT_VISIBLE"]
    assert len(sent) - token_statements == 1, sent
    assert await OutboxEvent.all().count() == 0
