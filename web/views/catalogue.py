"""The pupil's catalogue of slots and the slot page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.services.catalogue import facets, slot_cards
from prao.services.slot_detail import SlotDetail, slot_detail
from web.errors import error_page
from web.forms import catalogue_query
from web.guards import signed_in
from web.templating import is_htmx, render

MORE_TRIGGER = "visa-fler"  # id of the "Visa fler" link: its requests get only the next cards
NOT_OPEN = "Platsen finns inte, eller är inte öppen för dig."


@signed_in()
async def catalogue(request: Request, actor: Actor) -> Response:
    query = catalogue_query(request.query_params)
    page = await slot_cards(actor, query.slot_filter(), after_id=query.after)
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


def slot_context(detail: SlotDetail, error: DomainError | None) -> dict[str, object]:
    """The slot page; `error` when it answers a booking the domain refused."""
    return {
        "title": detail.slot.title,
        "nav": "platser",
        "slot": detail.slot,
        "booking": detail.booking,
        "error": error,
        "refusal": detail.refusal,
        "wish": detail.wish,
    }


@signed_in()
async def slot_page(request: Request, actor: Actor) -> Response:
    detail = await slot_detail(actor, request.path_params["slot_id"])
    if detail is None:
        return error_page(request, 404, NOT_OPEN, actor)
    return render(request, "slot.html", slot_context(detail, None), actor=actor)
