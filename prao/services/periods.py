"""Prao periods: a coordinator opens and edits the weeks a year group of her school is out."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any

from prao import audit, policy
from prao.actor import Actor
from prao.config import TIMEZONE
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import AllocationPolicy, Period, PeriodMode, Role
from prao.validation import (
    DAY_OUT_OF_RANGE,
    character_errors,
    clean_text,
    day_problem,
    moment_in_range,
    valid_id,
)

MAX_NAME_LENGTH = 200
MIN_YEAR_GROUP, MAX_YEAR_GROUP = 1, 10
MIN_WISHES, MAX_WISHES = 1, 10
DEFAULT_WISHES = 5


@dataclass
class PeriodDraft:
    """A period as typed in: every value may be missing or wrong until validated."""

    name: str = ""
    year_group: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    booking_opens_at: datetime | None = None
    booking_closes_at: datetime | None = None
    cancel_deadline: datetime | None = None
    mode: PeriodMode = PeriodMode.FIRST_COME
    max_wishes: int | None = DEFAULT_WISHES
    allocation_policy: AllocationPolicy = AllocationPolicy.CONVEX

    @classmethod
    def of(cls, period: Period) -> PeriodDraft:
        return cls(**{f.name: getattr(period, f.name) for f in fields(cls)})


def _err(field: str, message: str) -> DomainError:
    return DomainError.of(ErrorCode.INVALID, field, message)


def _date(value: str, field: str, label: str, errors: list[DomainError]) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(_err(field, f"{label}: skriv datumet som ÅÅÅÅ-MM-DD."))
        return None


def _moment(value: str, field: str, label: str, errors: list[DomainError]) -> datetime | None:
    """A local date and time ("2026-03-09T08:00" or "2026-03-09 08:00"); a bare date is 00:00."""
    text = value.strip().replace(" ", "T")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors.append(_err(field, f"{label}: skriv tiden som ÅÅÅÅ-MM-DD TT:MM."))
        return None
    return moment.replace(tzinfo=TIMEZONE) if moment.tzinfo is None else moment


def _int(value: str, field: str, label: str, errors: list[DomainError]) -> int | None:
    text = value.strip()
    if not text.isdigit() or len(text) > 3:
        errors.append(_err(field, f"{label}: skriv ett heltal."))
        return None
    return int(text)


def draft_from_text(values: dict[str, str]) -> tuple[PeriodDraft, list[DomainError]]:
    """Parse a form's text fields; the errors name the field that could not be read."""
    errors: list[DomainError] = []
    get = values.get
    draft = PeriodDraft(name=get("name", ""))
    draft.year_group = _int(get("year_group", ""), "year_group", "Årskurs", errors)
    draft.start_date = _date(get("start_date", ""), "start_date", "Första dag", errors)
    draft.end_date = _date(get("end_date", ""), "end_date", "Sista dag", errors)
    for attr, field, label in (
        ("booking_opens_at", "booking_opens_at", "Bokningen öppnar"),
        ("booking_closes_at", "booking_closes_at", "Bokningen stänger"),
        ("cancel_deadline", "cancel_deadline", "Sista avbokning"),
    ):
        setattr(draft, attr, _moment(get(attr, ""), field, label, errors))
    try:
        draft.mode = PeriodMode(get("mode", PeriodMode.FIRST_COME))
    except ValueError:
        errors.append(_err("mode", "Välj hur platserna fördelas."))
    draft.max_wishes = _int(get("max_wishes", str(DEFAULT_WISHES)), "max_wishes", "Antal", errors)
    try:
        draft.allocation_policy = AllocationPolicy(get("allocation_policy", "convex"))
    except ValueError:
        errors.append(_err("allocation_policy", "Välj en fördelningsprincip."))
    return draft, errors


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TIMEZONE)


def validate(draft: PeriodDraft) -> list[DomainError]:
    """Every rule on a period, each error beside the field a person would correct."""
    errors = character_errors({"name": draft.name})
    draft.name = clean_text(draft.name)
    if errors:
        pass  # the name is refused as typed; its other rules would only repeat it
    elif not draft.name:
        errors.append(_err("name", "Ge perioden ett namn."))
    elif len(draft.name) > MAX_NAME_LENGTH:
        errors.append(_err("name", "Namnet är för långt (högst 200 tecken)."))
    errors += _date_errors(draft) + _window_errors(draft)
    if draft.max_wishes is None or not MIN_WISHES <= draft.max_wishes <= MAX_WISHES:
        errors.append(_err("max_wishes", "Antalet önskemål ska vara mellan 1 och 10."))
    return errors


