"""A coordinator's period at a glance: every pupil of the year group placed, pending or
unplaced, counted per class, and the slots still open to place them in."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import F

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError, Outcome
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Period,
    Pupil,
    Slot,
    SlotStatus,
    Wish,
)
from prao.pupil_view import PupilView
from prao.readiness import READINESS_TEXT, STEP_TEXT, Readiness, State, Step
from prao.services.periods import managed_period
from prao.services.readiness import period_states


@dataclass(frozen=True)
class PupilLine:
    pupil: Pupil  # for the domain's own use (sorting, reminders); pages show `view`
    view: PupilView
    booking: Booking | None  # the active one, with slot and slot.employer fetched
    wishes: int
    readiness: State | None = None  # of the booking: what it waits for before the first day

    @property
    def state(self) -> str:
        if self.booking is None:
            return "unplaced"
        return "placed" if self.booking.status == BookingStatus.CONFIRMED else "pending"


@dataclass
class ClassCount:
    class_name: str
    pupils: int = 0
    placed: int = 0
    pending: int = 0
    unplaced: int = 0


@dataclass
class PeriodOverview:
    period: Period
    lines: list[PupilLine]  # the unplaced first, then by class and name
    classes: list[ClassCount] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for line in self.lines if line.state == state)

    @property
    def unplaced(self) -> list[PupilLine]:
        return [line for line in self.lines if line.state == "unplaced"]

    @property
    def ready(self) -> int:
        return sum(1 for line in self.lines if line.readiness and line.readiness.ready)

    def step_counts(self) -> list[StepCount]:
        """For each step before the first day, how many bookings still wait for it (steps no
        booking waits for are left out)."""
        counts = {step: 0 for step in Step}
        for line in self.lines:
            for step in line.readiness.missing if line.readiness else ():
                counts[step] += 1
        return [StepCount(step, STEP_TEXT[step], n) for step, n in counts.items() if n]

    def waiting_for(self, step: Step | None) -> list[PupilLine]:
        """The lines whose booking waits for `step`; with None, those that are ready."""
        if step is None:
            return [line for line in self.lines if line.readiness and line.readiness.ready]
        return [line for line in self.lines if line.readiness and step in line.readiness.missing]


@dataclass(frozen=True)
class StepCount:
    step: Step
    text: str
    count: int


READY_TEXT = READINESS_TEXT[Readiness.READY]


async def period_overview(actor: Actor, period_id: int) -> Outcome[PeriodOverview]:
    """Every pupil of the period's year group with her placement. Coordinators see pupils with
    protected identity too (they place them); exports leave them out. The read is audited."""
    period = await managed_period(actor, period_id)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    pupils = await Pupil.filter(school_id=period.school_id, year_group=period.year_group)
    bookings = {
        b.pupil_id: b
        for b in await Booking.filter(
            period_id=period.id, status__in=list(ACTIVE_BOOKING_STATUSES)
        ).select_related("slot__employer")
    }
    wish_counts: dict[int, int] = {}
    for row in await Wish.filter(period_id=period.id).values("pupil_id"):
        wish_counts[row["pupil_id"]] = wish_counts.get(row["pupil_id"], 0) + 1
    views = await policy.pupil_views(actor, pupils, purpose="period-overview", period_id=period.id)
    states = await period_states(period.id)
    lines = []
    for p, v in zip(pupils, views, strict=True):
        booking = bookings.get(p.id)
        state = states.get(booking.id) if booking else None
        lines.append(PupilLine(p, v, booking, wish_counts.get(p.id, 0), state))
    lines.sort(
        key=lambda line: (
            line.state != "unplaced",
            line.pupil.class_name,
            line.pupil.last_name,
            line.pupil.first_name,
            line.pupil.id,
        )
    )
    classes: dict[str, ClassCount] = {}
    for line in lines:
        counts = classes.setdefault(line.pupil.class_name, ClassCount(line.pupil.class_name))
        counts.pupils += 1
        setattr(counts, line.state, getattr(counts, line.state) + 1)
    return Outcome(value=PeriodOverview(period, lines, [classes[k] for k in sorted(classes)]))


async def open_slots(actor: Actor, period: Period) -> list[Slot]:
    """Published slots open to the period's school, overlapping its dates, with places left."""
    return (
        await policy.slots(actor)
        .filter(
            status=SlotStatus.PUBLISHED,
            taken__lt=F("capacity"),
            start_date__lte=period.end_date,
            end_date__gte=period.start_date,
        )
        .select_related("employer")
        .order_by("title", "id")
        .limit(500)
    )
