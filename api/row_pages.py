"""List pages answered straight from the page's rows.

On a page of `slots` or `bookings`, turning driver rows into models, the models into GraphQL
objects and those into the response, field by field, cost most of the request's CPU. Where
every field asked for on the page is one read from columns (ROW_TYPES below), the page's one
statement selects just those columns and each row becomes its part of the response at once;
the executor (api.execution) takes that value as completed. Pupils are still shown only as
prao.policy's view for the caller, and their read audited once per page, as the loaders do.

Anything else on the page (totalCount, a field with arguments or a resolver of its own, a
deferred fragment, a type this does not know) is answered the ordinary way, and so is a page
on which a value does not fit (the ordinary way then reports it where it belongs).
tests/api/test_row_pages.py holds the two answers together.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from tortoise import fields
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import ids
from api.connections import PageArgs, window
from api.context import Info
from api.execution_plans import (
    BACKREF,
    INT_MAX,
    INT_MIN,
    TYPENAME,
    Completed,
    batch,
    enum_names,
    node_id_attribute,
    plain_attribute,
)
from api.types import _clock
from prao import models, policy, rows, sync
from prao.actor import Actor
from prao.models.placements import free_places
from prao.pagination import Order, RowsPage, keyset_rows
from prao.pupil_view import PupilView

Row = Any  # a driver's row (asyncpg Record, sqlite3.Row): indexed by position


@dataclass(frozen=True)
class Column:
    """A field read from model fields of the row: the one value, or `combine` of them."""

    names: tuple[str, ...]
    combine: Callable[..., Any] | None = None


def _is_set(value: object) -> bool:
    return value is not None


def _same(*names: str) -> dict[str, Column]:
    return {name: Column((name,)) for name in names}


@dataclass(frozen=True)
class RowType:
    """A GraphQL type as columns of `model`: its fields by Python name, and its related objects
    (fields declared with api.batched.loaded) by the foreign key that joins them."""

    model: type[Model]
    fields: Mapping[str, Column]
    related: Mapping[str, str] = field(default_factory=dict)


# What api.types' from_row makes of a row, field by field.
ROW_TYPES: dict[str, RowType] = {
    "Slot": RowType(
        models.Slot,
        {
            **_same(
                "title",
                "description",
                "tasks",
                "address",
                "city",
                "trade",
                "start_date",
                "end_date",
                "capacity",
                "min_age",
                "status",
                "requires_approval",
                "updated_at",
            ),
            "day_starts_at": Column(("starts_minute",), _clock),
            "day_ends_at": Column(("ends_minute",), _clock),
            "places_left": Column(("capacity", "taken"), free_places),
        },
        {"employer": "employer"},
    ),
    "Employer": RowType(models.Employer, _same("name", "city", "address", "status")),
    "Booking": RowType(
        models.Booking,
        {
            **_same("status", "origin", "reason", "created_at", "updated_at"),
            "erased": Column(("erased_at",), _is_set),
        },
        {"slot": "slot", "pupil": "pupil"},
    ),
    "School": RowType(models.School, _same("name")),
}
# A pupil is read as prao.policy's view of these columns and her school's.
PUPIL_TYPE = "Pupil"
PUPIL_FACTS = (
    "id",
    "first_name",
    "last_name",
    "year_group",
    "class_name",
    "email",
    "external_id",
    "updated_at",
    "security_marking",
    "school_id",
    "erased_at",
)
SCHOOL_FACTS = ("organiser_id", "name", "contact_email")
# The Pupil type's fields read from the view, each shown where prao.pupil_view.shown says so.
PUPIL_FIELDS = frozenset(PUPIL_FACTS) - {
    "id",
    "first_name",
    "security_marking",
    "school_id",
    "erased_at",
}


_ENUMS = (CharEnumFieldInstance, IntEnumFieldInstance)


class NotCovered(Exception):
    """A selection this module does not answer."""


class _Misfit(Exception):
    """A value the ordinary path must complete (and report, where it is an error)."""


@dataclass
class _Request:
    """What building one page needs beside its rows, and the pupils it showed."""

    actor: Actor
    # By pupil: what the caller is shown of her, and her view, made if a loader asks for it.
    shown: dict[int, frozenset[str]] = field(default_factory=dict)
    views: dict[int, Callable[[], PupilView]] = field(default_factory=dict)


Getter = Callable[[Row], Any]
# The request a page is being built for: getters are made once per query text and take only
# the row (building a page never awaits, so nothing else runs meanwhile).
_REQUEST: ContextVar[_Request] = ContextVar("row_page_request")
# A field of the connection, from the page's rows, the page, its sync horizon and the request.
Part = Callable[[list[Row], RowsPage, datetime | None, _Request], Any]


class _PupilFacts:
    """A pupil's columns as prao.pupil_view reads a Pupil."""

    def __init__(self, values: Sequence[Any]) -> None:
        (
            self.id,
            self.first_name,
            self.last_name,
            self.year_group,
            self.class_name,
            self.email,
            self.external_id,
            self.updated_at,
            self.security_marking,
            self.school_id,
            self.erased_at,
        ) = values


