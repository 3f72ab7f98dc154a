"""A coordinator's periods and placements over GraphQL: thin calls into prao.services.periods,
placement and period_overview, which hold the rules and decide who may."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

import strawberry

from api import ids
from api.context import Info
from api.limits import MAX_UNPLACED
from api.types import Booking, ErrorCode, Period, PeriodMode, Pupil
from prao import errors, models
from prao.errors import DomainError, Outcome
from prao.services import period_overview, periods, placement

BAD_ID = "Ogiltigt id."


@strawberry.type(description="Why a coordinator's mutation was refused.")
class CoordinatorError:
    code: ErrorCode
    field: str | None = strawberry.field(description="The input field the error is about.")
    message: str = strawberry.field(description="Swedish, ready to show to the person.")

    @classmethod
    def of(cls, error: DomainError) -> CoordinatorError:
        return cls(code=ErrorCode(error.code), field=error.field, message=error.message)


def _bad(field: str, value: strawberry.ID) -> CoordinatorError:
    """An id that is not ours is INVALID; one of ours naming another type names nothing."""
    if ids.decode(value) is None:
        return CoordinatorError.of(DomainError.of(errors.ErrorCode.INVALID, field, BAD_ID))
    return CoordinatorError.of(DomainError.of(errors.ErrorCode.NOT_FOUND, field))


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
    return PeriodPayload(period=period, errors=[CoordinatorError.of(e) for e in outcome.errors])


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
        school_id = ids.decode_as(input.school_id, "School")
        if school_id is None:
            return PeriodPayload(period=None, errors=[_bad("schoolId", input.school_id)])
        draft = periods.PeriodDraft()
        _draft(input, draft)
        return _period_payload(await periods.create_period(info.context.actor, draft, school_id))

    @strawberry.mutation(description="Change a period's dates, window, mode or wishes.")
    async def update_period(self, info: Info, input: UpdatePeriodInput) -> PeriodPayload:
        period_id = ids.decode_as(input.period_id, "Period")
        if period_id is None:
            return PeriodPayload(period=None, errors=[_bad("periodId", input.period_id)])
        actor = info.context.actor
        found = await periods.managed_period(actor, period_id)
        if isinstance(found, DomainError):
            return PeriodPayload(period=None, errors=[CoordinatorError.of(found)])
        draft = periods.PeriodDraft.of(found)
        _draft(input, draft)
        return _period_payload(await periods.update_period(actor, period_id, draft))

    @strawberry.mutation(
        description="Place a pupil at a slot by hand, or move her there from her placement."
    )
    async def place_pupil(self, info: Info, input: PlacePupilInput) -> PlacePupilPayload:
        pupil_id = ids.decode_as(input.pupil_id, "Pupil")
        if pupil_id is None:
            return PlacePupilPayload(booking=None, errors=[_bad("pupilId", input.pupil_id)])
        slot_id = ids.decode_as(input.slot_id, "Slot")
        if slot_id is None:
            return PlacePupilPayload(booking=None, errors=[_bad("slotId", input.slot_id)])
        outcome = await placement.place_pupil_at(info.context.actor, pupil_id, slot_id)
        booking = Booking.from_row(outcome.value) if outcome.value is not None else None
        return PlacePupilPayload(
            booking=booking, errors=[CoordinatorError.of(e) for e in outcome.errors]
        )

    @strawberry.mutation(description="E-mail every unplaced pupil of the period a reminder.")
    async def send_unplaced_reminders(
        self, info: Info, input: SendUnplacedRemindersInput
    ) -> SendUnplacedRemindersPayload:
        period_id = ids.decode_as(input.period_id, "Period")
        if period_id is None:
            error = _bad("periodId", input.period_id)
            return SendUnplacedRemindersPayload(sent=0, errors=[error])
        outcome = await placement.remind_unplaced(info.context.actor, period_id)
        return SendUnplacedRemindersPayload(
            sent=outcome.value or 0, errors=[CoordinatorError.of(e) for e in outcome.errors]
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
