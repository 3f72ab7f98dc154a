"""A pupil's ranked wishes in an allocation period: thin call into prao.services.wishes."""

from __future__ import annotations

import strawberry

from api.batched import loaded
from api.context import Info
from api.limits import MAX_SLOT_IDS
from api.mutation_errors import MutationError, pk_of, pks_of
from api.types import Slot
from prao.errors import DomainError, ErrorCode
from prao.services import wishes


@strawberry.type
class WishError(MutationError):
    pass


@strawberry.type(description="A pupil's wish for a slot; rank 1 is her first choice.")
class Wish:
    rank: int
    slot_id: strawberry.Private[int]

    slot: Slot = loaded("slot", "slot_id")


@strawberry.input
class SubmitWishesInput:
    period_id: strawberry.ID
    slot_ids: list[strawberry.ID] = strawberry.field(
        description="The whole list, first choice first (at most the period's number of wishes)."
    )


@strawberry.type
class SubmitWishesPayload:
    wishes: list[Wish] | None
    errors: list[WishError]


def _refused(error: DomainError) -> SubmitWishesPayload:
    return SubmitWishesPayload(wishes=None, errors=[WishError.from_domain(error)])


@strawberry.type
class WishMutation:
    @strawberry.mutation(
        description="Replace the signed-in pupil's ranked wishes in an allocation period."
    )
    async def submit_wishes(self, info: Info, input: SubmitWishesInput) -> SubmitWishesPayload:
        period_id = pk_of(input.period_id, "Period", "periodId")
        if isinstance(period_id, DomainError):
            return _refused(period_id)
        if len(input.slot_ids) > MAX_SLOT_IDS:
            return _refused(DomainError.of(ErrorCode.TOO_MANY_WISHES, "slotIds"))
        slot_ids = pks_of(input.slot_ids, "Slot", "slotIds")
        if isinstance(slot_ids, DomainError):
            return _refused(slot_ids)
        outcome = await wishes.submit_wishes(info.context.actor, period_id, slot_ids)
        if not outcome.ok or outcome.value is None:
            return SubmitWishesPayload(wishes=None, errors=WishError.all_from(outcome.errors))
        return SubmitWishesPayload(
            wishes=[Wish(rank=w.rank, slot_id=w.slot_id) for w in outcome.value.wishes], errors=[]
        )
