"""A coordinator erases one pupil's personal data on request: a confirmation page, then the
erasure. The rules live in prao.services.pupil_erasure."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.services.pupil_erasure import erase_pupil, erasure_preview
from web.access import redirect, start_path
from web.errors import error_page, status_for
from web.guards import form_post, signed_in
from web.templating import render, set_flash

ERASE = "/oversikt/elever/{pupil_id:int}/radera"
NOT_FOUND = "Eleven finns inte."


def _refused(request: Request, actor: Actor, error: DomainError) -> Response:
    if error.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
        return error_page(request, 404, NOT_FOUND, actor)
    return error_page(request, status_for(error), error.message, actor)


async def _page(
    request: Request, actor: Actor, pupil_id: int, error: DomainError | None = None
) -> Response:
    found = await erasure_preview(actor, pupil_id)
    if found.value is None:
        return _refused(request, actor, found.errors[0])
    context = {
        "title": "Radera elevens uppgifter",
        "nav": "perioder",
        "personal": True,
        "preview": found.value,
        "error": error,
    }
    status = status_for(error) if error else 200
    return render(request, "coord_pupil_erase.html", context, actor=actor, status=status)


@signed_in()
async def confirm_page(request: Request, actor: Actor) -> Response:
    return await _page(request, actor, request.path_params["pupil_id"])


@form_post()
async def erase(request: Request, actor: Actor, form: FormData) -> Response:
    pupil_id = request.path_params["pupil_id"]
    outcome = await erase_pupil(actor, pupil_id)
    if outcome.value is None:
        error = outcome.errors[0]
        if error.code is ErrorCode.NOT_ACTIVE and error.field == "pupil_id":
            found = await erasure_preview(actor, pupil_id)
            if found.value is not None:  # a placement still ahead: the page says why
                return await _page(request, actor, pupil_id, error)
        return _refused(request, actor, error)
    set_flash(request, "Elevens uppgifter är raderade.")
    return redirect(start_path(actor.role))
