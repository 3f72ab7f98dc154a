"""An employer's own slots: drafts, publishing, closing, and copying last year's slot.
Every refusal names its field; nothing is written unless every rule holds."""

from __future__ import annotations

from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.errors import ErrorCode, Outcome
from prao.models import Employer, Role, Slot, SlotStatus, SlotVisibility

# SlotInput and check stay importable from here: the adapters call them beside the commands.
from prao.services import assessment_versions
from prao.services.slot_input import SlotInput as SlotInput
from prao.services.slot_input import capacity_errors, clean, columns, texts
from prao.services.slot_input import check as check
from prao.services.vetting import not_approved
from prao.validation import character_errors, valid_id

SLOT_NOT_FOUND = "Platsen finns inte."


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
    if refused := character_errors(texts(data)):
        return Outcome(errors=refused)
    data = clean(data)
    errors = await check(data, employer.organiser_id)
    if errors:
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        slot = await Slot.create(
            employer_id=employer.id,
            status=SlotStatus.DRAFT,
            supervisor_id=actor.user_id,
            using_db=conn,
            **columns(data),
        )
        await _set_visibility(slot.id, data, conn)
        await audit.record(actor, "create", "slot", connection=conn, slot_id=slot.id)
    return Outcome(value=slot)


async def _set_visibility(slot_id: int, data: SlotInput, conn: BaseDBAsyncClient) -> None:
    await SlotVisibility.filter(slot_id=slot_id).using_db(conn).delete()
    if not data.visible_to_all:
        # In key order, as every multi-row writer does, so concurrent writers queue.
        for school_id in sorted(data.school_ids):
            await SlotVisibility.create(slot_id=slot_id, school_id=school_id, using_db=conn)


async def update_slot(actor: Actor, slot_id: int, data: SlotInput) -> Outcome[Slot]:
    if refusal := policy.lacks_write(actor, "slot_id"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
    employer = await Employer.get(id=slot.employer_id)
    if refused := character_errors(texts(data)):
        return Outcome(errors=refused)
    data = clean(data)
    errors = await check(data, employer.organiser_id, taken=slot.taken)
    if not any(e.field == "min_age" for e in errors):
        errors += await assessment_versions.age_errors(slot.id, data.min_age)
    if errors:
        return Outcome(errors=errors)
    async with in_transaction() as conn:
        # Bookings may arrive while the form is open: the capacity holds only if still above them.
        changed = (
            await Slot.filter(id=slot.id, taken__lte=data.capacity)
            .using_db(conn)
            .update(updated_at=clock.now(), **columns(data))
        )
        if not changed:
            taken = (await Slot.get(id=slot.id, using_db=conn)).taken
            return Outcome(errors=capacity_errors(data.capacity, taken))
        await _set_visibility(slot.id, data, conn)
        await audit.record(actor, "update", "slot", connection=conn, slot_id=slot.id)
    return Outcome(value=await Slot.get(id=slot.id))


async def publish_slot(actor: Actor, slot_id: int) -> Outcome[Slot]:
    """Open to pupils. A slot that no longer passes the rules (say, old hours) is refused, and
    so is every slot of an employer the organiser has not approved."""
    if refusal := policy.lacks_write(actor, "slot_id"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
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
    if refusal := policy.lacks_write(actor, "slot_id"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
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
    """Last year's slot again: a new draft with the same content, dates moved one year, and
    its risk assessment as a draft to check and submit again."""
    if refusal := policy.lacks_write(actor, "slot_id"):
        return Outcome(errors=[refusal])
    slot = await own_slot(actor, slot_id)
    if slot is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "slot_id", SLOT_NOT_FOUND)
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
        await assessment_versions.copy_as_draft(slot.id, copy.id, conn)
        await audit.record(actor, "copy", "slot", connection=conn, slot_id=copy.id, source=slot.id)
    return Outcome(value=copy)
