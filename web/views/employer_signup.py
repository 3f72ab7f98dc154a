"""Public sign-up of a workplace (/arbetsgivare/registrera)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.services import employers
from web.access import client_address
from web.fields import SIGN_UP_FORM
from web.forms import text_field
from web.guards import public_form_post, signed_out
from web.templating import render


async def _page(
    request: Request, data: employers.SignUp, errors: list[DomainError], status: int = 200
) -> Response:
    organisers = await employers.organisers()
    context = {
        "title": "Registrera arbetsplats",
        "nav": "registrera",
        "data": data,
        "organisers": organisers,
        "errors": SIGN_UP_FORM.errors(errors),
        "error_count": len(errors),
    }
    return render(request, "employer_signup.html", context, actor=None, status=status)


@signed_out
async def signup_form(request: Request, actor: Actor) -> Response:
    organisers = await employers.organisers()
    chosen = organisers[0].id if len(organisers) == 1 else None
    return await _page(request, employers.SignUp(chosen, "", "", "", "", ""), [])


@public_form_post()
async def signup(request: Request, form: FormData) -> Response:
    organiser = text_field(form, "organiserId")
    data = employers.SignUp(
        organiser_id=int(organiser) if organiser.isdigit() and len(organiser) < 10 else None,
        name=text_field(form, "name"),
        org_number=text_field(form, "orgNumber"),
        address=text_field(form, "address"),
        city=text_field(form, "city"),
        contact_email=text_field(form, "contactEmail"),
        contact_name=text_field(form, "contactName"),
    )
    outcome = await employers.sign_up(
        data, request.app.state.settings, caller=client_address(request)
    )
    if not outcome.ok:
        status = 429 if any(e.code is ErrorCode.TOO_MANY_REQUESTS for e in outcome.errors) else 422
        return await _page(request, data, outcome.errors, status)
    # The same page whether the address was new or already had an account.
    context = {"title": "Kolla din e-post", "nav": "registrera", "email": data.contact_email}
    return render(request, "employer_signup_sent.html", context, actor=None)
