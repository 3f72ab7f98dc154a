"""What the employer's slot form starts from and checks before anything is saved: the input as
her workplace or the slot has it, the schools she may list a slot for, and every rule at once."""

from __future__ import annotations

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import Employer, Role, School, Slot
from prao.services import slots


async def _own_employer(actor: Actor) -> Employer | None:
    if actor.role is not Role.EMPLOYER or actor.employer_id is None:
        return None
    return await Employer.get_or_none(id=actor.employer_id)


async def new_input(actor: Actor) -> slots.SlotInput:
    """A new slot starts at the workplace's own address."""
    employer = await _own_employer(actor)
    if employer is None:
        return slots.SlotInput()
    return slots.SlotInput(address=employer.address, city=employer.city)


async def input_of(slot: Slot) -> slots.SlotInput:
    """The slot as its form shows it."""
    return slots.SlotInput.from_slot(slot, await slots.visible_school_ids(slot))


async def choosable_schools(actor: Actor) -> list[School]:
    """The schools she may list a slot for, by name."""
    return await policy.schools(actor).order_by("name")


async def input_errors(actor: Actor, data: slots.SlotInput, slot: Slot | None) -> list[DomainError]:
    """Every rule the input breaks, for a new slot or for `slot`; nothing is written."""
    employer = await _own_employer(actor)
    if employer is None:
        return []
    return await slots.check(data, employer.organiser_id, slot.taken if slot else 0)
