"""Bad argument values over GraphQL: a typed INVALID with its field for mutations (nothing
written), an empty list for a filter no stored value can match; never an internal error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prao.models import Period, Pupil, Slot
from tests.api.test_coordinator import CREATE as CREATE_PERIOD
from tests.api.test_coordinator import period_input
from tests.api.test_employer import CREATE as CREATE_SLOT
from tests.api.test_employer import slot_input
from tests.api.test_upsert_pupils import READ_WRITE, THREE, UPSERT, refused, variables
from tests.callers import Caller
from tests.factories import World

OUT_OF_RANGE = "Ange ett datum mellan 2000-01-01 och 2100-12-31."
BAD_CHARACTERS = "Texten innehåller tecken som inte går att spara."


def errors_of(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["code"], e["field"], e["message"]) for e in payload["errors"]]


@pytest.mark.parametrize(
    ("filter_", "query"),
    [
        ({"trade": "x" * 101}, "slots"),
        ({"city": "Varberg\x00"}, "slots"),
        ({"text": "a" * 300 + "@example.se"}, "slots"),
        ({"className": "x" * 21}, "pupils"),
        ({"className": "8A\x00"}, "pupils"),
        ({"text": "x" * 150}, "pupils"),
    ],
)
async def test_a_filter_no_column_can_hold_lists_nothing(
    world: World, as_token: Any, filter_: dict[str, str], query: str
) -> None:
    api: Caller = await as_token(world.school_a)
    document = (
        f"query($f: {query[:-1].capitalize()}Filter) "
        f"{{ {query}(filter: $f) {{ totalCount edges {{ node {{ id }} }} }} }}"
    )
    data = await api.data(document, {"f": filter_})
    assert data[query] == {"totalCount": 0, "edges": []}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bookingOpensAt": "0001-01-01T00:00:00"}, "bookingOpensAt"),
        ({"bookingOpensAt": "0001-01-01T00:00:00+14:00"}, "bookingOpensAt"),
        ({"cancelDeadline": "9999-12-31T23:59:59-12:00"}, "cancelDeadline"),
        ({"startDate": "1999-12-31"}, "startDate"),
        ({"endDate": "9999-12-31"}, "endDate"),
    ],
)
async def test_a_period_outside_2000_to_2100_is_invalid_and_not_saved(
    world: World, as_user: Any, changes: dict[str, str], field: str
) -> None:
    coordinator: Caller = await as_user(world.coordinator_a)
    before = await Period.all().count()
    data = await coordinator.data(
        CREATE_PERIOD, {"input": period_input(world.school_a.id, **changes)}
    )
    assert ("INVALID", field, OUT_OF_RANGE) in errors_of(data["createPeriod"])
    assert data["createPeriod"]["period"] is None
    assert await Period.all().count() == before


async def test_a_period_name_with_nul_is_invalid(world: World, as_user: Any) -> None:
    coordinator: Caller = await as_user(world.coordinator_a)
    before = await Period.all().count()
    data = await coordinator.data(
        CREATE_PERIOD, {"input": period_input(world.school_a.id, name="Prao\x00")}
    )
    assert errors_of(data["createPeriod"]) == [("INVALID", "name", BAD_CHARACTERS)]
    assert await Period.all().count() == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": "Bagare\x00"}, [("INVALID", "title", BAD_CHARACTERS)]),
        ({"city": "Var\ud800berg"}, [("INVALID", "city", BAD_CHARACTERS)]),
        ({"startDate": "0001-01-01"}, [("INVALID", "startDate", OUT_OF_RANGE)]),
        ({"endDate": "9999-12-31"}, [("INVALID", "endDate", OUT_OF_RANGE)]),
    ],
)
async def test_a_slot_with_unstorable_text_or_a_far_date_is_invalid(
    world: World, as_user: Any, changes: dict[str, str], expected: list[tuple[str, str, str]]
) -> None:
    employer: Caller = await as_user(world.employer_user)
    before = await Slot.all().count()
    # Serialised with ensure_ascii, so a lone surrogate travels as a \ud800 escape.
    body = json.dumps({"query": CREATE_SLOT, "variables": {"input": slot_input(**changes)}})
    headers = {**employer.headers, "content-type": "application/json"}
    answer = await employer.client.post("/graphql", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert errors_of(answer.json()["data"]["createSlot"]) == expected
    assert await Slot.all().count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"externalId": "x" * 101}, "externalId"), ({"email": "a" * 300 + "@example.se"}, "email")],
)
async def test_an_upserted_value_longer_than_its_column_is_a_row_error(
    world: World, as_token: Any, changes: dict[str, str], field: str
) -> None:
    api: Caller = await as_token(world.school_a, permissions=READ_WRITE)
    before = await Pupil.all().count()
    payload = await api.data(UPSERT, variables(world.school_a.id, [{**THREE[0], **changes}]))
    assert refused(payload["upsertPupils"]) == [(0, field, "INVALID")]
    assert await Pupil.all().count() == before
