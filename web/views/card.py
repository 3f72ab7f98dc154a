"""The printable placement card (praoplats-kort) and its calendar file."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.services.placement_card import placement_calendar, placement_card
from web.errors import error_page
from web.guards import signed_in
from web.templating import render

NOT_FOUND = "Bokningen finns inte."


@signed_in()
async def card_page(request: Request, actor: Actor) -> Response:
    card = await placement_card(actor, request.path_params["booking_id"])
    if card is None:
        return error_page(request, 404, NOT_FOUND, actor)
    context = {
        "title": f"Praoplatskort: {card.slot.title}",
        "personal": True,
        "card": card,
    }
    return render(request, "card.html", context, actor=actor)


@signed_in()
async def calendar_file(request: Request, actor: Actor) -> Response:
    booking_id = request.path_params["booking_id"]
    base_url = request.app.state.settings.base_url
    calendar = await placement_calendar(actor, booking_id, base_url)
    if calendar is None:
        return error_page(request, 404, NOT_FOUND, actor)
    return Response(
        calendar,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="praoplats-{booking_id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )
