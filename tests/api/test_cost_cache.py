"""Costs worked out once per query text: only texts whose cost no variable changes are kept."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from api import cost as cost_module
from api.cost import CostCache, operation_cost
from api.schema import schema

PAGE = "{ slots(first: 10) { totalCount } }"
BY_VARIABLE = "query Page($n: Int) { slots(first: $n) { totalCount } }"
BY_DEFAULT = "query Page($n: Int = 30) { slots(first: $n) { totalCount } }"


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts whose cost was worked out (not answered from a cache)."""
    seen: list[str] = []
    real = cost_module._costed

    def counting(*args: Any) -> tuple[int, bool]:
        seen.append(args[1].loc.source.body)
        return real(*args)

    monkeypatch.setattr(cost_module, "_costed", counting)
    return seen


def ask(cache: CostCache, query: str, variables: dict[str, Any] | None = None) -> int:
    return cache.cost(schema._schema, query, parse(query), None, variables)


def test_a_text_is_costed_once(computed: list[str]) -> None:
    cache = CostCache()
    assert [ask(cache, PAGE) for _ in range(3)] == [11, 11, 11]
    assert computed == [PAGE]


def test_a_changed_text_is_costed_afresh(computed: list[str]) -> None:
    cache = CostCache()
    bigger = PAGE.replace("10", "90")
    assert ask(cache, PAGE) == 11
    assert ask(cache, bigger) == 91
    assert ask(cache, PAGE + " ") == 11  # another text, even if it means the same
    assert computed == [PAGE, bigger, PAGE + " "]


def test_a_cost_a_variable_decides_is_never_kept(computed: list[str]) -> None:
    cache = CostCache()
    assert ask(cache, BY_VARIABLE, {"n": 10}) == 11
    assert ask(cache, BY_VARIABLE, {"n": 50}) == 51
    assert ask(cache, BY_DEFAULT) == 31
    assert ask(cache, BY_DEFAULT, {"n": 5}) == 6
    assert computed == [BY_VARIABLE, BY_VARIABLE, BY_DEFAULT, BY_DEFAULT]


def test_the_cache_answers_what_costing_answers() -> None:
    cache = CostCache()
    mutation = 'mutation { bookSlot(input: {slotId: "x"}) { errors { code } } }'
    for query in (PAGE, mutation, "{ __typename }"):
        assert ask(cache, query) == operation_cost(schema._schema, parse(query))
        assert ask(cache, query) == operation_cost(schema._schema, parse(query))


def test_the_cache_is_bounded(computed: list[str]) -> None:
    cache = CostCache(maxsize=2)
    texts = [PAGE.replace("10", str(n)) for n in (1, 2, 3)]
    for text in texts:
        ask(cache, text)
    ask(cache, texts[0])  # pushed out by the third
    ask(cache, texts[2])  # still there
    assert computed == [*texts, texts[0]]
