"""Every argument of every root field, read from the schema: each String, ID, Int, Date and
DateTime (at any depth of an input object or list) gets each hostile value while the rest are
valid-looking. No answer may be a server error or a masked internal error.

Each field is sent by the callers that reach its resolver with valid values (at most two), so
the hostile value meets the domain, not only a "forbidden"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from api.schema import schema
from prao import clock
from prao.models import AllocationPolicy, AllocationRun
from prao.services.booking import book_slot
from tests import hostile
from tests.assessments import submitted
from tests.callers import Caller
from tests.factories import World, prao_weeks

INTERNAL = "INTERNAL_SERVER_ERROR"
SELECTION_DEPTH = 3
CALLERS_PER_FIELD = 2
ID_TYPES = {
    "slot": "Slot",
    "pupil": "Pupil",
    "booking": "Booking",
    "period": "Period",
    "school": "School",
    "run": "AllocationRun",
    "assessment": "RiskAssessment",
}
TEXTS: dict[str, str | None] = {
    "after": None,
    "before": None,
    "daystartsat": "08:00",
    "dayendsat": "14:00",
    "externalid": "ext-ny-1",
}
Path = tuple[str | int, ...]


def strip(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def selection(t: GraphQLOutputType, depth: int = SELECTION_DEPTH) -> str:
    """Every leaf without required arguments, objects down to a few levels."""
    t = strip(t)
    if isinstance(t, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(t, GraphQLUnionType):
        return "{ __typename }"
    assert isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
    parts = ["__typename"]
    for name, f in t.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        inner = strip(f.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth > 1:
            parts.append(f"{name} {selection(f.type, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


@dataclass
class Valid:
    """Valid-looking values by argument name, for school A's objects."""

    pks: dict[str, int]

    def scalar(self, name: str, t: GraphQLScalarType) -> Any:
        key = name.lower()
        start, end = prao_weeks()
        now = clock.now()
        if t.name == "ID":
            for prefix, type_name in ID_TYPES.items():
                if key.startswith(prefix):
                    return hostile.gid(type_name, self.pks[prefix])
            return hostile.gid("Slot", self.pks["slot"])
        if t.name == "Int":
            return {"yeargroup": 8, "capacity": 2, "breakminutes": 30, "minage": 0}.get(key, 3)
        if t.name == "Date":
            return (end if "end" in key or "to" in key else start).isoformat()
        if t.name == "DateTime":
            days = {"bookingopensat": -1, "bookingclosesat": 20, "canceldeadline": 10}
            return (now + timedelta(days=days.get(key, -1))).replace(tzinfo=None).isoformat()
        if t.name == "Boolean":
            return key in ("dryrun", "visibletoall")
        if "mail" in key:
            return f"{key}@example.se"
        return TEXTS.get(key, "Bagare")

    def value(self, name: str, t: GraphQLInputType) -> Any:
        if isinstance(t, GraphQLNonNull):
            return self.value(name, t.of_type)
        if isinstance(t, GraphQLList):
            return [self.value(name, t.of_type)]
        if isinstance(t, GraphQLInputObjectType):
            return {n: self.value(n, f.type) for n, f in t.fields.items()}
        if isinstance(t, GraphQLEnumType):
            return next(iter(t.values))
        assert isinstance(t, GraphQLScalarType)
        return self.scalar(name, t)


def hostile_values(name: str, t: GraphQLScalarType) -> Iterator[tuple[str, Any]]:
    if t.name in ("String", "ID"):
        yield from hostile.TEXT.items()
        yield from hostile.JSON_ONLY_TEXT.items()
        if t.name == "ID":
            for prefix, type_name in ID_TYPES.items():
                if name.lower().startswith(prefix):
                    yield from hostile.global_ids(type_name).items()
    elif t.name == "Int":
        yield from hostile.INTS.items()
    elif t.name == "Date":
        yield from hostile.DATES.items()
    elif t.name == "DateTime":
        yield from hostile.DATETIMES.items()


def leaves(name: str, t: GraphQLInputType, path: Path) -> Iterator[tuple[Path, str, Any]]:
    """Every scalar position of an argument: its path in the value, its name, its type."""
    if isinstance(t, GraphQLNonNull):
        yield from leaves(name, t.of_type, path)
    elif isinstance(t, GraphQLList):
        yield from leaves(name, t.of_type, (*path, 0))
    elif isinstance(t, GraphQLInputObjectType):
        for n, f in t.fields.items():
            yield from leaves(n, f.type, (*path, n))
    elif isinstance(t, GraphQLScalarType):
        yield path, name, t


