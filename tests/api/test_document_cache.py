"""Each query text parsed and validated once: another text is never answered from the cache,
and the limits still hold for every text."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.parser_cache import _get_parse_cache

from api.limits import MAX_TOKENS
from api.schema import CACHE_SIZE, build_schema, schema


async def test_a_text_is_parsed_once_and_another_afresh() -> None:
    parse: Any = _get_parse_cache(CACHE_SIZE)  # an lru_cache
    text = "{ __typename a: __typename }"
    assert (await schema.execute(text)).errors is None
    before = parse.cache_info()
    assert (await schema.execute(text)).errors is None
    after = parse.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
    assert (await schema.execute(text + " ")).errors is None
    assert parse.cache_info().misses == after.misses + 1


async def test_validation_is_per_text() -> None:
    good, bad = "{ __typename }", "{ __typename nope }"
    assert (await schema.execute(good)).errors is None
    refused = await schema.execute(bad)
    assert refused.errors and "nope" in refused.errors[0].message
    assert (await schema.execute(good)).errors is None
    assert (await schema.execute(bad)).errors == refused.errors


async def test_a_text_that_does_not_parse_is_refused_each_time() -> None:
    for _ in range(2):
        result = await schema.execute("{ __typename")
        assert result.errors and "Syntax Error" in result.errors[0].message


async def test_the_token_limit_holds() -> None:
    long = "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_TOKENS // 3 + 1)) + " }"
    for _ in range(2):
        result = await schema.execute(long)
        assert result.errors and "token" in result.errors[0].message.lower()


async def test_introspection_only_where_enabled() -> None:
    query = "{ __schema { queryType { name } } }"
    assert (await build_schema(introspection=True).execute(query)).errors is None
    closed = build_schema(introspection=False)
    for _ in range(2):
        result = await closed.execute(query)
        assert result.errors and "introspection" in result.errors[0].message.lower()
    assert (await closed.execute("{ __typename }")).errors is None
