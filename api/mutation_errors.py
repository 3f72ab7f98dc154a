"""The typed errors of mutation payloads, said once: their shape, how a domain error's field becomes
the input field a client sent, and how a global id becomes a primary key or such an error.

Each payload's published error type (BookingError, EmployerError, …) is a subclass of
MutationError, so the schema keeps its names while the conversion lives here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Self, TypeVar

import strawberry
from strawberry.types.base import get_object_definition

from api import ids
from api.types import ErrorCode
from prao.errors import DomainError

BAD_ID = "Ogiltigt id."

# Domain words whose input field is not simply their camelCase (none today; a test checks that
# each names an input field of the schema). Every other word is camelCased: `slot_id` → `slotId`.
INPUT_FIELDS: dict[str, str] = {}
_SNAKE = re.compile(r"_([a-z0-9])")

E = TypeVar("E", bound="MutationError")


def input_field(domain_field: str | None) -> str | None:
    """The GraphQL input field a domain error's field names: `school_id` → `schoolId`."""
    if domain_field is None:
        return None
    found = INPUT_FIELDS.get(domain_field)
    if found is not None:
        return found
    return _SNAKE.sub(lambda m: m.group(1).upper(), domain_field)


@strawberry.type
class MutationError:
    code: ErrorCode
    field: str | None = strawberry.field(description="The input field the error is about.")
    message: str = strawberry.field(description="Swedish, ready to show to the person.")

    @classmethod
    def from_domain(cls, error: DomainError) -> Self:
        field = input_field(error.field)
        return cls(code=ErrorCode(error.code), field=field, message=error.message)

    @classmethod
    def all_from(cls, errors: Iterable[DomainError]) -> list[Self]:
        return [cls.from_domain(e) for e in errors]


def listed_in_order(*names: str) -> Callable[[type[E]], type[E]]:
    """For an error type whose published fields come in another order than the base's (a
    subclass's own fields otherwise come last): lists them in the order given."""

    def reorder(cls: type[E]) -> type[E]:
        definition = get_object_definition(cls, strict=True)
        by_name = {f.python_name: f for f in definition.fields}
        if set(by_name) != set(names):
            raise TypeError(f"{cls.__name__} has the fields {sorted(by_name)}, not {names}")
        definition.fields = [by_name[name] for name in names]
        return cls

    return reorder


def pk_of(value: strawberry.ID, type_name: str, field: str) -> int | DomainError:
    """The primary key in a global id of `type_name`: a value that is not one of our ids is
    INVALID, one of ours naming another type names no such object (NOT_FOUND), on `field`."""
    decoded = ids.decode(value)
    if decoded is None:
        return DomainError.of(ErrorCode.INVALID, field, BAD_ID)
    if decoded[0] != type_name:
        return DomainError.of(ErrorCode.NOT_FOUND, field)
    return decoded[1]


def pks_of(values: Iterable[strawberry.ID], type_name: str, field: str) -> list[int] | DomainError:
    """Every id's primary key, or the first refusal, as pk_of decides."""
    pks: list[int] = []
    for value in values:
        pk = pk_of(value, type_name, field)
        if isinstance(pk, DomainError):
            return pk
        pks.append(pk)
    return pks
