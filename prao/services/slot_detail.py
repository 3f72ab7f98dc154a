"""One slot as the catalogue shows it to an actor: the slot, her own booking of it, her wish for
it in an allocation period, and why she may not book it now. Every query goes through
prao.policy."""

from __future__ import annotations

from dataclasses import dataclass

from prao import clock, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.models import ACTIVE_BOOKING_STATUSES, Booking, Pupil, Slot
from prao.services.booking import check_booking
from prao.services.wishes import SlotWish, slot_wish
from prao.validation import valid_id


@dataclass(frozen=True)
class SlotDetail:
    slot: Slot  # with employer fetched
    booking: Booking | None  # her active booking of this slot
    wish: SlotWish | None  # what she may wish, in an allocation period
    refusal: DomainError | None  # why book_slot would refuse her now


async def own_pupil(actor: Actor) -> Pupil | None:
    if not actor.is_pupil or actor.pupil_id is None:
        return None
    return await policy.pupils(actor).get_or_none(id=actor.pupil_id)


async def booking_refusal(actor: Actor, slot: Slot) -> DomainError | None:
    """Why book_slot would refuse this pupil this slot now, or None if she may try."""
    pupil = await own_pupil(actor)
    if pupil is None:
        return DomainError.of(ErrorCode.FORBIDDEN, "slot_id")
    checked = await check_booking(pupil, slot, clock.now())
    return checked if isinstance(checked, DomainError) else None


async def active_booking_for(actor: Actor, slot_id: int) -> Booking | None:
    """The actor's own active booking of this slot, if she has one."""
    if not actor.is_pupil:
        return None
    return (
        await policy.bookings(actor)
        .filter(slot_id=slot_id, status__in=list(ACTIVE_BOOKING_STATUSES))
        .first()
    )


async def slot_detail(
    actor: Actor, slot_id: int, refused: DomainError | None = None
) -> SlotDetail | None:
    """The slot if it is open to the actor, else None. `refused` is the refusal book_slot has
    just returned: it is why she may not book, and the rules are not run a second time."""
    slot = (
        await policy.slots(actor).select_related("employer").get_or_none(id=slot_id)
        if valid_id(slot_id)
        else None
    )
    if slot is None:
        return None
    booking = await active_booking_for(actor, slot.id)
    wish = await slot_wish(actor, slot) if actor.is_pupil and booking is None else None
    refusal = None
    if actor.is_pupil and booking is None and wish is None:
        refusal = refused or await booking_refusal(actor, slot)
    return SlotDetail(slot, booking, wish, refusal)
