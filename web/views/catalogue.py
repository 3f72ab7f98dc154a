"""The pupil's catalogue of slots and the slot page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import Slot
from prao.services.catalogue import facets, list_slots
from prao.services.overview import active_booking_for, booking_refusal
from prao.services.wishes import slot_wish
from web.access import current_actor, sign_in_first
from web.errors import error_page
from web.forms import catalogue_query
from web.templating import is_htmx, render

MORE_TRIGGER = "visa-fler"  # id of the "Visa fler" link: its requests get only the next cards


async def catalogue(request: Request) -> Response:
    actor = await current_actor(request)
    if actor.is_anonymous:
        return sign_in_first(request)
    query = catalogue_query(request.query_params)
    page = await list_slots(actor, query.slot_filter(), after_id=query.after)
    await Slot.fetch_for_list(page.items, "employer")
    trades, cities = await facets(actor)
    context = {
        "title": "Praoplatser",
        "nav": "platser",
        "query": query,
        "page": page,
        "trades": trades,
        "cities": cities,
        "more_trigger": MORE_TRIGGER,
        "next_query": query.query_string(after=page.items[-1].id) if page.has_next else "",
    }
    block = None
    if is_htmx(request):
        block = "cards" if request.headers.get("hx-trigger") == MORE_TRIGGER else "results"
    # The same address answers with a whole page or a fragment: caches must tell them apart.
    return render(
        request, "catalogue.html", context, actor=actor, block=block, headers={"vary": "HX-Request"}
    )


async def slot_context(actor: Actor, slot: Slot, error: DomainError | None) -> dict[str, object]:
    await slot.fetch_related("employer")
    booking = await active_booking_for(actor, slot.id)
    refusal = None
    wish = await slot_wish(actor, slot) if actor.is_pupil and booking is None else None
    if actor.is_pupil and booking is None and wish is None:
        refusal = await booking_refusal(actor, slot)
    return {
        "title": slot.title,
        "nav": "platser",
        "slot": slot,
        "booking": booking,
        "error": error,
        "refusal": refusal,
        "wish": wish,
    }


async def slot_page(request: Request) -> Response:
    actor = await current_actor(request)
    if actor.is_anonymous:
        return sign_in_first(request)
    slot = await policy.slots(actor).get_or_none(id=request.path_params["slot_id"])
    if slot is None:
        return error_page(request, 404, "Platsen finns inte, eller är inte öppen för dig.", actor)
    return render(request, "slot.html", await slot_context(actor, slot, None), actor=actor)
