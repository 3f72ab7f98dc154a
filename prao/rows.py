"""Read-only lists of whole model rows at a fraction of the ORM's cost per row.

A page of 100 slots spent a quarter of the request's CPU in Tortoise turning driver rows into
models: each row copied into a dict, split into keyword arguments and set field by field. Here the
queryset's own SQL (filters, order and limit exactly as Tortoise builds them) runs on the same
connection, and each row fills a model's attributes directly, with the same conversion per field
that Tortoise applies (`Meta.db_native_fields`, `db_default_fields`, `db_complex_fields`), so the
instances are equal to the ORM's. Querysets this does not cover (related or prefetched objects,
annotations, partial rows, row locks) are awaited the ordinary way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from tortoise import fields
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.timezone import get_default_timezone, get_use_tz

M = TypeVar("M", bound=Model)

_BUILDERS: dict[type[Model], Callable[[Any, tzinfo | None], Any]] = {}


def _builder(model: type[M]) -> Callable[[Any, tzinfo | None], M]:
    """A function from one driver row (keyed by column) to a model instance, as
    `Model._init_from_db` makes it for a full row."""
    meta = model._meta
    native = [(key, name) for key, name, _ in meta.db_native_fields]
    plain = [(key, name, field.field_type) for key, name, field in meta.db_default_fields]
    converted = [
        (key, name, field.to_python_value)
        for key, name, field in meta.db_complex_fields
        if not isinstance(field, fields.DatetimeField)
    ]
    # An aware datetime (PostgreSQL's) becomes local time, as DatetimeField.to_python_value
    # makes it, without its per-value reading of the settings; anything else goes through it.
    moments = [
        (key, name, field.to_python_value)
        for key, name, field in meta.db_complex_fields
        if isinstance(field, fields.DatetimeField)
    ]
    custom_pk = meta.db_pk_column not in meta.generated_db_fields
    new = model.__new__

    def build(row: Any, zone: tzinfo | None) -> M:
        instance = new(model)
        values = instance.__dict__
        values["_partial"] = False
        values["_saved_in_db"] = True
        values["_custom_generated_pk"] = custom_pk
        values["_await_when_save"] = {}
        for key, name in native:
            values[name] = row[key]
        for key, name, kind in plain:
            value = row[key]
            values[name] = None if value is None else kind(value)
        for key, name, convert in converted:
            values[name] = convert(row[key])
        for key, name, convert in moments:
            value = row[key]
            if zone is not None and type(value) is datetime and value.tzinfo is not None:
                values[name] = value.astimezone(zone)
            else:
                values[name] = convert(value)
        return instance

    return build


def _covered(queryset: QuerySet[Any]) -> bool:
    return not (
        queryset._select_related
        or queryset._prefetch_map
        or queryset._prefetch_queries
        or queryset._annotations
        or queryset._fields_for_select
        or queryset._select_for_update
        or queryset._single
        or queryset._distinct
    )


async def fetch(queryset: QuerySet[M]) -> list[M]:
    """`await queryset`, for lists that are only read."""
    if not _covered(queryset):
        return list(await queryset)
    model = queryset.model
    build = _BUILDERS.get(model)
    if build is None:
        build = _BUILDERS[model] = _builder(model)
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    sql, values = queryset.query.get_parameterized_sql()
    _, rows = await queryset._db.execute_query(sql, values)
    zone = get_default_timezone() if get_use_tz() else None
    return [build(row, zone) for row in rows]