class _SchoolFacts:
    def __init__(self, values: Sequence[Any]) -> None:
        self.organiser_id, self.name, self.contact_email = values


class _Pupil:
    """What telling the kind of reader reads of a pupil (prao.pupil_view.PupilRef)."""

    __slots__ = ("id", "school_id")

    def __init__(self, pk: int, school_id: int) -> None:
        self.id, self.school_id = pk, school_id


class _School:
    __slots__ = ("organiser_id",)

    def __init__(self, organiser_id: int) -> None:
        self.organiser_id = organiser_id


# Leaves

_PASSTHROUGH: dict[str, type] = {
    GraphQLString.name: str,
    GraphQLBoolean.name: bool,
    GraphQLID.name: str,
    GraphQLInt.name: int,
}


def _serializer(leaf: Any) -> Callable[[Any], Any]:
    """graphql-core's completion of a non-null leaf value, with the shortcuts api.execution
    takes; a value it would refuse is a misfit."""
    serialize = leaf.serialize

    def checked(value: Any) -> Any:
        done = serialize(value)
        if done is None or done is Undefined:
            raise _Misfit
        return done

    if isinstance(leaf, CustomGraphQLEnumType):
        names, cls = enum_names(leaf), leaf.wrapped_cls
        return lambda value: names[value] if type(value) is cls else checked(value)
    same = _PASSTHROUGH.get(leaf.name)
    if same is int:
        return lambda v: v if type(v) is int and INT_MIN <= v <= INT_MAX else checked(v)
    if same is not None:
        return lambda value: value if type(value) is same else checked(value)
    return checked


