"""An employer's own slots: drafts, publishing, closing, and copying last year's slot.
Every refusal names its field; nothing is written unless every rule holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import audit, clock, policy, rules
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import Employer, Role, School, Slot, SlotStatus, SlotVisibility
from prao.services.vetting import not_approved
from prao.validation import character_errors, clean_text, valid_id

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_SHORT = 100
MAX_AGE = 18
MAX_CAPACITY = 1000
SLOT_NOT_FOUND = "Platsen finns inte."


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
            day_starts_at=rules.clock_text(slot.starts_minute),
            day_ends_at=rules.clock_text(slot.ends_minute),
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


def _texts(data: SlotInput) -> dict[str, str]:
    """The typed text fields by their input names."""
    return {
        "title": data.title,
        "description": data.description,
        "tasks": data.tasks,
        "trade": data.trade,
        "address": data.address,
        "city": data.city,
        "dayStartsAt": data.day_starts_at,
        "dayEndsAt": data.day_ends_at,
    }


def _clean(data: SlotInput) -> SlotInput:
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
    errors += rules.dates_errors(data.start_date, data.end_date)
    starts = rules.parse_clock(data.day_starts_at)
    ends = rules.parse_clock(data.day_ends_at)
    for minutes, name in ((starts, "dayStartsAt"), (ends, "dayEndsAt")):
        if minutes is None:
            errors.append(
                DomainError.of(
                    ErrorCode.INVALID, name, "Skriv tiden som TT:MM, till exempel 08:30."
                )
            )
    if starts is not None and ends is not None:
        errors += rules.hours_errors(starts, ends, data.break_minutes)
    if data.capacity > MAX_CAPACITY:
        errors.append(DomainError.of(ErrorCode.INVALID, "capacity", f"Högst {MAX_CAPACITY}."))
    else:
        errors += rules.capacity_errors(data.capacity, taken)
    if not 0 <= data.min_age <= MAX_AGE:
        errors.append(
            DomainError.of(ErrorCode.INVALID, "minAge", f"Ange en ålder från 0 till {MAX_AGE}.")
        )
    if not data.visible_to_all:
        listed = [i for i in data.school_ids if valid_id(i)]
        known = await School.filter(id__in=listed, organiser_id=organiser_id).count()
        if not data.school_ids:
            errors.append(
                DomainError.of(
                    ErrorCode.INVALID, "schoolIds", "Välj minst en skola som får se platsen."
                )
            )
        elif known != len(data.school_ids):
            errors.append(DomainError.of(ErrorCode.NOT_FOUND, "schoolIds", "Skolan finns inte."))
    return errors


def _columns(data: SlotInput) -> dict[str, object]:
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
        "starts_minute": rules.parse_clock(data.day_starts_at),
        "ends_minute": rules.parse_clock(data.day_ends_at),
        "break_minutes": data.break_minutes,
        "capacity": data.capacity,
        "min_age": data.min_age,
        "visible_to_all": data.visible_to_all,
        "requires_approval": data.requires_approval,
    }


async def _employer_of(actor: Actor) -> Employer | None:
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return None
    return await Employer.get_or_none(id=actor.employer_id)


async def own_slot(actor: Actor, slot_id: int) -> Slot | None:
    """The employer's own slot; another employer's slot does not exist as far as she knows."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None or not valid_id(slot_id):
        return None
    return await policy.slots(actor).get_or_none(id=slot_id)


async def visible_school_ids(slot: Slot) -> list[int]:
    return sorted(await SlotVisibility.filter(slot_id=slot.id).values_list("school_id", flat=True))  # type: ignore[arg-type]


