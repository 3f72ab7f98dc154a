"""Helpers for the few hand-written statements of the hot paths: named parameters numbered for
the driver, and model instances read from one joined row. Values always travel as parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)

# `:name`, but not the `::type` of a PostgreSQL cast. Quotes are not parsed: the statements
# written for this keep colons out of their string literals.
_MARKER = re.compile(r"(?<!:):([a-z_]+)\b")


@lru_cache(maxsize=256)
def _placeholders(sql: str, dialect: str) -> tuple[str, tuple[str, ...]]:
    """The statement with the driver's placeholders and the names they stand for, in order:
    the same few statements run on every booking, so each is numbered once. The key is the
    statement's text, with no values in it."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}" if dialect == "postgres" else "?"

    return _MARKER.sub(placeholder, sql), tuple(names)


def numbered(sql: str, values: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    """:name markers as the driver's placeholders ($1 on PostgreSQL, ? on SQLite), in order,
    with the values to pass (a name used twice is passed twice)."""
    text, names = _placeholders(sql, dialect)
    return text, [values[name] for name in names]


def _selected(model: type[Model], only: tuple[str, ...] | None) -> tuple[str, ...]:
    if only is None:
        return tuple(model._meta.db_fields)
    unknown = set(only) - set(model._meta.db_fields)
    if unknown or model._meta.db_pk_column not in only:
        raise ValueError(f"{model.__name__}: {sorted(unknown)} or no primary key in {only}")
    return only


def columns(alias: str, model: type[Model], only: tuple[str, ...] | None = None) -> str:
    """Every column of `model` (or those `only` names, its primary key among them) under
    `alias`, named `alias__column` for model_of."""
    return ", ".join(f"{alias}.{c} AS {alias}__{c}" for c in _selected(model, only))


@lru_cache(maxsize=64)
def _keys(
    alias: str, model: type[Model], only: tuple[str, ...] | None
) -> tuple[tuple[str, str], ...]:
    """(row key, column) of each column that columns(alias, model, only) selects."""
    return tuple((f"{alias}__{c}", c) for c in _selected(model, only))


def model_of(
    row: dict[str, Any], alias: str, model: type[Model], only: tuple[str, ...] | None = None
) -> Any:
    """The `model` instance whose columns(alias, model, only) are in `row`; None where the join
    found no row. With `only`, a partial instance: the other fields are not set, and Tortoise
    refuses to save it."""
    if row.get(f"{alias}__{model._meta.db_pk_column}") is None:
        return None
    return model._init_from_db(**{column: row[key] for key, column in _keys(alias, model, only)})


def as_inserted(model: type[M], values: Mapping[str, Any]) -> M:
    """The instance of the row a hand-written INSERT writes with `values` (by column), every
    other column null, as the database then holds it: what `model(**values)` makes, without
    working out defaults and checking relations (more than half the cost of a booking's)."""
    return model._init_from_db(**{column: values.get(column) for column in model._meta.db_fields})
