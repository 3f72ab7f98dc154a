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

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.fields.relational import ForeignKeyFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.timezone import get_default_timezone, get_use_tz

M = TypeVar("M", bound=Model)

Builder = Callable[[Any, tzinfo | None], Any]
_BUILDERS: dict[tuple[type[Model], str], Builder] = {}


def builder(model: type[M], prefix: str = "") -> Callable[[Any, tzinfo | None], M]:
    """A function from one driver row (keyed by column, each name after `prefix`) to a model
    instance, as `Model._init_from_db` makes it for a full row."""
    found = _BUILDERS.get((model, prefix))
    if found is None:
        found = _BUILDERS[(model, prefix)] = _builder(model, prefix)
    return found


_ENUM_FIELDS = (CharEnumFieldInstance, IntEnumFieldInstance)


def _builder(model: type[M], prefix: str) -> Callable[[Any, tzinfo | None], M]:
    meta = model._meta
    native = [(prefix + key, name) for key, name, _ in meta.db_native_fields]
    plain = [(prefix + key, name, field.field_type) for key, name, field in meta.db_default_fields]
    converted = [
        (prefix + key, name, field.to_python_value)
        for key, name, field in meta.db_complex_fields
        if not isinstance(field, (fields.DatetimeField, *_ENUM_FIELDS))
    ]
    # An enum's stored value is looked up among its members, as Enum(value) first does; a value
    # that is not one goes through the field (which raises as the ORM would).
    enums = [
        (prefix + key, name, field.enum_type._value2member_map_, field.to_python_value)
        for key, name, field in meta.db_complex_fields
        if isinstance(field, _ENUM_FIELDS)
    ]
    # An aware datetime (PostgreSQL's) becomes local time, as DatetimeField.to_python_value
    # makes it, without its per-value reading of the settings; anything else goes through it.
    moments = [
        (prefix + key, name, field.to_python_value)
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
        for key, name, members, convert in enums:
            value = row[key]
            member = members.get(value)
            values[name] = convert(value) if member is None else member
        for key, name, convert in moments:
            value = row[key]
            if zone is not None and type(value) is datetime and value.tzinfo is not None:
                values[name] = value.astimezone(zone)
            else:
                values[name] = convert(value)
        return instance

    return build


def covered(queryset: QuerySet[Any]) -> bool:
    """Whether the queryset selects whole rows of its model only, which builder() can build."""
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
    if not covered(queryset):
        return list(await queryset)
    build = builder(queryset.model)
    queryset._choose_db_if_not_chosen()
    queryset._make_query()
    sql, values = queryset.query.get_parameterized_sql()
    _, rows = await queryset._db.execute_query(sql, values)
    at = zone()
    return [build(row, at) for row in rows]


async def fetch_sql(model: type[M], db: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[M]:
    """The models of hand-written SQL that selects every column of `model` by its name."""
    _, found = await db.execute_query(sql, values)
    build, at = builder(model), zone()
    return [build(row, at) for row in found]


def related_sql(model: type[Model], inner: str, paths: Sequence[str], order_by: str) -> str:
    """The rows of `inner` (whole rows of `model`, as `p`), each with the objects its foreign
    keys in `paths` point to ("pupil", then "pupil__school" through it), joined after `inner`
    has chosen its rows; ordered by `order_by` (columns of `p`)."""
    selected, joins = ["p.*"], []
    aliases = {"": "p"}
    for i, path in enumerate(paths):
        parent, _, name = path.rpartition("__")
        owner = _model_at(model, parent)
        field = owner._meta.fields_map[name]
        target = _related_model(owner, name)
        alias = aliases[path] = f"j{i}"
        selected.append(select_list(alias, target, f"{alias}__"))
        source = getattr(field, "source_field", None) or f"{name}_id"
        on = f'{alias}."{target._meta.db_pk_column}" = {aliases[parent]}."{source}"'
        joins.append(f'LEFT JOIN "{target._meta.db_table}" {alias} ON {on}')
    return f"SELECT {', '.join(selected)} FROM ({inner}) AS p {' '.join(joins)} ORDER BY {order_by}"


def columns_sql(
    model: type[Model], inner: str, columns: Sequence[tuple[str, str]], order_by: str
) -> str:
    """Like related_sql, but only `columns`, as (related path, column) pairs in the order each
    row holds them: "" is `model` itself (as `p`), "pupil__school" a booking's pupil's school."""
    paths = sorted(dict.fromkeys(path for path, _ in columns), key=lambda p: p.count("__"))
    aliases, joins = {"": "p"}, []
    for i, path in enumerate(p for p in paths if p):
        parent, _, name = path.rpartition("__")
        owner = _model_at(model, parent)
        field = owner._meta.fields_map[name]
        target = _related_model(owner, name)
        alias = aliases[path] = f"j{i}"
        source = getattr(field, "source_field", None) or f"{name}_id"
        on = f'{alias}."{target._meta.db_pk_column}" = {aliases[parent]}."{source}"'
        joins.append(f'LEFT JOIN "{target._meta.db_table}" {alias} ON {on}')
    selected = ", ".join(f'{aliases[path]}."{column}"' for path, column in columns)
    return f"SELECT {selected} FROM ({inner}) AS p {' '.join(joins)} ORDER BY {order_by}"


def model_at(model: type[Model], path: str) -> type[Model]:
    """The model a related path leads to from `model` ("" is `model` itself)."""
    return _model_at(model, path)


def converter(model: type[Model], column: str, at: tzinfo | None) -> Callable[[Any], Any] | None:
    """From a driver's value of one column to the model attribute's value, as builder() turns
    it with zone() `at` (None: the value is used as it is)."""
    meta = model._meta
    for key, _, _ in meta.db_native_fields:
        if key == column:
            return None
    for key, _, field in meta.db_default_fields:
        if key == column:
            kind = field.field_type
            return lambda value: None if value is None else kind(value)
    for key, _, field in meta.db_complex_fields:
        if key == column:
            return _complex(field, at)
    raise KeyError(f"{model.__name__} has no column {column}")


def _complex(field: fields.Field[Any], at: tzinfo | None) -> Callable[[Any], Any]:
    convert = field.to_python_value
    if isinstance(field, _ENUM_FIELDS):
        members = field.enum_type._value2member_map_

        def enum(value: Any) -> Any:
            member = members.get(value)
            return convert(value) if member is None else member

        return enum
    if isinstance(field, fields.DatetimeField):

        def moment(value: Any) -> Any:
            if at is not None and type(value) is datetime and value.tzinfo is not None:
                return value.astimezone(at)
            return convert(value)

        return moment
    return convert


def _model_at(model: type[Model], path: str) -> type[Model]:
    for name in path.split("__") if path else ():
        model = _related_model(model, name)
    return model


async def fetch_related(
    model: type[M], db: BaseDBAsyncClient, sql: str, values: list[Any], paths: Sequence[str]
) -> list[M]:
    """The models of related_sql(model, ..., paths), each related object set where
    select_related would put it (`booking.pupil`, `booking.pupil.school`)."""
    _, found = await db.execute_query(sql, values)
    build, at = builder(model), zone()
    steps = []
    for i, path in enumerate(paths):
        parent, _, name = path.rpartition("__")
        target = _related_model(_model_at(model, parent), name)
        key = f"j{i}__{target._meta.db_pk_column}"
        steps.append((parent, path, f"_{name}", key, builder(target, f"j{i}__")))
    instances = []
    for row in found:
        instance = build(row, at)
        objects: dict[str, Any] = {"": instance}
        for parent, path, attribute, key, build_related in steps:
            related = None if row[key] is None else build_related(row, at)
            objects[path] = related
            if objects[parent] is not None:
                objects[parent].__dict__[attribute] = related
        instances.append(instance)
    return instances


def zone() -> tzinfo | None:
    """The zone builders put aware datetimes in (None: as the field converts them)."""
    return get_default_timezone() if get_use_tz() else None


def select_list(alias: str, model: type[Model], prefix: str = "") -> str:
    """Every column of `model` under `alias`, named `prefix` + column for builder(model, prefix)."""
    return ", ".join(f'{alias}."{c}" AS "{prefix}{c}"' for c in sorted(model._meta.db_fields))


_COLUMNS: dict[type[Model], str] = {}


def _columns(model: type[Model]) -> str:
    found = _COLUMNS.get(model)
    if found is None:
        found = _COLUMNS[model] = select_list(f'"{model._meta.db_table}"', model)
    return found


def any_of(column: str, ids: Sequence[int], dialect: str) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: one array parameter on PostgreSQL (one prepared statement
    whatever the count), a placeholder each on SQLite."""
    if dialect == "postgres":
        return f"{column} = ANY($1::int[])", [list(ids)]
    return f"{column} IN ({', '.join('?' * len(ids))})", list(ids)


async def by_ids(model: type[M], ids: Sequence[int], related: str | None = None) -> list[M]:
    """The rows with these primary keys, in no particular order: one hand-written statement,
    for the DataLoaders that fetch a column of related objects on every list page. `related`
    names a foreign key whose object comes along in the same statement, as select_related
    would fetch it."""
    if not ids:
        return []
    meta = model._meta
    conn = meta.db
    sql, values = _by_ids_sql(model, related, ids, conn.capabilities.dialect)
    _, rows = await conn.execute_query(sql, values)
    build, at = builder(model), zone()
    if related is None:
        return [build(row, at) for row in rows]
    target = _related_model(model, related)
    build_related = builder(target, RELATED)
    present = RELATED + target._meta.db_pk_column
    found = []
    for row in rows:
        instance = build(row, at)
        instance.__dict__[f"_{related}"] = None if row[present] is None else build_related(row, at)
        found.append(instance)
    return found


RELATED = "r__"


def _related_model(model: type[Model], related: str) -> type[Model]:
    field = model._meta.fields_map[related]
    if not isinstance(field, ForeignKeyFieldInstance):
        raise TypeError(f"{model.__name__}.{related} is not a foreign key")
    target: type[Model] = field.related_model
    return target


def _by_ids_sql(
    model: type[Model], related: str | None, ids: Sequence[int], dialect: str
) -> tuple[str, list[Any]]:
    meta = model._meta
    table = f'"{meta.db_table}"'
    where, values = any_of(f'{table}."{meta.db_pk_column}"', ids, dialect)
    if related is None:
        return f"SELECT {_columns(model)} FROM {table} WHERE {where}", values
    field = meta.fields_map[related]
    target = _related_model(model, related)
    joined = f"SELECT {_columns(model)}, {select_list('r', target, RELATED)} FROM {table}"
    on = f'r."{target._meta.db_pk_column}" = {table}."{field.source_field or related + "_id"}"'
    return f'{joined} LEFT JOIN "{target._meta.db_table}" r ON {on} WHERE {where}', values