async def create_slot(actor: Actor, data: SlotInput) -> Outcome[Slot]:
    """A new draft: pupils see it only once it is published."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    employer = await _employer_of(actor)
    if employer is None:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    if refused := character_errors(_texts(data)):
        return Outcome(errors=refused)
    data = _clean(data)
    errors = await check(data, employer.organiser_id)
    if errors:
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        slot = await Slot.create(
            employer_id=employer.id,
            status=SlotStatus.DRAFT,
            supervisor_id=actor.user_id,
            using_db=conn,
            **_columns(data),
        )
        await _set_visibility(slot.id, data, conn)
        await audit.record(actor, "create", "slot", connection=conn, slot_id=slot.id)
    return Outcome(value=slot)


async def _set_visibility(slot_id: int, data: SlotInput, conn: BaseDBAsyncClient) -> None:
    await SlotVisibility.filter(slot_id=slot_id).using_db(conn).delete()
    if not data.visible_to_all:
        for school_id in data.school_ids:
            await SlotVisibility.create(slot_id=slot_id, school_id=school_id, using_db=conn)


async def update_slot(actor: Actor, slot_id: int, data: SlotInput) -> Outcome[Slot]:
    if refusal := policy.lacks_write(actor, "slotId"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slotId", SLOT_NOT_FOUND)
    employer = await Employer.get(id=slot.employer_id)
    if refused := character_errors(_texts(data)):
        return Outcome(errors=refused)
    data = _clean(data)
    errors = await check(data, employer.organiser_id, taken=slot.taken)
    if errors:
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        # Bookings may arrive while the form is open: the capacity holds only if still above them.
        changed = (
            await Slot.filter(id=slot.id, taken__lte=data.capacity)
            .using_db(conn)
            .update(updated_at=clock.now(), **_columns(data))
        )
        if not changed:
            taken = (await Slot.get(id=slot.id, using_db=conn)).taken
            return Outcome(errors=rules.capacity_errors(data.capacity, taken))
        await _set_visibility(slot.id, data, conn)
        await audit.record(actor, "update", "slot", connection=conn, slot_id=slot.id)
    return Outcome(value=await Slot.get(id=slot.id))


async def publish_slot(actor: Actor, slot_id: int) -> Outcome[Slot]:
    """Open to pupils. A slot that no longer passes the rules (say, old hours) is refused, and
    so is every slot of an employer the organiser has not approved."""
    if refusal := policy.lacks_write(actor, "slotId"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slotId", SLOT_NOT_FOUND)
    if slot.status == SlotStatus.PUBLISHED:
        return Outcome(value=slot)
    employer = await Employer.get(id=slot.employer_id)
    # Approval is final (prao.services.vetting), so a check here cannot race with it.
    if refusal := not_approved(employer):
        return Outcome(errors=[refusal])
    errors = await check(
        SlotInput.from_slot(slot, await visible_school_ids(slot)), employer.organiser_id, slot.taken
    )
    if errors:
        return Outcome(errors=errors)
    return await _set_status(actor, slot, SlotStatus.PUBLISHED)


async def close_slot(actor: Actor, slot_id: int) -> Outcome[Slot]:
    """No new bookings; the pupils already booked keep their places."""
    if refusal := policy.lacks_write(actor, "slotId"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slotId", SLOT_NOT_FOUND)
    if slot.status == SlotStatus.CLOSED:
        return Outcome(value=slot)
    return await _set_status(actor, slot, SlotStatus.CLOSED)


async def _set_status(actor: Actor, slot: Slot, status: SlotStatus) -> Outcome[Slot]:
    async with in_transaction() as conn:
        await Slot.filter(id=slot.id).using_db(conn).update(status=status, updated_at=clock.now())
        await audit.record(actor, str(status), "slot", connection=conn, slot_id=slot.id)
    return Outcome(value=await Slot.get(id=slot.id))


def one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


async def copy_slot(actor: Actor, slot_id: int) -> Outcome[Slot]:
    """Last year's slot again: a new draft with the same content, dates moved one year."""
    if refusal := policy.lacks_write(actor, "slotId"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slotId", SLOT_NOT_FOUND)
    schools = await visible_school_ids(slot)
    async with in_transaction() as conn:
        copy = await Slot.create(
            employer_id=slot.employer_id,
            title=slot.title,
            description=slot.description,
            tasks=slot.tasks,
            address=slot.address,
            city=slot.city,
            trade=slot.trade,
            start_date=one_year_later(slot.start_date),
            end_date=one_year_later(slot.end_date),
            starts_minute=slot.starts_minute,
            ends_minute=slot.ends_minute,
            break_minutes=slot.break_minutes,
            capacity=slot.capacity,
            min_age=slot.min_age,
            visible_to_all=slot.visible_to_all,
            requires_approval=slot.requires_approval,
            supervisor_id=slot.supervisor_id,
            status=SlotStatus.DRAFT,
            copied_from_id=slot.id,
            using_db=conn,
        )
        for school_id in schools:
            await SlotVisibility.create(slot_id=copy.id, school_id=school_id, using_db=conn)
        await audit.record(actor, "copy", "slot", connection=conn, slot_id=copy.id, source=slot.id)
    return Outcome(value=copy)
