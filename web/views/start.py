"""The front page, and the start page of staff and employers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.services import vetting
from prao.services.decisions import flagged_pending
from prao.services.mail_problems import mail_problems
from prao.services.overview import staff_overview
from web.errors import error_page
from web.forms import after_id
from web.guards import signed_in, signed_out, to_start
from web.templating import render
from web.views import employer_slots


@signed_out
async def home(request: Request, actor: Actor) -> Response:
    return render(request, "home.html", {"title": "Välkommen"}, actor=actor)


def _not_a_pupil(actor: Actor) -> bool:
    return not actor.is_pupil


@signed_in(_not_a_pupil, to_start)  # a pupil's start is the catalogue
async def overview(request: Request, actor: Actor) -> Response:
    context: dict[str, object] = {
        "title": "Översikt",
        "nav": "oversikt",
        "personal": True,
        "wide": True,  # its table of bookings
    }
    if actor.employer_id is not None and not actor.is_school_staff:
        return await employer_slots.start_page(request, actor)  # her slots, with actions
    staff = await staff_overview(actor, after_id=after_id(request.query_params))
    if staff is None:
        return error_page(request, 403, None, actor)
    context["staff"] = staff
    context["flagged"] = await flagged_pending(actor, request.app.state.settings.pending_flag_days)
    context["mail_problems"] = await mail_problems(actor)
    context["vetting_count"] = await vetting.pending_count(actor)
    return render(request, "staff_start.html", context, actor=actor)
