"""What an employer fills in for a slot, and every rule it must follow before it is stored:
each refusal names its field, so a form can show it beside that field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prao import working_hours
from prao.errors import DomainError, ErrorCode
from prao.models import School, Slot
from prao.validation import clean_text, dates_errors, valid_id

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_SHORT = 100
MAX_AGE = 18
MAX_CAPACITY = 1000


@dataclass
class SlotInput:
    """What an employer fills in: times as typed ("08:00"), an unreadable date as None."""

    title: str = ""
    description: str = ""
    tasks: str = ""
    trade: str = ""
    address: str = ""
    city: str = ""
    start_date: date | None = None
    end_date: date | None = None
    day_starts_at: str = "08:00"
    day_ends_at: str = "14:00"
    break_minutes: int = 30
    capacity: int = 1
    min_age: int = 0
    visible_to_all: bool = True
    school_ids: list[int] = field(default_factory=list)
    requires_approval: bool = False

    @classmethod
    def from_slot(cls, slot: Slot, school_ids: list[int]) -> SlotInput:
        return cls(
            title=slot.title,
            description=slot.description,
            tasks=slot.tasks,
            trade=slot.trade,
            address=slot.address,
            city=slot.city,
            start_date=slot.start_date,
            end_date=slot.end_date,
            day_starts_at=working_hours.clock_text(slot.starts_minute),
            day_ends_at=working_hours.clock_text(slot.ends_minute),
            break_minutes=slot.break_minutes,
            capacity=slot.capacity,
            min_age=slot.min_age,
            visible_to_all=slot.visible_to_all,
            school_ids=school_ids,
            requires_approval=slot.requires_approval,
        )


def _required(value: str, field: str, what: str, max_length: int) -> list[DomainError]:
    if not value:
        return [DomainError.of(ErrorCode.INVALID, field, f"Skriv {what}.")]
    if len(value) > max_length:
        return [DomainError.of(ErrorCode.INVALID, field, f"Högst {max_length} tecken.")]
    return []


def texts(data: SlotInput) -> dict[str, str]:
    """The typed text fields by their field names."""
    return {
        "title": data.title,
        "description": data.description,
        "tasks": data.tasks,
        "trade": data.trade,
        "address": data.address,
        "city": data.city,
        "day_starts_at": data.day_starts_at,
        "day_ends_at": data.day_ends_at,
    }


def clean(data: SlotInput) -> SlotInput:
    return SlotInput(
        title=clean_text(data.title),
        description=clean_text(data.description),
        tasks=clean_text(data.tasks),
        trade=clean_text(data.trade),
        address=clean_text(data.address),
        city=clean_text(data.city),
        start_date=data.start_date,
        end_date=data.end_date,
        day_starts_at=clean_text(data.day_starts_at),
        day_ends_at=clean_text(data.day_ends_at),
        break_minutes=data.break_minutes,
        capacity=data.capacity,
        min_age=data.min_age,
        visible_to_all=data.visible_to_all,
        school_ids=sorted(set(data.school_ids)),
        requires_approval=data.requires_approval,
    )


async def check(data: SlotInput, organiser_id: int, taken: int = 0) -> list[DomainError]:
    """Every rule a slot must follow, all at once so a form can show each beside its field."""
    errors = _required(data.title, "title", "en rubrik", MAX_TITLE)
    errors += _required(data.tasks, "tasks", "vad eleven ska göra", MAX_TEXT)
    errors += _required(data.address, "address", "adressen", MAX_TITLE)
    errors += _required(data.city, "city", "orten", MAX_SHORT)
    for value, name, limit in (
        (data.description, "description", MAX_TEXT),
        (data.trade, "trade", MAX_SHORT),
    ):
        if len(value) > limit:
            errors.append(DomainError.of(ErrorCode.INVALID, name, f"Högst {limit} tecken."))
    errors += dates_errors(data.start_date, data.end_date)
    starts = working_hours.parse_clock(data.day_starts_at)
    ends = working_hours.parse_clock(data.day_ends_at)
    for minutes, name in ((starts, "day_starts_at"), (ends, "day_ends_at")):
        if minutes is None:
            errors.append(
                DomainError.of(
                    ErrorCode.INVALID, name, "Skriv tiden som TT:MM, till exempel 08:30."
                )
            )
    if starts is not None and ends is not None:
        errors += working_hours.hours_errors(starts, ends, data.break_minutes)
    if data.capacity > MAX_CAPACITY:
        errors.append(DomainError.of(ErrorCode.INVALID, "capacity", f"Högst {MAX_CAPACITY}."))
    else:
        errors += capacity_errors(data.capacity, taken)
    if not 0 <= data.min_age <= MAX_AGE:
        errors.append(
            DomainError.of(ErrorCode.INVALID, "min_age", f"Ange en ålder från 0 till {MAX_AGE}.")
        )
    if not data.visible_to_all:
        listed = [i for i in data.school_ids if valid_id(i)]
        known = await School.filter(id__in=listed, organiser_id=organiser_id).count()
        if not data.school_ids:
            errors.append(
                DomainError.of(
                    ErrorCode.INVALID, "school_ids", "Välj minst en skola som får se platsen."
                )
            )
        elif known != len(data.school_ids):
            errors.append(DomainError.of(ErrorCode.NOT_FOUND, "school_ids", "Skolan finns inte."))
    return errors


def columns(data: SlotInput) -> dict[str, object]:
    assert data.start_date is not None and data.end_date is not None
    return {
        "title": data.title,
        "description": data.description,
        "tasks": data.tasks,
        "trade": data.trade,
        "address": data.address,
        "city": data.city,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "starts_minute": working_hours.parse_clock(data.day_starts_at),
        "ends_minute": working_hours.parse_clock(data.day_ends_at),
        "break_minutes": data.break_minutes,
        "capacity": data.capacity,
        "min_age": data.min_age,
        "visible_to_all": data.visible_to_all,
        "requires_approval": data.requires_approval,
    }


def capacity_errors(capacity: int, taken: int) -> list[DomainError]:
    if capacity < 1:
        return [DomainError.of(ErrorCode.INVALID, "capacity", "Ange minst 1 plats.")]
    if capacity < taken:
        return [
            DomainError.of(
                ErrorCode.CAPACITY_BELOW_TAKEN,
                "capacity",
                f"{taken} elever har redan bokat: antalet platser kan inte bli färre.",
            )
        ]
    return []
