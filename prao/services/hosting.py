"""What an employer sees of her slots and the pupils booked on them (DESIGN.md §7: a pupil with
protected identity is a first name only; no surname, e-mail or class ever)."""

from __future__ import annotations

from dataclasses import dataclass

from prao import audit, policy
from prao.actor import Actor
from prao.models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, Role, Slot
from prao.outbox import STATUS_TEXT


@dataclass(frozen=True)
class HostedPupil:
    booking_id: int
    status: BookingStatus
    status_text: str
    first_name: str
    school_name: str | None  # None for a pupil with protected identity
    year_group: int | None

    @property
    def pending(self) -> bool:
        return self.status == BookingStatus.PENDING


@dataclass(frozen=True)
class HostedSlot:
    slot: Slot
    pupils: list[HostedPupil]

    @property
    def pending(self) -> int:
        return sum(p.pending for p in self.pupils)


def hosted(actor: Actor, booking: Booking) -> HostedPupil:
    """`booking` with pupil__school fetched."""
    pupil = booking.pupil
    full = policy.sees_full_pupil(actor, pupil)
    return HostedPupil(
        booking_id=booking.id,
        status=BookingStatus(booking.status),
        status_text=STATUS_TEXT[BookingStatus(booking.status)],
        first_name=pupil.first_name,
        school_name=pupil.school.name if full else None,
        year_group=pupil.year_group if full else None,
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
    by_slot: dict[int, list[HostedPupil]] = {}
    for b in rows:
        by_slot.setdefault(b.slot_id, []).append(hosted(actor, b))
    await audit.pupils_read(actor, len(rows), view="web:arbetsgivare")
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
    await audit.pupils_read(actor, 1, view="web:arbetsgivare:bokning")
    return booking, hosted(actor, booking)
