"""Self-found placements: the pupil's form, and the workplace's confirm page (no account)."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.services import self_found, self_found_link
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import SELF_FOUND_FORM
from web.forms import text_field
from web.guards import form_post, is_pupil, public_form_post, signed_in, to_start
from web.templating import render, set_flash

MY_BOOKINGS = "/mina-bokningar"


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _form_page(
    request: Request, actor: Actor, values: dict[str, str], errors: list[DomainError]
) -> Response:
    context = {
        "title": "Egen praoplats",
        "nav": "bokningar",
        "personal": True,
        "values": values,
        "errors": SELF_FOUND_FORM.errors(errors),
        "error_count": len(errors),
    }
    status = 200 if not errors else status_for(errors[0])
    return render(request, "self_found_form.html", context, actor=actor, status=status)


@signed_in(is_pupil, to_start)
async def form_page(request: Request, actor: Actor) -> Response:
    return _form_page(request, actor, dict.fromkeys(SELF_FOUND_FORM.inputs, ""), [])


@form_post(is_pupil)
async def register(request: Request, actor: Actor, form: FormData) -> Response:
    values = {name: text_field(form, name) for name in SELF_FOUND_FORM.inputs}
    data = self_found.SelfFound(
        name=values["name"],
        contact_email=values["contactEmail"],
        start_date=_date(values["startDate"]),
        end_date=_date(values["endDate"]),
        tasks=values["tasks"],
        address=values["address"],
        city=values["city"],
    )
    outcome = await self_found.register(actor, data, request.app.state.settings)
    if outcome.ok:
        set_flash(
            request,
            f"Tack! Vi har mejlat {data.contact_email.lower()} och bett arbetsplatsen bekräfta. "
            "Du ser svaret här.",
        )
        return redirect(MY_BOOKINGS)
    return _form_page(request, actor, values, outcome.errors)


async def confirm_page(request: Request) -> Response:
    """Shows the request and two buttons; opening the link (mail scanners do) changes nothing."""
    token = request.path_params["token"]
    opened = await self_found_link.open_link(token)
    if not opened.ok or opened.value is None:
        error = opened.errors[0]
        return error_page(request, status_for(error), error.message, None, "Länken fungerar inte")
    context = {"title": "Bekräfta praoplats", "nav": "", "item": opened.value, "token": token}
    return render(request, "self_found_confirm.html", context, actor=None)


@public_form_post()
async def answer(request: Request, form: FormData) -> Response:
    token = request.path_params["token"]
    confirm = text_field(form, "decision") == "confirm"
    outcome = await self_found_link.answer_link(token, confirm, text_field(form, "reason"))
    if not outcome.ok:
        error = outcome.errors[0]
        return error_page(request, status_for(error), error.message, None, "Länken fungerar inte")
    context = {"title": "Tack för ditt svar", "nav": "", "confirmed": confirm}
    return render(request, "self_found_done.html", context, actor=None)