def _date_errors(draft: PeriodDraft) -> list[DomainError]:
    errors: list[DomainError] = []
    if draft.year_group is None or not MIN_YEAR_GROUP <= draft.year_group <= MAX_YEAR_GROUP:
        errors.append(_err("year_group", "Årskursen ska vara mellan 1 och 10."))
    if draft.start_date is None:
        errors.append(_err("start_date", "Ange periodens första dag."))
    if draft.end_date is None:
        errors.append(_err("end_date", "Ange periodens sista dag."))
    elif draft.start_date is not None and draft.end_date < draft.start_date:
        errors.append(_err("end_date", "Sista dagen kan inte vara före den första."))
    for day, field in ((draft.start_date, "start_date"), (draft.end_date, "end_date")):
        if problem := day_problem(day):
            errors.append(_err(field, problem))
    return errors


def _window_errors(draft: PeriodDraft) -> list[DomainError]:
    errors: list[DomainError] = []
    opens, closes, deadline = draft.booking_opens_at, draft.booking_closes_at, draft.cancel_deadline
    for value, field, what in (
        (opens, "booking_opens_at", "när bokningen öppnar"),
        (closes, "booking_closes_at", "när bokningen stänger"),
        (deadline, "cancel_deadline", "sista avbokningsdag"),
    ):
        if value is None:
            errors.append(_err(field, f"Ange {what}."))
        elif not moment_in_range(value):
            errors.append(_err(field, DAY_OUT_OF_RANGE))
    # Out of range is said once; comparing such a moment could overflow.
    opens, closes, deadline = (m if moment_in_range(m) else None for m in (opens, closes, deadline))
    start = draft.start_date if day_problem(draft.start_date) is None else None
    if opens and closes and closes <= opens:
        errors.append(_err("booking_closes_at", "Bokningen måste stänga efter att den öppnat."))
    if closes and start and closes > _midnight(start):
        errors.append(
            _err("booking_closes_at", "Bokningen måste stänga senast när perioden börjar.")
        )
    if deadline and start and deadline > _midnight(start):
        errors.append(
            _err("cancel_deadline", "Sista avbokningsdag måste vara innan perioden börjar.")
        )
    if deadline and opens and deadline < opens:
        errors.append(_err("cancel_deadline", "Sista avbokningsdag kan inte vara före öppningen."))
    return errors


def may_manage(actor: Actor) -> bool:
    """A coordinator (or an admin attached to a school) manages her own school's periods."""
    return (
        actor.kind == "user"
        and actor.role in (Role.COORDINATOR, Role.ADMIN)
        and actor.school_id is not None
    )


def may_plan(actor: Actor) -> bool:
    """Coordinators, organiser admins and school-system tokens; which schools is up to policy."""
    return actor.is_school_staff


def as_local(moment: datetime | None) -> datetime | None:
    """A time given without an offset is Stockholm time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=TIMEZONE)


async def create_period(
    actor: Actor, draft: PeriodDraft, school_id: int | None = None
) -> Outcome[Period]:
    """A period for the actor's own school, or for school_id when she may plan for several."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not may_plan(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    wanted = school_id if school_id is not None else actor.school_id
    school = (
        await policy.schools(actor).get_or_none(id=wanted)
        if wanted is not None and valid_id(wanted)
        else None
    )
    if school is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "school_id", "Skolan finns inte.")
    errors = validate(draft)
    if errors:
        return Outcome(errors=errors)
    period = await Period.create(school_id=school.id, **_values(draft))
    await audit.record(actor, "create", "period", period_id=period.id)
    return Outcome(value=period)


async def update_period(actor: Actor, period_id: int, draft: PeriodDraft) -> Outcome[Period]:
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    period = await managed_period(actor, period_id)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    errors = validate(draft)
    if errors:
        return Outcome(errors=errors)
    period.update_from_dict(_values(draft))
    await period.save()
    await audit.record(actor, "update", "period", period_id=period.id)
    return Outcome(value=period)


def _values(draft: PeriodDraft) -> dict[str, Any]:
    return {f.name: getattr(draft, f.name) for f in fields(draft)}


async def managed_period(actor: Actor, period_id: int) -> Period | DomainError:
    """A period of a school she plans for (policy.periods); anything else does not exist."""
    if not may_plan(actor):
        return DomainError.of(ErrorCode.FORBIDDEN)
    period = await policy.periods(actor).get_or_none(id=period_id) if valid_id(period_id) else None
    if period is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "period_id", "Perioden finns inte.")
    return period


async def school_periods(actor: Actor) -> list[Period]:
    if not may_manage(actor):
        return []
    return await Period.filter(school_id=actor.school_id).order_by("-start_date", "-id")


def read_draft(values: dict[str, str]) -> tuple[PeriodDraft, list[DomainError]]:
    """Parse and validate form text: one error per field, the parse error where there is one."""
    draft, errors = draft_from_text(values)
    unreadable = {e.field for e in errors}
    return draft, errors + [e for e in validate(draft) if e.field not in unreadable]