def _complete(field_type: GraphQLOutputType, read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`read`'s value completed as a leaf of `field_type`."""
    non_null = is_non_null_type(field_type)
    inner = get_nullable_type(field_type)
    if not is_leaf_type(inner):
        raise NotCovered(str(inner))
    serialize = _serializer(inner)

    def complete(source: Any) -> Any:
        value = read(source)
        if value is None:
            if non_null:
                raise _Misfit
            return None
        return serialize(value)

    return complete


# Plans


@dataclass
class PagePlan:
    """How one connection field's selection is answered from one statement's rows."""

    order: Order
    columns: list[tuple[str, str]]
    build: Callable[[RowsPage, datetime | None, _Request], dict[str, Any]]


class _Compiler:
    def __init__(self, info: Info, order: Order, model: type[Model]) -> None:
        raw = info._raw_info
        self.raw = raw
        self.fragments = {name: FragmentDetails(node) for name, node in raw.fragments.items()}
        given: Any = raw.variable_values
        self.variables = (
            given if isinstance(given, VariableValues) else VariableValues({}, dict(given))
        )
        self.order = order
        self.model = model
        self.at = rows.zone()
        self.columns: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}

    def column(self, path: str, name: str) -> int:
        """The position of a model field's column of the object at `path` in every row."""
        model = rows.model_at(self.model, path)
        key = (path, model._meta.fields_db_projection[name])
        if key not in self.index:
            self.index[key] = len(self.columns)
            self.columns.append(key)
        return self.index[key]

    def converted(self, path: str, name: str) -> Callable[[Row], Any]:
        """A model field's value at `path` as the model holds it."""
        model = rows.model_at(self.model, path)
        i = self.column(path, name)
        convert = rows.converter(model, model._meta.fields_db_projection[name], self.at)
        if convert is None:
            return lambda row: row[i]
        return lambda row: convert(row[i])

    def collect(self, parent: Any, details: list[FieldDetails]) -> dict[str, list[FieldDetails]]:
        found = collect_subfields(
            self.raw.schema, self.fragments, self.variables, self.raw.operation, parent, details
        )
        grouped = found.grouped_field_set
        if found.new_defer_usages or any(d.defer_usage for g in grouped.values() for d in g):
            raise NotCovered("deferred")
        return dict(grouped)

    # The connection

    def page(self, connection: GraphQLObjectType) -> PagePlan:
        top = self.collect(connection, [FieldDetails(n, None) for n in self.raw.field_nodes])
        node_type = get_nullable_type(connection.fields["nodes"].type).of_type.of_type
        pk = self.column("", "id")
        cursor: Callable[[Row], str]
        if self.order is Order.UPDATED:
            stamp = self.converted("", "updated_at")

            def cursor(row: Row) -> str:
                return ids.sync_cursor(stamp(row), row[pk])
        else:
            cursor_of = ids.cursor_of

            def cursor(row: Row) -> str:
                return cursor_of(row[pk])

        parts: list[tuple[str, Part]] = []
        for key, group in top.items():
            name = group[0].node.name.value
            if name == TYPENAME:
                parts.append((key, _constant(connection.name)))
            elif name == "nodes":
                parts.append((key, _nodes(self.object(node_type, group, ""))))
            elif name == "edges":
                parts.append((key, self.edges(connection, group, node_type, cursor)))
            elif name == "pageInfo":
                parts.append((key, self.page_info(connection, group, cursor)))
            elif name == "syncedUntil":
                parts.append((key, _synced_until(connection.fields[name].type)))
            else:
                raise NotCovered(name)

        def build_page(page: RowsPage, until: datetime | None, req: _Request) -> dict[str, Any]:
            found = page.rows
            return {key: part(found, page, until, req) for key, part in parts}

        return PagePlan(self.order, self.columns, build_page)

    def edges(
        self,
        connection: GraphQLObjectType,
        group: list[FieldDetails],
        node_type: GraphQLObjectType,
        cursor: Callable[[Row], str],
    ) -> Part:
        edge_type = get_nullable_type(connection.fields["edges"].type).of_type.of_type
        getters: list[tuple[str, Getter]] = []
        for key, inner in self.collect(edge_type, group).items():
            name = inner[0].node.name.value
            if name == TYPENAME:
                getters.append((key, _constant_getter(edge_type.name)))
            elif name == "cursor":
                getters.append((key, cursor))
            elif name == "node":
                getters.append((key, self.object(node_type, inner, "")))
            else:
                raise NotCovered(name)

        def edges(found: list[Row], page: RowsPage, until: datetime | None, req: _Request) -> Any:
            return [{key: get(row) for key, get in getters} for row in found]

        return edges

    def page_info(
        self, connection: GraphQLObjectType, group: list[FieldDetails], cursor: Callable[[Row], str]
    ) -> Part:
        info_type = get_nullable_type(connection.fields["pageInfo"].type)
        wanted: list[tuple[str, str]] = []
        for key, inner in self.collect(info_type, group).items():
            name = inner[0].node.name.value
            if name not in (TYPENAME, "hasNextPage", "hasPreviousPage", "startCursor", "endCursor"):
                raise NotCovered(name)
            wanted.append((key, name))
        type_name = info_type.name

        def page_info(found: list[Row], page: RowsPage, until: datetime | None, r: _Request) -> Any:
            values = {
                TYPENAME: type_name,
                "hasNextPage": page.has_next,
                "hasPreviousPage": page.has_previous,
                "startCursor": cursor(found[0]) if found else None,
                "endCursor": cursor(found[-1]) if found else None,
            }
            return {key: values[name] for key, name in wanted}

        return page_info

    # Objects

    def object(
        self, object_type: Any, group: list[FieldDetails], path: str, required: bool = True
    ) -> Getter:
        """The object at `path` of each row; where no row was joined, null, or a misfit where
        the field may not be null."""
        if not is_object_type(object_type):
            raise NotCovered(str(object_type))
        if object_type.name == PUPIL_TYPE:
            return self.pupil(object_type, group, path, required)
        row_type = ROW_TYPES.get(object_type.name)
        if row_type is None or row_type.model is not rows.model_at(self.model, path):
            raise NotCovered(object_type.name)
        getters: list[tuple[str, Getter]] = []
        pk = self.column(path, "id")
        for key, inner in self.collect(object_type, group).items():
            getters.append((key, self.field(object_type, row_type, inner, path)))

        def build(row: Row) -> dict[str, Any] | None:
            if row[pk] is None:
                if required:
                    raise _Misfit
                return None
            return {key: get(row) for key, get in getters}

        return build

    def field(
        self,
        object_type: GraphQLObjectType,
        row_type: RowType,
        group: list[FieldDetails],
        path: str,
    ) -> Getter:
        name = group[0].node.name.value
        if name == TYPENAME:
            return _constant_getter(object_type.name)
        field_def = object_type.fields.get(name)
        if field_def is None or field_def.args:
            raise NotCovered(name)
        definition = field_def.extensions.get(BACKREF)
        if node_id_attribute(object_type, definition) == "id":
            pk, encode = self.column(path, "id"), ids.encoder(object_type.name)
            return lambda row: encode(row[pk])
        attribute = plain_attribute(definition)
        if attribute is not None and attribute in row_type.fields:
            return self.leaf(field_def.type, row_type.fields[attribute], path)
        loaded = batch(definition)
        related = row_type.related.get(getattr(definition, "python_name", ""))
        if loaded is not None and related is not None:
            return self.object(
                get_nullable_type(field_def.type),
                group,
                f"{path}__{related}" if path else related,
                is_non_null_type(field_def.type),
            )
        raise NotCovered(name)

    def leaf(self, field_type: GraphQLOutputType, column: Column, path: str) -> Getter:
        if column.combine is None and (direct := self.direct(field_type, path, column.names[0])):
            return direct
        if column.combine is None and (scalar := self.scalar(field_type, path, column.names[0])):
            return scalar
        reads = [self.converted(path, name) for name in column.names]
        combine = column.combine
        read: Callable[[Row], Any]
        if combine is None:
            read = reads[0]
        elif len(reads) == 1:
            one = reads[0]

            def read(row: Row) -> Any:
                value = one(row)
                return None if value is None else combine(value)
        else:

            def read(row: Row) -> Any:
                values = [r(row) for r in reads]
                return None if None in values else combine(*values)

        return _complete(field_type, read)

    def scalar(self, field_type: GraphQLOutputType, path: str, name: str) -> Getter | None:
        """A column never null, of a scalar that is no enum (a date, a moment): its value as
        the model holds it, serialized, in one step."""
        model = rows.model_at(self.model, path)
        leaf = get_nullable_type(field_type)
        if model._meta.fields_map[name].null or not is_leaf_type(leaf):
            return None
        if isinstance(leaf, CustomGraphQLEnumType) or leaf.name in _PASSTHROUGH:
            return None
        i = self.column(path, name)
        convert = rows.converter(model, model._meta.fields_db_projection[name], self.at)
        serialize = leaf.serialize

        def get(row: Row) -> Any:
            value = row[i] if convert is None else convert(row[i])
            done = serialize(value)
            if done is None or done is Undefined:
                raise _Misfit
            return done

        return get

    def direct(self, field_type: GraphQLOutputType, path: str, name: str) -> Getter | None:
        """The column's value as it comes, where graphql-core would return it unchanged: a
        string, 32-bit integer or boolean the driver gives as such, never null unless the
        field may be; an enum by its stored value."""
        model = rows.model_at(self.model, path)
        model_field = model._meta.fields_map[name]
        column = model._meta.fields_db_projection[name]
        leaf = get_nullable_type(field_type)
        i = self.column(path, name)
        if model_field.null and is_non_null_type(field_type):
            return None
        if isinstance(leaf, CustomGraphQLEnumType) and isinstance(model_field, _ENUMS):
            names, cls = enum_names(leaf), leaf.wrapped_cls
            if model_field.enum_type is not cls:
                return None
            # A stored value that is no member raises here: the ordinary way then reports it.
            by_value: dict[Any, str | None] = {member.value: names[member] for member in cls}
            if model_field.null:
                by_value[None] = None
            return lambda row: by_value[row[i]]
        if rows.converter(model, column, self.at) is not None or not is_leaf_type(leaf):
            return None
        same = _PASSTHROUGH.get(leaf.name)
        if same is None or model_field.field_type is not same:
            return None
        if same is int and not isinstance(model_field, (fields.IntField, fields.SmallIntField)):
            return None
        if isinstance(model_field, fields.BigIntField):
            return None
        return itemgetter(i)

    def pupil(
        self, pupil_type: GraphQLObjectType, group: list[FieldDetails], path: str, required: bool
    ) -> Getter:
        """A pupil as the caller may see her: prao.pupil_view tells what kind of reader the
        caller is for her and what that reader is shown; the rest of her fields are null."""
        pk = self.column(path, "id")
        school_id = self.column(path, "school_id")
        protected = self.converted(path, "security_marking")
        school_path = f"{path}__school"
        school_pk = self.column(school_path, "id")
        organiser = self.column(school_path, "organiser_id")
        facts = self.reader(path, PUPIL_FACTS)
        school_facts = self.reader(school_path, SCHOOL_FACTS)
        getters: list[tuple[str, Callable[[frozenset[str], Row], Any]]] = []
        for key, inner in self.collect(pupil_type, group).items():
            getters.append((key, self.pupil_field(pupil_type, inner, path, school_path)))

        def view(reader: policy.Reader, row: Row) -> Callable[[], PupilView]:
            def made() -> PupilView:
                school = None if row[school_pk] is None else _SchoolFacts(school_facts(row))
                return policy.view_as(reader, _PupilFacts(facts(row)), school)

            return made

        def build(row: Row) -> dict[str, Any] | None:
            pupil_id = row[pk]
            if pupil_id is None:
                if required:
                    raise _Misfit
                return None
            req = _REQUEST.get()
            sees = req.shown.get(pupil_id)
            if sees is None:
                school = None if row[school_pk] is None else _School(row[organiser])
                reader = policy.reader_of(req.actor, _Pupil(pupil_id, row[school_id]), school)
                sees = req.shown[pupil_id] = policy.shown(reader, protected(row))
                req.views[pupil_id] = view(reader, row)
            return {key: get(sees, row) for key, get in getters}

        return build

    def reader(self, path: str, names: Sequence[str]) -> Callable[[Row], list[Any]]:
        """Model fields' values at `path`, as the model holds them, in the order named."""
        model = rows.model_at(self.model, path)
        projection = model._meta.fields_db_projection
        indexes = [self.column(path, name) for name in names]
        native = itemgetter(*indexes) if len(indexes) > 1 else lambda row: (row[indexes[0]],)
        fixes = [
            (at, convert)
            for at, name in enumerate(names)
            if (convert := rows.converter(model, projection[name], self.at)) is not None
        ]

        def read(row: Row) -> list[Any]:
            values = list(native(row))
            for at, convert in fixes:
                values[at] = convert(values[at])
            return values

        return read

    def pupil_field(
        self, pupil_type: GraphQLObjectType, group: list[FieldDetails], path: str, school: str
    ) -> Callable[[frozenset[str], Row], Any]:
        name = group[0].node.name.value
        if name == TYPENAME:
            return lambda sees, row: PUPIL_TYPE
        field_def = pupil_type.fields.get(name)
        if field_def is None or field_def.args:
            raise NotCovered(name)
        definition = field_def.extensions.get(BACKREF)
        if node_id_attribute(pupil_type, definition) == "id":
            pk, encode = self.column(path, "id"), ids.encoder(PUPIL_TYPE)
            return lambda sees, row: encode(row[pk])
        attribute = plain_attribute(definition)
        if attribute == "first_name":  # every reader sees it
            first_name = self.leaf(field_def.type, Column((attribute,)), path)
            return lambda sees, row: first_name(row)
        if attribute == "erased":  # so does whether she is erased (a tombstone)
            erased = self.leaf(field_def.type, Column(("erased_at",), _is_set), path)
            return lambda sees, row: erased(row)
        if attribute is not None and attribute in PUPIL_FIELDS:
            get = self.leaf(field_def.type, Column((attribute,)), path)
            if is_non_null_type(field_def.type):
                raise NotCovered(name)
            return lambda sees, row: get(row) if attribute in sees else None
        if batch(definition) == ("school", "school_id"):
            if is_non_null_type(field_def.type):
                raise NotCovered(name)
            build = self.object(get_nullable_type(field_def.type), group, school, required=False)
            # The school where the reader is shown it (it is the one joined).
            return lambda sees, row: build(row) if "school" in sees else None
        raise NotCovered(name)


