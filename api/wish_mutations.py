"""A pupil's ranked wishes in an allocation period: thin call into prao.services.wishes."""

from __future__ import annotations

import strawberry

from api import ids
from api.batched import loaded
from api.context import Info
from api.limits import MAX_SLOT_IDS
from api.types import ErrorCode, Slot
from prao import errors
from prao.errors import DomainError
from prao.services import wishes

BAD_ID = "Ogiltigt id."


@strawberry.type
class WishError:
    code: ErrorCode
    field: str | None = strawberry.field(description="The input field the error is about.")
    message: str = strawberry.field(description="Swedish, ready to show to the person.")

    @classmethod
    def of(cls, error: DomainError) -> WishError:
        return cls(code=ErrorCode(error.code), field=error.field, message=error.message)


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


def _refused(code: errors.ErrorCode, field: str, message: str | None = None) -> SubmitWishesPayload:
    return SubmitWishesPayload(
        wishes=None, errors=[WishError.of(DomainError.of(code, field, message))]
    )


@strawberry.type
class WishMutation:
    @strawberry.mutation(
        description="Replace the signed-in pupil's ranked wishes in an allocation period."
    )
    async def submit_wishes(self, info: Info, input: SubmitWishesInput) -> SubmitWishesPayload:
        period_id = ids.decode_as(input.period_id, "Period")
        if period_id is None:
            return _refused(errors.ErrorCode.INVALID, "periodId", BAD_ID)
        if len(input.slot_ids) > MAX_SLOT_IDS:
            return _refused(errors.ErrorCode.TOO_MANY_WISHES, "slotIds")
        slot_ids = [ids.decode_as(value, "Slot") for value in input.slot_ids]
        if any(slot_id is None for slot_id in slot_ids):
            return _refused(errors.ErrorCode.INVALID, "slotIds", BAD_ID)
        outcome = await wishes.submit_wishes(
            info.context.actor, period_id, [s for s in slot_ids if s is not None]
        )
        if not outcome.ok or outcome.value is None:
            return SubmitWishesPayload(
                wishes=None, errors=[WishError.of(e) for e in outcome.errors]
            )
        return SubmitWishesPayload(
            wishes=[Wish(rank=w.rank, slot_id=w.slot_id) for w in outcome.value.wishes], errors=[]
        )
