"""Helpers for the few hand-written statements of the hot paths: named parameters numbered for
the driver, and model instances read from one joined row. Values always travel as parameters."""

from __future__ import annotations

import re
from typing import Any

from tortoise.models import Model

# `:name`, but not the `::type` of a PostgreSQL cast. Quotes are not parsed: the statements
# written for this keep colons out of their string literals.
_MARKER = re.compile(r"(?<!:):([a-z_]+)\b")


def numbered(sql: str, values: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    """:name markers as the driver's placeholders ($1 on PostgreSQL, ? on SQLite), in order,
    with the values to pass (a name used twice is passed twice)."""
    ordered: list[Any] = []

    def placeholder(match: re.Match[str]) -> str:
        ordered.append(values[match.group(1)])
        return f"${len(ordered)}" if dialect == "postgres" else "?"

    return _MARKER.sub(placeholder, sql), ordered


def columns(alias: str, model: type[Model]) -> str:
    """Every column of `model` under `alias`, named `alias__column` for model_of."""
    return ", ".join(f"{alias}.{c} AS {alias}__{c}" for c in model._meta.db_fields)


def model_of(row: dict[str, Any], alias: str, model: type[Model]) -> Any:
    """The `model` instance whose columns(alias, model) are in `row`; None where the join found
    no row."""
    prefix = f"{alias}__"
    values = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    if values.get(model._meta.db_pk_column) is None:
        return None
    return model._init_from_db(**values)
