"""GraphQL submitWishes: the pupil's list replaced whole; refusals are typed payload errors."""

from __future__ import annotations

from typing import Any

import pytest

from prao.errors import ErrorCode
from prao.models import PeriodMode, Wish
from tests import factories
from tests.callers import gid
from tests.factories import World

# The codes only submitWishes returns; tests/api/test_mutations.py checks every code is reached.
WISH_CODES = {ErrorCode.TOO_MANY_WISHES, ErrorCode.DUPLICATE}

SUBMIT = """
mutation($input: SubmitWishesInput!) {
  submitWishes(input: $input) {
    wishes { rank slot { id title } }
    errors { code field message }
  }
}
"""


@pytest.fixture
async def period(world: World):
    return await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=2)


async def submit(caller, period_id: str, slot_ids: list[str]) -> dict[str, Any]:
    data = await caller.data(SUBMIT, {"input": {"periodId": period_id, "slotIds": slot_ids}})
    submitted: dict[str, Any] = data["submitWishes"]
    return submitted


async def test_pupil_submits_and_replaces_her_wishes(world: World, period, as_user) -> None:
    second = await factories.slot(world.employer, title="Kock")
    alva = await as_user(world.pupil_a_user)
    result = await submit(
        alva, gid("Period", period.id), [gid("Slot", second.id), gid("Slot", world.slot.id)]
    )
    assert result["errors"] == []
    assert result["wishes"] == [
        {"rank": 1, "slot": {"id": gid("Slot", second.id), "title": "Kock"}},
        {"rank": 2, "slot": {"id": gid("Slot", world.slot.id), "title": "Bagare"}},
    ]
    again = await submit(alva, gid("Period", period.id), [gid("Slot", world.slot.id)])
    assert [w["rank"] for w in again["wishes"]] == [1]
    assert await Wish.filter(pupil_id=world.pupil_a.id).values_list("rank", "slot_id") == [
        (1, world.slot.id)
    ]


async def test_refusals_are_typed_and_change_nothing(world: World, period, as_user) -> None:
    alva = await as_user(world.pupil_a_user)
    three = [gid("Slot", (await factories.slot(world.employer)).id) for _ in range(3)]
    cases = [
        (gid("Period", period.id), three, "TOO_MANY_WISHES", "slotIds"),
        (gid("Period", period.id), [three[0], three[0]], "DUPLICATE", "slotIds"),
        (gid("Period", period.id), [gid("Slot", world.slot_b_only.id)], "NOT_FOUND", "slotIds"),
        (gid("Period", period.id), ["bm9wZQ=="], "INVALID", "slotIds"),
        (gid("Slot", period.id), [three[0]], "NOT_FOUND", "periodId"),
        (gid("Period", world.period_a.id), [three[0]], "INVALID", "periodId"),
        (gid("Period", world.period_b.id), [three[0]], "NOT_FOUND", "periodId"),
    ]
    for period_id, slot_ids, code, field in cases:
        result = await submit(alva, period_id, slot_ids)
        assert result["wishes"] is None
        assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)], (
            code,
            result,
        )
        assert result["errors"][0]["message"]
    assert await Wish.all().count() == 0
    assert {c.value for c in WISH_CODES} <= {code for _, _, code, _ in cases}


async def test_only_the_pupil_herself(world: World, period, as_user, as_token, anonymous) -> None:
    callers = [
        await as_user(world.coordinator_a),
        await as_user(world.employer_user),
        await as_token(world.school_a),
        anonymous,
    ]
    for caller in callers:
        result = await submit(caller, gid("Period", period.id), [gid("Slot", world.slot.id)])
        assert result["wishes"] is None
        assert result["errors"][0]["code"] in ("FORBIDDEN",), result
    assert await Wish.all().count() == 0
