"""Fragments that each spread the next one twice: every limit looks at each fragment once, so the
query is answered or refused after work linear in its size (counted, not timed)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest
from graphql import parse, specified_rules, validate

from api import query_rules
from api.cost import operation_cost
from api.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH
from api.schema import LIMIT_RULES, schema
from tests.callers import Caller

FRAGMENTS = 40
# Python function calls allowed for one whole request; a linear walk of 40 fragments needs a
# few ten thousand, an exponential one 2^40.
CALL_BUDGET = 300_000


def fan_out(leaf: str, on: str = "Query", root: str = "{ ...F0 }") -> str:
    parts = [f"query {root}"]
    parts += [f"fragment F{i} on {on} {{ ...F{i + 1} ...F{i + 1} }}" for i in range(FRAGMENTS)]
    parts.append(f"fragment F{FRAGMENTS} on {on} {{ {leaf} }}")
    return "\n".join(parts)


ALIASED = fan_out("a: viewer { kind }")
NESTED = fan_out("viewer { kind }")
TYPENAME = fan_out("__typename")
CONNECTION = fan_out("nodes { employer { id } }", "SlotConnection", "{ slots(first: 1) { ...F0 } }")


class OverBudget(Exception):
    pass


@contextmanager
def call_budget(limit: int) -> Iterator[list[int]]:
    """Counts Python calls; past the limit the running code is interrupted, so an exponential
    walk fails the test instead of hanging it."""
    calls = [0]

    def count(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            calls[0] += 1
            if calls[0] == limit:
                raise OverBudget

    sys.setprofile(count)
    try:
        yield calls
    finally:
        sys.setprofile(None)


@pytest.fixture
def fragment_visits(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each fragment's body is walked, by any limit or the cost."""
    visits: dict[str, int] = {}
    walk = query_rules.FragmentMemo.visit

    def counted(fragment: Any, compute: Callable[[Any], Any]) -> Any:
        visits[fragment.name.value] = visits.get(fragment.name.value, 0) + 1
        return walk(fragment, compute)

    monkeypatch.setattr(query_rules.FragmentMemo, "visit", staticmethod(counted))
    return visits


def test_validation_visits_each_fragment_once_per_limit(fragment_visits: dict[str, int]) -> None:
    errors = validate(schema._schema, parse(ALIASED), [*specified_rules, *LIMIT_RULES])
    assert [e.message for e in errors] == [f"{2**FRAGMENTS} aliases found. Allowed: {MAX_ALIASES}"]
    assert len(fragment_visits) == FRAGMENTS + 1
    assert set(fragment_visits.values()) == {2}  # once for the depth, once for the aliases


@pytest.mark.parametrize("levels", [MAX_DEPTH, MAX_DEPTH + 1])
def test_depth_counts_the_levels_fragments_add(levels: int) -> None:
    # Each fragment adds one level and spreads the next twice; the limit sees the real depth.
    doc = ["query { ...L0 }"]
    doc += [f"fragment L{i} on Query {{ a {{ ...L{i + 1} ...L{i + 1} }} }}" for i in range(levels)]
    doc.append(f"fragment L{levels} on Query {{ b }}")
    errors = validate(schema._schema, parse("\n".join(doc)), LIMIT_RULES)
    too_deep = f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}"
    assert [e.message for e in errors] == ([] if levels <= MAX_DEPTH else [too_deep])


def test_cost_visits_each_fragment_once(fragment_visits: dict[str, int]) -> None:
    assert operation_cost(schema._schema, parse(NESTED)) == 2**FRAGMENTS
    assert set(fragment_visits.values()) == {1}
    fragment_visits.clear()
    # One page of one slot, each of the 2^40 spreads asking for its employer.
    assert operation_cost(schema._schema, parse(CONNECTION)) == 1 * (1 + 2**FRAGMENTS) + 1
    assert 2**FRAGMENTS > MAX_COST
    assert len(fragment_visits) == FRAGMENTS + 1 and max(fragment_visits.values()) <= 2


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        (ALIASED, "aliases found"),
        (NESTED, "QUERY_TOO_COSTLY"),
        (CONNECTION, "QUERY_TOO_COSTLY"),
        (TYPENAME, None),
    ],
    ids=["aliases", "objects", "connection", "typename"],
)
async def test_an_anonymous_fan_out_over_http_gets_a_quick_answer(
    anonymous: Caller, query: str, refusal: str | None
) -> None:
    with call_budget(CALL_BUDGET) as calls:
        response = await anonymous.client.post("/graphql", json={"query": query})
    assert calls[0] < CALL_BUDGET
    assert response.status_code == 200
    body = response.json()
    if refusal is None:
        assert body == {"data": {"__typename": "Query"}}
    else:
        assert body.get("data") is None and refusal in response.text
