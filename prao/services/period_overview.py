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
from prao.services.periods import managed_period


@dataclass(frozen=True)
class PupilLine:
    pupil: Pupil  # for the domain's own use (sorting, reminders); pages show `view`
    view: PupilView
    booking: Booking | None  # the active one, with slot and slot.employer fetched
    wishes: int

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
    lines = [
        PupilLine(p, v, bookings.get(p.id), wish_counts.get(p.id, 0))
        for p, v in zip(pupils, views, strict=True)
    ]
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
