"""What an employer sees of her slots and the pupils booked on them: each pupil as
prao.policy.pupil_view shows her to the employer (first name, school and year group; a pupil
with protected identity is a first name only)."""

from __future__ import annotations

from dataclasses import dataclass

from prao import clock, policy
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingOrigin,
    BookingStatus,
    Employer,
    Role,
    School,
    Slot,
)
from prao.pupil_view import PupilView
from prao.readiness import State
from prao.services.attendance import working_days
from prao.services.readiness import booking_states
from prao.services.slots import visible_school_ids
from prao.services.vetting import not_approved
from prao.wording import STATUS_TEXT


@dataclass(frozen=True)
class HostedPupil:
    booking_id: int
    status: BookingStatus
    status_text: str
    first_name: str
    school_name: str | None  # None for a pupil with protected identity
    year_group: int | None
    readiness: State | None = None  # of a confirmed booking: what it waits for before the start

    @property
    def pending(self) -> bool:
        return self.status == BookingStatus.PENDING


@dataclass(frozen=True)
class HostedSlot:
    slot: Slot
    pupils: list[HostedPupil]

    @property
    def working_day_today(self) -> bool:
        """Whether the pupils should be at work today: she can say one has not come."""
        return clock.today() in working_days(self.slot.start_date, self.slot.end_date)

    @property
    def pending(self) -> int:
        return sum(p.pending for p in self.pupils)


def hosted(booking: Booking, view: PupilView, readiness: State | None = None) -> HostedPupil:
    return HostedPupil(
        booking_id=booking.id,
        status=BookingStatus(booking.status),
        status_text=STATUS_TEXT[BookingStatus(booking.status)],
        first_name=view.first_name,
        school_name=view.school_name,
        year_group=view.year_group,
        readiness=readiness,
    )


async def employer_slots(actor: Actor, slot_id: int | None = None) -> list[HostedSlot] | None:
    """The employer's own slots (or one of them) with active bookings; the read is audited."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return None
    slots = policy.slots(actor)
    bookings = policy.bookings(actor).filter(status__in=list(ACTIVE_BOOKING_STATUSES))
    if slot_id is not None:
        slots = slots.filter(id=slot_id)
        bookings = bookings.filter(slot_id=slot_id)
    rows = await bookings.select_related("pupil__school").order_by("created_at", "id")
    views = await policy.pupil_views(actor, [b.pupil for b in rows], purpose="web:arbetsgivare")
    states = await booking_states([b.id for b in rows if b.status == BookingStatus.CONFIRMED])
    by_slot: dict[int, list[HostedPupil]] = {}
    for b, view in zip(rows, views, strict=True):
        by_slot.setdefault(b.slot_id, []).append(hosted(b, view, states.get(b.id)))
    ordered = await slots.order_by("start_date", "title", "id")
    return [HostedSlot(s, by_slot.get(s.id, [])) for s in ordered]


async def hosted_booking(actor: Actor, booking_id: int) -> tuple[Booking, HostedPupil] | None:
    """One of the employer's own bookings, as she may see it."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return None
    booking = (
        await policy.bookings(actor)
        .select_related("pupil__school", "slot")
        .get_or_none(id=booking_id)
    )
    if booking is None:
        return None
    view = await policy.pupil_view(
        actor, booking.pupil, purpose="web:arbetsgivare:bokning", booking_id=booking.id
    )
    return booking, hosted(booking, view)


@dataclass(frozen=True)
class SelfFoundRequest:
    """A pupil's request to do her self-found prao at this workplace, awaiting its answer."""

    booking: Booking  # with slot fetched
    pupil: HostedPupil


async def self_found_requests(actor: Actor) -> list[SelfFoundRequest]:
    """The pending self-found requests addressed to the employer; the read is audited (by the
    pupil view)."""
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return []
    rows = (
        await policy.bookings(actor)
        .filter(origin=BookingOrigin.SELF_FOUND, status=BookingStatus.PENDING)
        .select_related("pupil__school", "slot")
        .order_by("created_at", "id")
    )
    views = await policy.pupil_views(
        actor, [b.pupil for b in rows], purpose="web:arbetsgivare:egen-plats"
    )
    return [SelfFoundRequest(b, hosted(b, v)) for b, v in zip(rows, views, strict=True)]


def is_employer(actor: Actor) -> bool:
    """Someone at a workplace: she hosts pupils on her workplace's slots."""
    return actor.role is Role.EMPLOYER and actor.employer_id is not None


async def approval_notice(actor: Actor) -> DomainError | None:
    """Why the workplace's slots reach no pupil yet (the organiser has not approved it), or None."""
    employer = await Employer.get_or_none(id=actor.employer_id) if is_employer(actor) else None
    return not_approved(employer) if employer is not None else None


async def listed_schools(slot: Slot) -> list[School]:
    """The schools a slot is listed for, by name (none when it is open to all of them)."""
    return await School.filter(id__in=await visible_school_ids(slot)).order_by("name")
