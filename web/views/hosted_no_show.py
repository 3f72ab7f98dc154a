"""'Eleven har inte kommit' from the employer's slot page (signed in): a confirmation page,
then the school and the guardians are told. The rule is prao.services.no_show's."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import ErrorCode
from prao.services import no_show
from prao.services.hosting import is_employer
from web.access import redirect
from web.errors import error_page, status_for
from web.guards import form_post, signed_in
from web.templating import render, set_flash
from web.views.employer_slots import slot_path


def _page(request: Request, actor: Actor, hosted: no_show.HostedNoShow) -> Response:
    context = {
        "title": f"Har {hosted.pupil.first_name} inte kommit?",
        "nav": "oversikt",
        "personal": True,
        "hosted": hosted,
    }
    status = status_for(hosted.refusal) if hosted.refusal else 200
    return render(request, "employer_no_show.html", context, actor=actor, status=status)


@signed_in(is_employer)
async def confirm_page(request: Request, actor: Actor) -> Response:
    found = await no_show.for_employer(actor, request.path_params["booking_id"])
    if found.value is None:
        return error_page(request, 404, "Bokningen finns inte.", actor)
    return _page(request, actor, found.value)


@form_post(is_employer)
async def report(request: Request, actor: Actor, form: FormData) -> Response:
    done = await no_show.report_by_employer(actor, request.path_params["booking_id"])
    if done.value is None:
        error = done.errors[0]
        if error.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):  # not hers: nothing read
            return error_page(request, 404, "Bokningen finns inte.", actor)
        return error_page(request, status_for(error), error.message, actor)
    name = done.value.pupil.first_name
    set_flash(
        request, f"Skolan och vårdnadshavarna har fått besked att {name} inte har kommit i dag."
    )
    return redirect(slot_path(done.value.booking.slot_id))
