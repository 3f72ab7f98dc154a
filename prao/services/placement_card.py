"""The printable placement card (praoplats-kort) and its calendar file: who may see which."""

from __future__ import annotations

from dataclasses import dataclass

from prao import audit, ics, outbox, policy
from prao.actor import Actor
from prao.models import Booking, BookingStatus, Employer, Pupil, School, Slot, User
from prao.outbox import STATUS_TEXT
from prao.validation import valid_id


@dataclass(frozen=True)
class PlacementCard:
    booking: Booking
    slot: Slot
    employer: Employer
    pupil_name: str
    class_name: str  # empty where the reader may not see it
    school: School | None  # None for an employer reading a protected pupil's card
    supervisor: User | None
    status_text: str

    @property
    def confirmed(self) -> bool:
        return self.booking.status == BookingStatus.CONFIRMED


async def _visible_booking(actor: Actor, booking_id: int) -> Booking | None:
    """The pupil herself, her school's staff and the slot's employer; anyone else: not found."""
    if actor.is_anonymous or actor.is_token or not valid_id(booking_id):
        return None
    return (
        await policy.bookings(actor)
        .filter(id=booking_id)
        .select_related("pupil__school", "slot__employer", "slot__supervisor")
        .first()
    )


def _pupil_view(actor: Actor, pupil: Pupil) -> tuple[str, str, School | None]:
    if not policy.sees_full_pupil(actor, pupil):
        return pupil.first_name, "", None
    if actor.employer_id is not None and not actor.is_school_staff:
        # Employers know first name, school and year group (as on their booking lists).
        return pupil.first_name, f"åk {pupil.year_group}", pupil.school
    return f"{pupil.first_name} {pupil.last_name}", pupil.class_name, pupil.school


async def placement_card(actor: Actor, booking_id: int) -> PlacementCard | None:
    booking = await _visible_booking(actor, booking_id)
    if booking is None:
        return None
    if actor.is_school_staff:
        await audit.pupils_read(actor, 1, view="web:praoplatskort", booking_id=booking.id)
    name, class_name, school = _pupil_view(actor, booking.pupil)
    return PlacementCard(
        booking=booking,
        slot=booking.slot,
        employer=booking.slot.employer,
        pupil_name=name,
        class_name=class_name,
        school=school,
        supervisor=booking.slot.supervisor,
        status_text=STATUS_TEXT[BookingStatus(booking.status)],
    )


async def placement_calendar(actor: Actor, booking_id: int, base_url: str) -> str | None:
    """The .ics of a confirmed booking the actor may see; None otherwise."""
    booking = await _visible_booking(actor, booking_id)
    if booking is None or booking.status != BookingStatus.CONFIRMED:
        return None
    slot = booking.slot
    return ics.placement_calendar(
        booking, slot, slot.employer, outbox.card_url(booking.id, base_url)
    )
