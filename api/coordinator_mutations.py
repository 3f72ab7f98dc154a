"""A coordinator's periods and placements over GraphQL: thin calls into prao.services.periods,
placement and period_overview, which hold the rules and decide who may."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

import strawberry

from api import ids
from api.context import Info
from api.limits import MAX_UNPLACED
from api.mutation_errors import MutationError, pk_of
from api.types import Booking, Period, PeriodMode, Pupil
from prao import models
from prao.errors import DomainError, Outcome
from prao.services import period_overview, periods, placement


@strawberry.type(description="Why a coordinator's mutation was refused.")
class CoordinatorError(MutationError):
    pass


@strawberry.input
class CreatePeriodInput:
    school_id: strawberry.ID
    name: str
    year_group: int
    start_date: date
    end_date: date
    booking_opens_at: datetime = strawberry.field(description="Stockholm time without offset.")
    booking_closes_at: datetime
    cancel_deadline: datetime
    mode: PeriodMode = PeriodMode.FIRST_COME
    max_wishes: int = periods.DEFAULT_WISHES
    allocation_policy: models.AllocationPolicy = models.AllocationPolicy.CONVEX


@strawberry.input(description="Fields left out (or null) keep their value.")
class UpdatePeriodInput:
    period_id: strawberry.ID
    name: str | None = None
    year_group: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    booking_opens_at: datetime | None = None
    booking_closes_at: datetime | None = None
    cancel_deadline: datetime | None = None
    mode: PeriodMode | None = None
    max_wishes: int | None = None
    allocation_policy: models.AllocationPolicy | None = None


@strawberry.type
class PeriodPayload:
    period: Period | None
    errors: list[CoordinatorError]


@strawberry.input
class PlacePupilInput:
    pupil_id: strawberry.ID
    slot_id: strawberry.ID


@strawberry.type
class PlacePupilPayload:
    booking: Booking | None
    errors: list[CoordinatorError]


@strawberry.input
class SendUnplacedRemindersInput:
    period_id: strawberry.ID


@strawberry.type
class SendUnplacedRemindersPayload:
    sent: int = strawberry.field(description="Reminders queued: unplaced pupils with an address.")
    errors: list[CoordinatorError]


def _draft(source: CreatePeriodInput | UpdatePeriodInput, base: periods.PeriodDraft) -> None:
    """Copy the given fields onto the draft; times without an offset are Stockholm time."""
    for f in fields(base):
        value = getattr(source, f.name, None)
        if value is not None:
            setattr(base, f.name, value)
    for name in ("booking_opens_at", "booking_closes_at", "cancel_deadline"):
        setattr(base, name, periods.as_local(getattr(base, name)))


def _period_payload(outcome: Outcome[models.Period]) -> PeriodPayload:
    period = Period.from_row(outcome.value) if outcome.value is not None else None
    return PeriodPayload(period=period, errors=CoordinatorError.all_from(outcome.errors))


def _placement_payload(outcome: Outcome[models.Booking]) -> PlacePupilPayload:
    booking = Booking.from_row(outcome.value) if outcome.value is not None else None
    return PlacePupilPayload(booking=booking, errors=CoordinatorError.all_from(outcome.errors))


@strawberry.type(description="One class's pupils in a period.")
class ClassCount:
    class_name: str
    pupils: int
    placed: int
    pending: int
    unplaced: int


@strawberry.type(description="Who in a period is placed, pending or without a place.")
class PeriodOverview:
    period: Period
    placed: int = strawberry.field(description="Confirmed bookings.")
    pending: int = strawberry.field(description="Bookings waiting for the employer.")
    unplaced: int
    classes: list[ClassCount]
    unplaced_pupils: list[Pupil] = strawberry.field(
        description=f"The unplaced, by class and name; at most {MAX_UNPLACED}."
    )


@strawberry.type
class CoordinatorMutation:
    @strawberry.mutation(description="Create a prao period for a year group of a school.")
    async def create_period(self, info: Info, input: CreatePeriodInput) -> PeriodPayload:
        school_id = pk_of(input.school_id, "School", "schoolId")
        if isinstance(school_id, DomainError):
            return _period_payload(Outcome(errors=[school_id]))
        draft = periods.PeriodDraft()
        _draft(input, draft)
        return _period_payload(await periods.create_period(info.context.actor, draft, school_id))

    @strawberry.mutation(description="Change a period's dates, window, mode or wishes.")
    async def update_period(self, info: Info, input: UpdatePeriodInput) -> PeriodPayload:
        period_id = pk_of(input.period_id, "Period", "periodId")
        if isinstance(period_id, DomainError):
            return _period_payload(Outcome(errors=[period_id]))
        actor = info.context.actor
        found = await periods.managed_period(actor, period_id)
        if isinstance(found, DomainError):
            return _period_payload(Outcome(errors=[found]))
        draft = periods.PeriodDraft.of(found)
        _draft(input, draft)
        return _period_payload(await periods.update_period(actor, period_id, draft))

    @strawberry.mutation(
        description="Place a pupil at a slot by hand, or move her there from her placement."
    )
    async def place_pupil(self, info: Info, input: PlacePupilInput) -> PlacePupilPayload:
        pupil_id = pk_of(input.pupil_id, "Pupil", "pupilId")
        if isinstance(pupil_id, DomainError):
            return _placement_payload(Outcome(errors=[pupil_id]))
        slot_id = pk_of(input.slot_id, "Slot", "slotId")
        if isinstance(slot_id, DomainError):
            return _placement_payload(Outcome(errors=[slot_id]))
        outcome = await placement.place_pupil_at(info.context.actor, pupil_id, slot_id)
        return _placement_payload(outcome)

    @strawberry.mutation(description="E-mail every unplaced pupil of the period a reminder.")
    async def send_unplaced_reminders(
        self, info: Info, input: SendUnplacedRemindersInput
    ) -> SendUnplacedRemindersPayload:
        period_id = pk_of(input.period_id, "Period", "periodId")
        if isinstance(period_id, DomainError):
            return SendUnplacedRemindersPayload(
                sent=0, errors=[CoordinatorError.from_domain(period_id)]
            )
        outcome = await placement.remind_unplaced(info.context.actor, period_id)
        return SendUnplacedRemindersPayload(
            sent=outcome.value or 0, errors=CoordinatorError.all_from(outcome.errors)
        )


@strawberry.type
class CoordinatorQuery:
    @strawberry.field(description="A period's placements per class (audited); null if not yours.")
    async def period_overview(self, info: Info, period_id: strawberry.ID) -> PeriodOverview | None:
        pk = ids.decode_as(period_id, "Period")
        if pk is None:
            return None
        actor = info.context.actor
        outcome = await period_overview.period_overview(actor, pk)
        if outcome.value is None:
            return None
        found = outcome.value
        return PeriodOverview(
            period=Period.from_row(found.period),
            placed=found.count("placed"),
            pending=found.count("pending"),
            unplaced=found.count("unplaced"),
            classes=[
                ClassCount(
                    class_name=c.class_name,
                    pupils=c.pupils,
                    placed=c.placed,
                    pending=c.pending,
                    unplaced=c.unplaced,
                )
                for c in found.classes
            ],
            unplaced_pupils=[Pupil.from_view(line.view) for line in found.unplaced[:MAX_UNPLACED]],
        )
