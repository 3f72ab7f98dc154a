"""Every mutation answers a bad global id the same way, and names fields as its input does.

The id positions are read from the schema: each ID in each mutation's input gets a value that is
not one of our ids (INVALID) and one of ours for another type (NOT_FOUND), while the rest of the
input is valid-looking. The answer is that one typed error on that input field, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType
from strawberry.types.base import get_object_definition

from api.mutation_errors import BAD_ID, INPUT_FIELDS, MutationError, input_field
from api.schema import schema
from prao.errors import MESSAGES, DomainError, ErrorCode
from tests.api.test_hostile_input import Valid, _valid_pks
from tests.callers import Caller, gid
from tests.factories import World

NOT_OURS = {
    "not base64": "nope!",
    "base64 without a type": "bm9wZQ==",
    "key out of range": gid("Slot", 2**31),
}
OTHER_TYPE = gid("Organiser", 1)  # never the type a mutation's input asks for
TAKING_IDS = {
    "bookSlot",
    "cancelBooking",
    "createSlot",
    "updateSlot",
    "publishSlot",
    "closeSlot",
    "decideBooking",
    "approveEmployer",
    "declineEmployer",
    "startAllocationRun",
    "applyAllocationRun",
    "submitWishes",
    "createPeriod",
    "updatePeriod",
    "placePupil",
    "sendUnplacedReminders",
    "upsertPupils",
}


def _strip(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def id_fields(mutation: str) -> Iterator[tuple[str, bool]]:
    """(input field, is a list) for each ID directly in the mutation's input."""
    input_type = _strip(schema._schema.mutation_type.fields[mutation].args["input"].type)  # type: ignore[union-attr]
    assert isinstance(input_type, GraphQLInputObjectType)
    for name, f in input_type.fields.items():
        inner = _strip(f.type)
        if isinstance(inner, GraphQLScalarType) and inner.name == "ID":
            nullable = f.type.of_type if isinstance(f.type, GraphQLNonNull) else f.type
            yield name, isinstance(nullable, GraphQLList)


def positions() -> list[tuple[str, str, bool]]:
    mutations = schema._schema.mutation_type.fields  # type: ignore[union-attr]
    return [(m, name, many) for m in mutations for name, many in id_fields(m)]


def document(mutation: str) -> str:
    field = schema._schema.mutation_type.fields[mutation]  # type: ignore[union-attr]
    input_type = field.args["input"].type
    return (
        f"mutation($input: {input_type}) {{ {mutation}(input: $input) "
        f"{{ errors {{ code field message }} }} }}"
    )


async def test_a_bad_id_is_the_same_typed_error_on_every_mutation(
    world: World, as_token: Any
) -> None:
    valid = Valid(await _valid_pks(world))
    api: Caller = await as_token(world.school_a)
    found: list[str] = []
    covered: set[str] = set()
    for mutation, name, many in positions():
        field = schema._schema.mutation_type.fields[mutation]  # type: ignore[union-attr]
        base = valid.value("input", field.args["input"].type)
        cases = [(label, value, "INVALID", BAD_ID) for label, value in NOT_OURS.items()]
        cases.append(("another type", OTHER_TYPE, "NOT_FOUND", MESSAGES[ErrorCode.NOT_FOUND]))
        for label, bad, code, message in cases:
            variables = {"input": {**base, name: [bad] if many else bad}}
            data = await api.data(document(mutation), variables)
            errors = [(e["code"], e["field"], e["message"]) for e in data[mutation]["errors"]]
            if errors != [(code, name, message)]:
                found.append(f"{mutation}.{name} {label}: {errors}")
        covered.add(mutation)
    assert not found, "\n".join(found)
    # Every mutation that takes an id was tried (a schema change cannot drop one silently).
    assert covered >= TAKING_IDS, sorted(TAKING_IDS - covered)


def test_every_mutation_error_type_is_a_mutation_error() -> None:
    """So every payload's errors come through MutationError.from_domain, and its field names."""
    mutations = schema._schema.mutation_type.fields  # type: ignore[union-attr]
    for name, f in mutations.items():
        payload = _strip(f.type)
        error_type = _strip(payload.fields["errors"].type)
        origin = error_type.extensions["strawberry-definition"].origin
        assert issubclass(origin, MutationError), (name, error_type.name)
        assert get_object_definition(origin, strict=True).name == error_type.name


@pytest.mark.parametrize(
    ("domain", "graphql"),
    [
        ("school_id", "schoolId"),
        ("pupil_id", "pupilId"),
        ("booking_opens_at", "bookingOpensAt"),
        ("slot_ids", "slotIds"),
        ("pupilId", "pupilId"),  # already the input's name
        ("name", "name"),
        (None, None),
    ],
)
def test_domain_fields_become_input_fields(domain: str | None, graphql: str | None) -> None:
    assert input_field(domain) == graphql


def _input_field_names() -> set[str]:
    names: set[str] = set()
    for t in schema._schema.type_map.values():
        if isinstance(t, GraphQLInputObjectType):
            names |= set(t.fields)
    for root in (schema._schema.query_type, schema._schema.mutation_type):
        for f in root.fields.values():  # type: ignore[union-attr]
            names |= set(f.args)
    return names


def test_every_exception_to_camel_case_names_an_input_field() -> None:
    known = _input_field_names()
    assert "schoolId" in known and "pupils" in known
    for domain, graphql in INPUT_FIELDS.items():
        assert graphql in known, (domain, graphql)
        assert input_field(domain) == graphql


def test_the_table_comes_before_camel_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(INPUT_FIELDS, "starts_minute", "dayStartsAt")
    assert input_field("starts_minute") == "dayStartsAt"
    error = MutationError.from_domain(DomainError.of(ErrorCode.INVALID, "starts_minute"))
    assert (error.code, error.field) == (ErrorCode.INVALID, "dayStartsAt")
