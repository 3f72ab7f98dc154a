"""The printable placement card (praoplats-kort) and its calendar file: who may see which."""

from __future__ import annotations

from dataclasses import dataclass

from prao import clock, ics, outbox, policy
from prao.actor import Actor
from prao.info_texts import InfoTexts, info_texts
from prao.models import Booking, BookingStatus, Certificate, Employer, Organiser, Slot, User
from prao.pupil_view import PupilView
from prao.readiness import State
from prao.services import absence, evaluation
from prao.services.readiness import booking_states
from prao.validation import valid_id
from prao.wording import STATUS_TEXT


@dataclass(frozen=True)
class PlacementCard:
    booking: Booking
    slot: Slot
    employer: Employer
    pupil: PupilView  # as prao.policy.pupil_view shows her to the reader
    supervisor: User | None
    status_text: str
    readiness: State | None = None  # of a confirmed booking: what it waits for before the start
    info: InfoTexts | None = None  # the organiser's texts on insurance, lunch, travel, contact
    certificate_signed: bool = False  # the supervisor has signed the certificate: a PDF
    absence_today: bool = False  # the pupil herself may report sick or late today
    evaluation: str | None = None  # the pupil's own: "open" to answer now, or "answered"

    @property
    def confirmed(self) -> bool:
        return self.booking.status == BookingStatus.CONFIRMED

    @property
    def pupil_line(self) -> str:
        """Staff and the pupil: full name and class; an employer: first name and year group."""
        detail = self.pupil.class_name or (
            f"åk {self.pupil.year_group}" if self.pupil.year_group is not None else ""
        )
        return f"{self.pupil.name}, {detail}" if detail else self.pupil.name


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


async def placement_card(actor: Actor, booking_id: int) -> PlacementCard | None:
    """The card of a booking the actor may see; the read of the pupil is audited."""
    booking = await _visible_booking(actor, booking_id)
    if booking is None:
        return None
    view = await policy.pupil_view(
        actor, booking.pupil, purpose="web:praoplatskort", booking_id=booking.id
    )
    return PlacementCard(
        booking=booking,
        slot=booking.slot,
        employer=booking.slot.employer,
        pupil=view,
        supervisor=booking.slot.supervisor,
        status_text=STATUS_TEXT[BookingStatus(booking.status)],
        readiness=(await booking_states([booking.id])).get(booking.id)
        if booking.status == BookingStatus.CONFIRMED
        else None,
        info=info_texts(await Organiser.get(id=booking.pupil.school.organiser_id)),
        certificate_signed=await Certificate.exists(booking_id=booking.id, signed_at__isnull=False),
        absence_today=actor.is_pupil and absence.reportable(booking, clock.today()),
        evaluation=(await evaluation.pupil_states([booking])).get(booking.id)
        if actor.is_pupil
        else None,
    )


async def placement_calendar(actor: Actor, booking_id: int, base_url: str) -> str | None:
    """The .ics of a confirmed booking the actor may see; None otherwise. The file names no
    pupil, but fetching it tells the reader which pupil is placed where: audited as a read."""
    booking = await _visible_booking(actor, booking_id)
    if booking is None or booking.status != BookingStatus.CONFIRMED:
        return None
    await policy.audit_read(actor, 1, purpose="web:kalenderfil", booking_id=booking.id)
    slot = booking.slot
    return ics.placement_calendar(
        booking, slot, slot.employer, outbox.card_url(booking.id, base_url)
    )
