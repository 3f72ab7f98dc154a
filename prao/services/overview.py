"""Read-side views for people: a pupil's bookings and what she may still do with them, and a
school's bookings for its staff (an employer's slots and pupils are in services.hosting, one slot
as the catalogue shows it in services.slot_detail). Every query goes through prao.policy."""

from __future__ import annotations

from dataclasses import dataclass

from prao import clock, policy
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Organiser,
    School,
)
from prao.pagination import Page, paginate
from prao.readiness import State
from prao.services import evaluation
from prao.services.booking import cancel_refusal
from prao.services.readiness import booking_states
from prao.wording import STATUS_TEXT

STAFF_PAGE_SIZE = 50


def status_text(booking: Booking) -> str:
    return STATUS_TEXT[BookingStatus(booking.status)]


@dataclass(frozen=True)
class PupilBooking:
    booking: Booking  # with slot, slot.employer and period fetched
    status_text: str
    cancel_refusal: DomainError | None
    readiness: State | None = None  # of an active booking: what it waits for before the start
    evaluation: str | None = None  # "open": she may evaluate it now; "answered": she has

    @property
    def active(self) -> bool:
        return self.booking.status in ACTIVE_BOOKING_STATUSES

    @property
    def ended(self) -> bool:
        """The placement is over: what it waited for before the start is no next step."""
        return self.booking.slot.end_date < clock.today()


async def pupil_bookings(actor: Actor) -> list[PupilBooking]:
    """The pupil's own bookings, newest first."""
    if not actor.is_pupil:
        return []
    rows = (
        await policy.bookings(actor)
        .select_related("slot__employer", "period")
        .order_by("-created_at", "-id")
    )
    now = clock.now()
    states = await booking_states([b.id for b in rows if b.status in ACTIVE_BOOKING_STATUSES])
    evaluations = await evaluation.pupil_states(
        [b for b in rows if b.status == BookingStatus.CONFIRMED]
    )
    return [
        PupilBooking(
            b,
            status_text(b),
            cancel_refusal(actor, b, b.period, now),
            states.get(b.id),
            evaluations.get(b.id),
        )
        for b in rows
    ]


async def pupil_booking(actor: Actor, booking_id: int) -> PupilBooking | None:
    booking = (
        await policy.bookings(actor)
        .select_related("slot__employer", "period")
        .get_or_none(id=booking_id)
    )
    if booking is None:
        return None
    return PupilBooking(
        booking, status_text(booking), cancel_refusal(actor, booking, booking.period, clock.now())
    )


@dataclass(frozen=True)
class StaffRow:
    booking: Booking
    pupil_name: str
    class_name: str
    school_name: str
    slot_title: str
    employer_name: str
    status_text: str


@dataclass(frozen=True)
class StaffOverview:
    scope_name: str
    pupils: int
    placed: int
    rows: list[StaffRow]
    page: Page[Booking]


async def _scope_name(actor: Actor) -> str:
    if actor.school_id is not None:
        school = await School.get_or_none(id=actor.school_id)
        return school.name if school else ""
    if actor.organiser_id is not None:
        organiser = await Organiser.get_or_none(id=actor.organiser_id)
        return organiser.name if organiser else ""
    return ""


async def staff_overview(
    actor: Actor, after_id: int | None = None, first: int = STAFF_PAGE_SIZE
) -> StaffOverview | None:
    """A coordinator's or admin's bookings in their school or organiser; the read is audited."""
    if not actor.is_school_staff or actor.is_token:
        return None
    page = await paginate(
        policy.bookings(actor).select_related("pupil__school", "slot__employer"), first, after_id
    )
    active = policy.bookings(actor).filter(status__in=list(ACTIVE_BOOKING_STATUSES))
    placed = len(set(await active.values_list("pupil_id", flat=True)))
    views = await policy.pupil_views(actor, [b.pupil for b in page.items], purpose="web:oversikt")
    rows = [
        StaffRow(
            booking=b,
            pupil_name=view.name,
            class_name=view.class_name or "",
            school_name=view.school_name or "",
            slot_title=b.slot.title,
            employer_name=b.slot.employer.name,
            status_text=status_text(b),
        )
        for b, view in zip(page.items, views, strict=True)
    ]
    return StaffOverview(
        scope_name=await _scope_name(actor),
        pupils=await policy.pupils(actor).count(),
        placed=placed,
        rows=rows,
        page=page,
    )
