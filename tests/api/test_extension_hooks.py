"""Hooks found once per extension class run as Strawberry's own look-up runs them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from api.extension_hooks import ClassHooksRunner

events: list[str] = []


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        events.append("resolve")
        return "hej"


class Generators(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        events.append("operation")
        yield
        events.append("operation done")

    async def on_execute(self) -> AsyncIterator[None]:
        events.append("execute")
        yield
        events.append("execute done")


class Plain(SchemaExtension):
    def on_parse(self) -> None:  # type: ignore[override]
        events.append("parse")

    async def on_validate(self) -> None:  # type: ignore[override]
        events.append("validate")


class ClassHooksSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return ClassHooksRunner(execution_context=execution_context, extensions=extensions)


async def run(schema_class: type[strawberry.Schema]) -> tuple[Any, list[str]]:
    events.clear()
    schema = schema_class(query=Query, extensions=[Generators, Plain])
    result = await schema.execute("{ hello }")
    assert result.errors is None
    return result.data, list(events)


async def test_every_kind_of_hook_runs_in_strawberrys_order() -> None:
    ours = await run(ClassHooksSchema)
    assert ours == await run(strawberry.Schema)
    assert ours == (
        {"hello": "hej"},
        ["operation", "parse", "validate", "execute", "resolve", "execute done", "operation done"],
    )
