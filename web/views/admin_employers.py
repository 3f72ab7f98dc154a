"""The organiser's vetting of self-registered employers (/admin/arbetsgivare): the pending list,
approve, and decline with a reason after a confirmation page. Who may, and what a decision
does, live in prao.services.vetting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.services import vetting
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import REASON_FORM
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import Employer

EMPLOYERS = "/admin/arbetsgivare"


@signed_in(vetting.may_vet)
async def employers_page(request: Request, actor: Actor) -> Response:
    return await _list_page(request, actor, None)


async def _list_page(request: Request, actor: Actor, error: DomainError | None) -> Response:
    listed = await vetting.pending_employers(actor)
    if listed.value is None:
        return error_page(request, status_for(listed.errors[0]), listed.errors[0].message, actor)
    context = {
        "title": "Granska arbetsplatser",
        "nav": "arbetsgivare",
        "personal": True,
        "pending": listed.value,
        "error": error,
    }
    status = 200 if error is None else status_for(error)
    return render(request, "admin_employers.html", context, actor=actor, status=status)


@form_post(vetting.may_vet)
async def approve(request: Request, actor: Actor, form: FormData) -> Response:
    outcome = await vetting.approve(
        actor, request.path_params["employer_id"], request.app.state.settings
    )
    if outcome.value is None:
        return await _list_page(request, actor, outcome.errors[0])
    set_flash(request, f"{outcome.value.name} är godkänd och får besked med e-post.")
    return redirect(EMPLOYERS)


async def _employer_or_error(request: Request, actor: Actor) -> Employer | Response:
    found = await vetting.pending_employer(actor, request.path_params["employer_id"])
    if found.value is None:
        error = found.errors[0]
        return error_page(request, status_for(error), error.message, actor)
    return found.value


@signed_in(vetting.may_vet)
async def decline_page(request: Request, actor: Actor) -> Response:
    """Asks before declining, and for the reason the workplace will be told."""
    employer = await _employer_or_error(request, actor)
    if isinstance(employer, Response):
        return employer
    return _decline_form(request, actor, employer, "", None)


def _decline_form(
    request: Request, actor: Actor, employer: Employer, reason: str, error: DomainError | None
) -> Response:
    context = {
        "title": f"Neka {employer.name}?",
        "nav": "arbetsgivare",
        "employer": employer,
        "reason": reason,
        "error": error,
        "max_reason": vetting.MAX_REASON,
    }
    status = 200 if error is None else status_for(error)
    return render(request, "admin_employer_decline.html", context, actor=actor, status=status)


@form_post(vetting.may_vet)
async def decline(request: Request, actor: Actor, form: FormData) -> Response:
    reason = text_field(form, "reason")
    outcome = await vetting.decline(
        actor, request.path_params["employer_id"], reason, request.app.state.settings
    )
    if outcome.value is not None:
        set_flash(request, f"{outcome.value.name} är nekad och får skälet med e-post.")
        return redirect(EMPLOYERS)
    error = outcome.errors[0]
    if not REASON_FORM.is_on(error, "reason"):
        return error_page(request, status_for(error), error.message, actor)
    employer = await _employer_or_error(request, actor)
    if isinstance(employer, Response):
        return employer
    return _decline_form(request, actor, employer, reason, error)