def _constant(value: str) -> Callable[..., str]:
    return lambda *_: value


def _constant_getter(value: str) -> Getter:
    return lambda row: value


def _nodes(build: Getter) -> Part:
    def nodes(found: list[Row], page: RowsPage, until: datetime | None, req: _Request) -> Any:
        return [build(row) for row in found]

    return nodes


def _synced_until(field_type: GraphQLOutputType) -> Part:
    complete = _complete(field_type, lambda until: until)

    def synced_until(found: list[Row], page: RowsPage, until: datetime | None, r: _Request) -> Any:
        return complete(until)

    return synced_until


# Plans are made once per field of a query text (and per value of its Boolean variables, the
# only ones @skip and @include can read, or null, which they refuse), like graphql-core's own
# plans of a list field.
_PLANS: dict[Hashable, tuple[list[Any], PagePlan | None]] = {}
MAX_PLANS = 512


def plan(info: Info, order: Order, model: type[Model]) -> PagePlan | None:
    """How to answer this connection field from its rows; None: the ordinary way."""
    raw = info._raw_info
    variables: Any = raw.variable_values
    coerced = variables.coerced if isinstance(variables, VariableValues) else variables
    switches = tuple(sorted((k, v) for k, v in coerced.items() if v is None or type(v) is bool))
    # The zone the ORM reads datetimes in is fixed when it starts, but is read here all the same.
    key = (id(raw.schema), tuple(id(n) for n in raw.field_nodes), order, switches, rows.zone())
    kept = [raw.schema, *raw.field_nodes]
    found = _PLANS.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], kept, strict=True)):
        return found[1]
    made: PagePlan | None
    try:
        connection = get_nullable_type(raw.return_type)
        if not is_object_type(connection):
            raise NotCovered(str(connection))
        made = _Compiler(info, order, model).page(connection)
    except (NotCovered, GraphQLError, KeyError, AttributeError):
        made = None
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.clear()
    _PLANS[key] = (kept, made)
    return made


