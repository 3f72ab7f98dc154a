"""Guards against expensive queries, and client mistakes answered as clear GraphQL errors."""

from __future__ import annotations

import functools
from typing import Any, cast

import pytest
from strawberry.extensions.validation_cache import _get_validate_cache

from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.schema import CACHE_SIZE
from tests.callers import gid
from tests.factories import World
from tests.loaded_modules import loaded_by


def test_the_published_limits_are_a_leaf() -> None:
    """api.limits loads no other part of the API (nor Strawberry), so /api can import it."""
    assert loaded_by("api.limits", ("api", "strawberry", "web")) == ["api", "api.limits"]


def messages(payload: dict[str, Any]) -> list[str]:
    return [e["message"] for e in payload.get("errors", [])]


async def test_deepest_real_query_is_allowed(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    query = (
        "{ bookings { edges { node { pupil { school { name } } period { school { name } } } } } }"
    )
    assert (await api.data(query))["bookings"]["edges"] == []


async def test_too_deep_query_is_refused(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    depth = MAX_DEPTH + 1
    query = "{ " + "viewer { " * depth + "kind" + " }" * depth + " }"
    payload = await api.result(query)
    assert payload.get("data") is None
    assert any(f"exceeds maximum operation depth of {MAX_DEPTH}" in m for m in messages(payload))


async def test_too_many_aliases_are_refused(world: World, as_token) -> None:
    api = await as_token(world.school_a)

    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: viewer {{ kind }}" for i in range(count)) + " }"

    assert len(await api.data(aliased(MAX_ALIASES))) == MAX_ALIASES
    payload = await api.result(aliased(MAX_ALIASES + 1))
    assert payload.get("data") is None
    assert messages(payload) == [f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"]


async def test_too_many_tokens_are_refused(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    query = "{ viewer { " + "kind " * MAX_TOKENS + "} }"
    payload = await api.result(query)
    assert payload.get("data") is None
    assert any("tokens" in m for m in messages(payload))


@pytest.mark.parametrize("first", [-1, 101, 10_000])
async def test_first_out_of_range_is_a_client_error(world: World, as_token, first: int) -> None:
    api = await as_token(world.school_a)
    for field in ["slots", "bookings", "pupils"]:
        payload = await api.result(f"{{ {field}(first: {first}) {{ totalCount }} }}")
        assert payload["data"] is None
        (error,) = payload["errors"]
        assert error["message"] == "first must be between 0 and 100"
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
        assert error["path"] == [field]


async def test_first_of_one_hundred_is_fine(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    page = await api.data("{ slots(first: 100) { edges { cursor } } }")
    assert len(page["slots"]["edges"]) == 1


@pytest.mark.parametrize(
    "query",
    [
        '{ slots(after: "nonsense") { totalCount } }',
        '{ slots(after: "%s") { totalCount } }'.replace("%s", gid("Slot", 1)),
        '{ bookings(filter: {periodId: "%s"}) { totalCount } }'.replace("%s", gid("School", 1)),
        '{ pupils(filter: {schoolId: "x"}) { totalCount } }',
    ],
)
async def test_bad_cursor_or_filter_id_is_a_client_error(
    world: World, as_token, query: str
) -> None:
    api = await as_token(world.school_a)
    payload = await api.result(query)
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


async def test_repeated_query_is_validated_once(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    query = "{ slots(first: 3) { edges { node { title employer { name } } } } }"
    # an lru_cache, which strawberry types as a plain callable
    cache = cast("functools._lru_cache_wrapper[Any]", _get_validate_cache(CACHE_SIZE))
    await api.data(query)
    hits = cache.cache_info().hits
    await api.data(query)
    await api.data(query)
    assert cache.cache_info().hits == hits + 2
