"""The employer's colleagues: who else at the workplace signs in, and inviting one more."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.services import employers
from prao.services.hosting import is_employer
from web.access import redirect
from web.errors import status_for
from web.fields import INVITE_FORM
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash

COLLEAGUES = "/arbetsgivare/kollegor"


@signed_in(is_employer)
async def invite_page(request: Request, actor: Actor) -> Response:
    return await _invite_page(request, actor, "", "", [])


async def _invite_page(
    request: Request, actor: Actor, email: str, name: str, errors: list[DomainError]
) -> Response:
    context = {
        "title": "Kollegor",
        "nav": "kollegor",
        "personal": True,
        "colleagues": await employers.colleagues(actor),
        "email": email,
        "name": name,
        "errors": INVITE_FORM.errors(errors),
    }
    status = 200 if not errors else status_for(errors[0])
    return render(request, "employer_invite.html", context, actor=actor, status=status)


@form_post(is_employer)
async def invite(request: Request, actor: Actor, form: FormData) -> Response:
    email, name = text_field(form, "email"), text_field(form, "name")
    outcome = await employers.invite_supervisor(actor, email, name, request.app.state.settings)
    if outcome.ok:
        set_flash(request, f"{email} är inbjuden och får en inloggningslänk med e-post.")
        return redirect(COLLEAGUES)
    return await _invite_page(request, actor, email, name, outcome.errors)