def put(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = list(value) if isinstance(value, list) else dict(value)
    copy[head] = put(value[head], rest, new)
    return copy


@dataclass
class Operation:
    kind: str
    name: str
    field: GraphQLField
    document: str = ""

    def __post_init__(self) -> None:
        args = self.field.args
        header = ", ".join(f"${n}: {a.type}" for n, a in args.items())
        call = ", ".join(f"{n}: ${n}" for n in args)
        self.document = (
            f"{self.kind} Sweep{f'({header})' if header else ''} "
            f"{{ {self.name}{f'({call})' if call else ''} {selection(self.field.type)} }}"
        )

    def baseline(self, valid: Valid) -> dict[str, Any]:
        """Required arguments only; optional ones are added when one of theirs is hostile."""
        return {
            n: valid.value(n, a.type)
            for n, a in self.field.args.items()
            if isinstance(a.type, GraphQLNonNull)
        }

    def variants(self, valid: Valid) -> Iterator[tuple[str, dict[str, Any]]]:
        base = self.baseline(valid)
        for arg_name, arg in self.field.args.items():
            arg_value = base.get(arg_name, valid.value(arg_name, arg.type))
            for path, name, t in leaves(arg_name, arg.type, ()):
                for label, bad in hostile_values(name, t):
                    where = ".".join(map(str, (arg_name, *path)))
                    yield f"{where}={label}", {**base, arg_name: put(arg_value, path, bad)}


def root_operations() -> list[Operation]:
    gql = schema._schema
    found = []
    for kind, root in (("query", gql.query_type), ("mutation", gql.mutation_type)):
        assert root is not None
        found += [Operation(kind, name, f) for name, f in root.fields.items()]
    return found


@dataclass
class Result:
    reached: bool
    failure: str | None


async def send(caller: Caller, op: Operation, variables: dict[str, Any]) -> Result:
    # Serialised here with ensure_ascii, so a lone surrogate travels as a \ud800 escape.
    body = json.dumps({"query": op.document, "variables": variables}).encode()
    headers = {**caller.headers, "content-type": "application/json"}
    response = await caller.client.post("/graphql", content=body, headers=headers)
    if response.status_code >= 500:
        return Result(False, f"HTTP {response.status_code}")
    payload = response.json()
    for error in payload.get("errors") or []:
        if (error.get("extensions") or {}).get("code") == INTERNAL:
            return Result(False, error.get("message", ""))
    data = (payload.get("data") or {}).get(op.name)
    codes = {e.get("code") for e in data.get("errors", [])} if isinstance(data, dict) else set()
    reached = not payload.get("errors") and "FORBIDDEN" not in codes
    return Result(reached, None)


async def _valid_pks(world: World) -> dict[str, int]:
    booking = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booking.value is not None
    run = await AllocationRun.create(
        period_id=world.period_a.id, seed=1, policy=AllocationPolicy.CONVEX, started_by="test"
    )
    assessment = await submitted(await world.actor(world.employer_user), world.slot)
    return {
        "assessment": assessment.id,
        "slot": world.slot.id,
        "pupil": world.pupil_a.id,
        "booking": booking.value.id,
        "period": world.period_a.id,
        "school": world.school_a.id,
        "run": run.id,
    }


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    unreached: list[str] = field(default_factory=list)


async def test_no_graphql_argument_answers_hostile_input_with_a_server_error(
    world: World, as_user: Any, as_token: Any
) -> None:
    valid = Valid(await _valid_pks(world))
    callers: dict[str, Caller] = {
        "token": await as_token(world.school_a),
        "coordinator": await as_user(world.coordinator_a),
        "employer": await as_user(world.employer_user),
        "pupil": await as_user(world.pupil_a_user),
        "admin": await as_user(world.admin),
    }
    report = Report()
    operations = root_operations()
    for op in operations:
        chosen: list[str] = []
        for who, caller in callers.items():
            result = await send(caller, op, op.baseline(valid))
            report.sent += 1
            if result.failure:
                report.failures.append(f"{who} {op.name} valid: {result.failure}")
            if result.reached and len(chosen) < CALLERS_PER_FIELD:
                chosen.append(who)
        if not chosen:
            report.unreached.append(op.name)
        for who in chosen:
            for label, variables in op.variants(valid):
                result = await send(callers[who], op, variables)
                report.sent += 1
                if result.failure:
                    report.failures.append(f"{who} {op.name} {label}: {result.failure}")
    assert not report.failures, f"{len(report.failures)} of {report.sent}:\n" + "\n".join(
        report.failures
    )
    # Every root field with arguments was swept past its door by someone.
    assert report.unreached == [], report.unreached
    assert len(operations) > 20 and report.sent > 1000, report.sent
