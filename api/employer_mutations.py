"""Employers' mutations and self-found placements: thin calls into prao.services."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.employer_types import (
    ApproveEmployerInput,
    BookingPayload,
    CreateSlotInput,
    DecideBookingInput,
    Decision,
    DeclineEmployerInput,
    EmployerError,
    EmployerPayload,
    RegisterSelfFoundPlacementInput,
    SlotIdInput,
    SlotPayload,
    UpdateSlotInput,
)
from api.inputs import text_of
from api.limits import MAX_SCHOOLS
from api.mutation_errors import pk_of, pks_of
from api.types import Booking, Employer, Slot
from prao import models
from prao.errors import DomainError, ErrorCode, Outcome
from prao.services import decisions, self_found, slots, vetting


def _slot_input(data: CreateSlotInput) -> slots.SlotInput | DomainError:
    if len(data.school_ids) > MAX_SCHOOLS:
        return DomainError.of(ErrorCode.INVALID, "schoolIds", f"Högst {MAX_SCHOOLS} skolor.")
    school_ids = pks_of(data.school_ids, "School", "schoolIds")
    if isinstance(school_ids, DomainError):
        return school_ids
    # Text is cleaned by the domain (slots._clean), as for the web form.
    return slots.SlotInput(
        title=data.title,
        description=data.description,
        tasks=data.tasks,
        trade=data.trade,
        address=data.address,
        city=data.city,
        start_date=data.start_date,
        end_date=data.end_date,
        day_starts_at=data.day_starts_at,
        day_ends_at=data.day_ends_at,
        break_minutes=data.break_minutes,
        capacity=data.capacity,
        min_age=data.min_age,
        visible_to_all=data.visible_to_all,
        school_ids=school_ids,
        requires_approval=data.requires_approval,
    )


def _slot_payload(outcome: Outcome[models.Slot]) -> SlotPayload:
    slot = Slot.from_row(outcome.value) if outcome.value is not None else None
    return SlotPayload(slot=slot, errors=EmployerError.all_from(outcome.errors))


def _employer_payload(outcome: Outcome[models.Employer]) -> EmployerPayload:
    employer = Employer.from_row(outcome.value) if outcome.value is not None else None
    return EmployerPayload(employer=employer, errors=EmployerError.all_from(outcome.errors))


def _booking_payload(outcome: Outcome[models.Booking]) -> BookingPayload:
    booking = Booking.from_row(outcome.value) if outcome.value is not None else None
    return BookingPayload(booking=booking, errors=EmployerError.all_from(outcome.errors))


@strawberry.type
class EmployerMutation:
    @strawberry.mutation(description="An employer's new slot, saved as a draft.")
    async def create_slot(self, info: Info, input: CreateSlotInput) -> SlotPayload:
        data = _slot_input(input)
        if isinstance(data, DomainError):
            return _slot_payload(Outcome(errors=[data]))
        return _slot_payload(await slots.create_slot(info.context.actor, data))

    @strawberry.mutation(description="Change one of the employer's own slots.")
    async def update_slot(self, info: Info, input: UpdateSlotInput) -> SlotPayload:
        slot_id = pk_of(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, DomainError):
            return _slot_payload(Outcome(errors=[slot_id]))
        data = _slot_input(input)
        if isinstance(data, DomainError):
            return _slot_payload(Outcome(errors=[data]))
        return _slot_payload(await slots.update_slot(info.context.actor, slot_id, data))

    @strawberry.mutation(description="Open a slot to pupils.")
    async def publish_slot(self, info: Info, input: SlotIdInput) -> SlotPayload:
        slot_id = pk_of(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, DomainError):
            return _slot_payload(Outcome(errors=[slot_id]))
        return _slot_payload(await slots.publish_slot(info.context.actor, slot_id))

    @strawberry.mutation(description="Stop new bookings; booked pupils keep their places.")
    async def close_slot(self, info: Info, input: SlotIdInput) -> SlotPayload:
        slot_id = pk_of(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, DomainError):
            return _slot_payload(Outcome(errors=[slot_id]))
        return _slot_payload(await slots.close_slot(info.context.actor, slot_id))

    @strawberry.mutation(description="Approve or decline a pending booking of one's own slot.")
    async def decide_booking(self, info: Info, input: DecideBookingInput) -> BookingPayload:
        booking_id = pk_of(input.booking_id, "Booking", "bookingId")
        if isinstance(booking_id, DomainError):
            return _booking_payload(Outcome(errors=[booking_id]))
        outcome = await decisions.decide_booking(
            info.context.actor,
            booking_id,
            approve=input.decision is Decision.APPROVE,
            reason=text_of(input.reason),
        )
        return _booking_payload(outcome)

    @strawberry.mutation(description="A pupil's self-found placement, pending the workplace.")
    async def register_self_found_placement(
        self, info: Info, input: RegisterSelfFoundPlacementInput
    ) -> BookingPayload:
        data = self_found.SelfFound(
            name=text_of(input.name),
            contact_email=text_of(input.contact_email),
            start_date=input.start_date,
            end_date=input.end_date,
            tasks=text_of(input.tasks),
            address=text_of(input.address),
            city=text_of(input.city),
        )
        settings = info.context.request.app.state.settings
        return _booking_payload(await self_found.register(info.context.actor, data, settings))

    @strawberry.mutation(
        description="Organiser admins and the organiser's coordinators: let a self-registered "
        "employer publish its slots. The employer's contact is told by e-mail."
    )
    async def approve_employer(self, info: Info, input: ApproveEmployerInput) -> EmployerPayload:
        employer_id = pk_of(input.employer_id, "Employer", "employerId")
        if isinstance(employer_id, DomainError):
            return _employer_payload(Outcome(errors=[employer_id]))
        settings = info.context.request.app.state.settings
        return _employer_payload(await vetting.approve(info.context.actor, employer_id, settings))

    @strawberry.mutation(
        description="Organiser admins and the organiser's coordinators: refuse a self-registered "
        "employer; the reason is e-mailed to its contact and its slots stay unpublished."
    )
    async def decline_employer(self, info: Info, input: DeclineEmployerInput) -> EmployerPayload:
        employer_id = pk_of(input.employer_id, "Employer", "employerId")
        if isinstance(employer_id, DomainError):
            return _employer_payload(Outcome(errors=[employer_id]))
        settings = info.context.request.app.state.settings
        outcome = await vetting.decline(
            info.context.actor, employer_id, text_of(input.reason), settings
        )
        return _employer_payload(outcome)
