"""The slot catalogue: what an actor may see, filtered the way pupils search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.expressions import F
from tortoise.queryset import QuerySet

from prao import policy
from prao.actor import Actor
from prao.models import Employer, Slot
from prao.pagination import Page, paginate
from prao.validation import (
    clamp_day,
    clean_text,
    column_length,
    contains_any,
    filter_value,
    text_problem,
)

MAX_TEXT_LENGTH = 200


@dataclass(frozen=True)
class SlotFilter:
    text: str = ""
    trade: str = ""
    city: str = ""
    date_from: date | None = None  # slot still running on or after this day
    date_to: date | None = None  # slot starting on or before this day
    available_only: bool = False


def filtered_slots(actor: Actor, flt: SlotFilter) -> QuerySet[Slot]:
    qs = policy.slots(actor)
    text = clean_text(flt.text, MAX_TEXT_LENGTH)
    if text:
        qs = qs.filter(
            contains_any(
                text,
                [
                    *((Slot, name, name) for name in ("title", "description", "tasks")),
                    *((Slot, name, name) for name in ("trade", "city")),
                    (Employer, "name", "employer__name"),
                ],
            )
        )
    for name, wanted in (("trade", flt.trade), ("city", flt.city)):
        if wanted:
            value = filter_value(wanted, Slot, name)
            qs = qs.filter(**{name: value}) if value is not None else qs.filter(policy.NOTHING)
    if flt.date_from:
        qs = qs.filter(end_date__gte=clamp_day(flt.date_from))
    if flt.date_to:
        qs = qs.filter(start_date__lte=clamp_day(flt.date_to))
    if flt.available_only:
        qs = qs.filter(taken__lt=F("capacity"))
    return qs


async def list_slots(
    actor: Actor, flt: SlotFilter, first: int | None = None, after_id: int | None = None
) -> Page[Slot]:
    return await paginate(filtered_slots(actor, flt), first, after_id)


async def facets(actor: Actor) -> tuple[list[str], list[str]]:
    """The trades and cities the actor can filter by."""
    trades = await policy.slots(actor).distinct().order_by("trade").values_list("trade", flat=True)
    cities = await policy.slots(actor).distinct().order_by("city").values_list("city", flat=True)
    return [t for t in trades if t], [c for c in cities if c]  # type: ignore[misc]


async def slot_cards(actor: Actor, flt: SlotFilter, after_id: int | None = None) -> Page[Slot]:
    """A page of the catalogue as the pupil reads it: each slot with its employer."""
    page = await list_slots(actor, flt, after_id=after_id)
    await Slot.fetch_for_list(page.items, "employer")
    return page


def filter_problem(name: str, value: str) -> str | None:
    """Why a trade or city typed into the search can match no slot (the filter then matches
    none), or None."""
    return text_problem(value, column_length(Slot, name))
