"""Periods: a coordinator creates and edits her own school's periods; every rule has its field."""

from __future__ import annotations

from datetime import timedelta

from prao.errors import ErrorCode
from prao.models import AuditEvent, Period, PeriodMode
from prao.services.periods import PeriodDraft, create_period, read_draft, update_period
from tests.factories import World, prao_weeks

FORM = {
    "name": "Prao åk 9",
    "year_group": "9",
    "start_date": "2031-03-03",
    "end_date": "2031-03-14",
    "booking_opens_at": "2031-01-10 08:00",
    "booking_closes_at": "2031-02-20 23:00",
    "cancel_deadline": "2031-02-24T12:00",
    "mode": "allocation",
    "max_wishes": "5",
    "allocation_policy": "convex",
}


def fields_of(errors) -> set[str]:
    return {e.field for e in errors}


async def test_coordinator_creates_an_allocation_period(world: World) -> None:
    draft, errors = read_draft(FORM)
    assert errors == []
    outcome = await create_period(await world.actor(world.coordinator_a), draft)
    assert outcome.ok and outcome.value is not None, outcome.errors
    period = await Period.get(id=outcome.value.id)
    assert period.school_id == world.school_a.id
    assert period.mode == PeriodMode.ALLOCATION
    assert period.year_group == 9
    assert period.max_wishes == 5
    assert period.booking_opens_at.hour in (7, 8)  # 08:00 Stockholm is 07:00 UTC in winter
    assert await AuditEvent.filter(action="create", object_type="period").count() == 1


async def test_default_number_of_wishes_is_five() -> None:
    draft, errors = read_draft({k: v for k, v in FORM.items() if k != "max_wishes"})
    assert errors == []
    assert draft.max_wishes == 5


async def test_each_broken_rule_is_reported_beside_its_field(world: World) -> None:
    cases = {
        "end_date": {"end_date": "2031-03-01"},
        "booking_closes_at": {"booking_closes_at": "2031-03-04 08:00"},
        "cancel_deadline": {"cancel_deadline": "2031-03-05 08:00"},
        "name": {"name": "  "},
        "year_group": {"year_group": "12"},
        "max_wishes": {"max_wishes": "0"},
        "start_date": {"start_date": "3 mars"},
        "booking_opens_at": {"booking_opens_at": "i morgon"},
        "mode": {"mode": "lottery"},
    }
    actor = await world.actor(world.coordinator_a)
    for field, change in cases.items():
        draft, errors = read_draft({**FORM, **change})
        assert field in fields_of(errors), (field, errors)
        assert all(e.code == ErrorCode.INVALID and e.message for e in errors)
    # A window that closes before it opens
    draft, errors = read_draft({**FORM, "booking_closes_at": "2031-01-09 08:00"})
    assert "booking_closes_at" in fields_of(errors)
    # The domain checks again, whatever the adapter did
    bad = PeriodDraft(**{**vars(read_draft(FORM)[0]), "end_date": None})
    outcome = await create_period(actor, bad)
    assert not outcome.ok and "end_date" in fields_of(outcome.errors)
    assert await Period.filter(school_id=world.school_a.id).count() == 1  # the factory's only


async def test_edit_own_period_and_not_another_schools(world: World) -> None:
    draft, _ = read_draft({**FORM, "name": "Ny rubrik"})
    mine = await update_period(await world.actor(world.coordinator_a), world.period_a.id, draft)
    assert mine.ok
    assert (await Period.get(id=world.period_a.id)).name == "Ny rubrik"
    theirs = await update_period(await world.actor(world.coordinator_a), world.period_b.id, draft)
    assert [e.code for e in theirs.errors] == [ErrorCode.NOT_FOUND]
    assert (await Period.get(id=world.period_b.id)).name != "Ny rubrik"


async def test_pupils_employers_and_tokens_may_not_create(world: World) -> None:
    start, end = prao_weeks()
    draft, _ = read_draft(
        {
            **FORM,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=4)).isoformat(),
        }
    )
    for user in (world.pupil_a_user, world.employer_user):
        outcome = await create_period(await world.actor(user), draft)
        assert [e.code for e in outcome.errors] == [ErrorCode.FORBIDDEN]
    assert await Period.all().count() == 2
