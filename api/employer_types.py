"""GraphQL inputs, payloads and errors of the employer's mutations and self-found placements."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from api.limits import MAX_SCHOOLS
from api.mutation_errors import MutationError
from api.types import Booking, Employer, Slot


@strawberry.type(description="Why an employer or self-found mutation was refused.")
class EmployerError(MutationError):
    pass


@strawberry.input(description="A slot as the employer fills it in; it is saved as a draft.")
class CreateSlotInput:
    title: str
    tasks: str
    address: str
    city: str
    start_date: date
    end_date: date
    day_starts_at: str = strawberry.field(description='Local wall-clock time, "08:00".')
    day_ends_at: str = strawberry.field(description='Local wall-clock time, "14:00".')
    capacity: int
    description: str = ""
    trade: str = ""
    break_minutes: int = 30
    min_age: int = 0
    visible_to_all: bool = True
    school_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description=f"When visibleToAll is false: the schools that see it (max {MAX_SCHOOLS}).",
    )
    requires_approval: bool = False


@strawberry.input(description="Every field of the slot again, as in createSlot.")
class UpdateSlotInput(CreateSlotInput):
    slot_id: strawberry.ID


@strawberry.input
class SlotIdInput:
    slot_id: strawberry.ID


@strawberry.type
class SlotPayload:
    slot: Slot | None
    errors: list[EmployerError]


@strawberry.enum
class Decision(Enum):
    APPROVE = "approve"
    DECLINE = "decline"


@strawberry.input
class DecideBookingInput:
    booking_id: strawberry.ID
    decision: Decision
    reason: str | None = strawberry.field(default=None, description="Shown to the pupil.")


@strawberry.type
class BookingPayload:
    booking: Booking | None
    errors: list[EmployerError]


@strawberry.input(description="A workplace the pupil found herself; it confirms by e-mailed link.")
class RegisterSelfFoundPlacementInput:
    name: str
    contact_email: str
    start_date: date
    end_date: date
    tasks: str
    address: str = ""
    city: str = ""


@strawberry.input(description="An employer waiting for the organiser's vetting.")
class ApproveEmployerInput:
    employer_id: strawberry.ID


@strawberry.input
class DeclineEmployerInput:
    employer_id: strawberry.ID
    reason: str = strawberry.field(description="Required; e-mailed to the employer's contact.")


@strawberry.type
class EmployerPayload:
    employer: Employer | None
    errors: list[EmployerError]