async def answer(
    info: Info,
    queryset: QuerySet[Any],
    args: PageArgs,
    updated_since: datetime | None,
    shape: Hashable,
) -> Completed | None:
    """The connection's completed value straight from its rows, where the executor takes one
    and the selection is covered; None: answer it the ordinary way (api.connections)."""
    context = info.context
    if not context.fast_path.completes or not rows.covered(queryset):
        return None
    order = Order.ID if updated_since is None else Order.UPDATED
    found = plan(info, order, queryset.model)
    if found is None:
        return None
    chosen = window(args, order)  # a bad size or cursor: the same error as the ordinary way
    synced_until = None
    bounds = None
    if updated_since is not None:
        synced_until = await sync.horizon()
        bounds = (updated_since, synced_until)
    page = await keyset_rows(
        queryset, order, chosen, updated=bounds, shape=shape, columns=found.columns
    )
    if page is None:
        return None
    req = _Request(context.actor)
    token = _REQUEST.set(req)
    try:
        value = found.build(page, synced_until, req)
    except Exception:  # noqa: BLE001 - the ordinary way completes (and reports) it
        context.fast_path.fallbacks += 1
        return None
    finally:
        _REQUEST.reset(token)
    if req.views:
        # One audit event for the page's pupils, as the pupil loader writes it.
        await policy.audit_read(context.actor, len(req.views), purpose="graphql", source="nested")
        context.loaders.pupils_seen(req.views)
    context.fast_path.pages += 1
    return Completed(value)
