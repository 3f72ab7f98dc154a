"""The fast path's plans: how each field of a list's objects is read (api.execution runs them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLString,
)
from graphql.execution.collect_fields import FieldDetails
from strawberry import relay
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from api.batched import loaded_by

BACKREF = "strawberry-definition"
TYPENAME = "__typename"

FieldDetailsList = list[FieldDetails]
# The executor passes the request's context through without reading it.
ResolveInfo = GraphQLResolveInfo[Any]
# graphql-core's String, Boolean and ID return a str or bool of exactly that type unchanged; Int
# an int of exactly that type within the 32-bit range (api.execution checks the range).
PASSTHROUGH: dict[str, type] = {
    GraphQLString.name: str,
    GraphQLBoolean.name: bool,
    GraphQLID.name: str,
    GraphQLInt.name: int,
}
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Completed:
    """A field's value already completed for its selection (api.row_pages makes them): the
    executor puts it in the response as it is."""

    value: Any


class Source(Enum):
    TYPENAME = "typename"
    ATTRIBUTE = "attribute"
    NODE_ID = "node_id"
    BATCH = "batch"
    RESOLVER = "resolver"


READ_ONLY = frozenset({Source.TYPENAME, Source.ATTRIBUTE, Source.NODE_ID})


@dataclass
class Completion:
    """How one column's values become response values."""

    non_null: bool
    serialize: Callable[[Any], Any] | None = None  # leaf
    passthrough: type | None = None  # leaf values of exactly this type serialize to themselves
    names: dict[Any, str] | None = None  # an enum's members of exactly `passthrough`, by name
    plan: ObjectPlan | None = None  # object
    item: Completion | None = None  # list

    @property
    def reads_only(self) -> bool:
        if self.plan is not None:
            return self.plan.reads_only
        return self.item is None or self.item.reads_only


_ENUM_NAMES: dict[int, tuple[CustomGraphQLEnumType, dict[Any, str]]] = {}


def enum_names(enum_type: CustomGraphQLEnumType) -> dict[Any, str]:
    """Each member of a Strawberry enum's Python class by the name it serializes to, as
    CustomGraphQLEnumType.serialize finds it (the first name with an equal value)."""
    found = _ENUM_NAMES.get(id(enum_type))
    if found is None or found[0] is not enum_type:
        names: dict[Any, str] = {}
        members: list[Any] = list(enum_type.wrapped_cls)
        for member in members:
            for name, value in enum_type.values.items():
                if member.value == value.value:
                    names[member] = name
                    break
        found = _ENUM_NAMES[id(enum_type)] = (enum_type, names)
    return found[1]


@dataclass
class FieldPlan:
    key: str
    source: Source
    completion: Completion | None = None
    attribute: str = ""
    resolve: Callable[..., Any] | None = None
    info: ResolveInfo | None = None
    args: dict[str, Any] = field(default_factory=dict)
    loader: str = ""


@dataclass
class ObjectPlan:
    type_name: str
    fields: list[FieldPlan]
    is_type_of: Callable[[Any, Any], Any] | None

    @cached_property
    def reads_only(self) -> bool:
        """Every field, down to the leaves, is a type name, an attribute or a node id: the
        object completes without calling anything that could wait (api.execution's single
        objects)."""
        return all(
            f.source in READ_ONLY and (f.completion is None or f.completion.reads_only)
            for f in self.fields
        )


def _is_plain(definition: Any) -> bool:
    """A Strawberry field without field extensions or permissions, which the fast path may read
    without going through its resolver."""
    return (
        isinstance(definition, StrawberryField)
        and not definition.extensions
        and not getattr(definition, "permission_classes", None)
    )


def plain_attribute(definition: Any) -> str | None:
    """The Python attribute behind a field with no resolver, extensions or permissions."""
    if not _is_plain(definition) or definition.base_resolver is not None:
        return None
    name: str = definition.python_name
    return name


def batch(definition: Any) -> tuple[str, str] | None:
    """(loader, key) of a field declared with api.batched.loaded."""
    return loaded_by(definition.metadata) if _is_plain(definition) else None


def node_id_attribute(object_type: GraphQLObjectType, definition: Any) -> str | None:
    """The id attribute of a relay Node whose id and type name are resolved the default way."""
    if not isinstance(definition, StrawberryField) or definition.python_name != "_id":
        return None
    type_def = object_type.extensions.get(BACKREF)
    if not isinstance(type_def, StrawberryObjectDefinition):
        return None
    origin = type_def.origin
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    default = relay.Node
    if (
        origin.resolve_id.__func__ is not default.resolve_id.__func__  # type: ignore[attr-defined]
        or origin.resolve_typename.__func__  # type: ignore[attr-defined]
        is not default.resolve_typename.__func__  # type: ignore[attr-defined]
    ):
        return None
    attribute: str = origin.resolve_id_attr()
    return attribute
