"""The employer's decisions on pupils' requests, from a school or a pupil's self-found place:
approve, or decline with a reason after a confirmation page."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, Outcome
from prao.models import BookingOrigin, BookingStatus
from prao.services import decisions, hosting
from prao.services.booking import MAX_REASON_LENGTH
from prao.services.hosting import is_employer
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import REASON_FORM
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash
from web.views.employer_slots import show_slot, slot_path

SELF_FOUND_DONE = {
    True: "Praoplatsen är bekräftad, och eleven får besked.",
    False: "Ni har tackat nej, och eleven får besked.",
}


@form_post(is_employer)
async def approve(request: Request, actor: Actor, form: FormData) -> Response:
    booking_id = request.path_params["booking_id"]
    outcome = await decisions.decide_booking(actor, booking_id, approve=True)
    return await _decided(request, actor, booking_id, outcome, "Eleven är godkänd och får besked.")


@signed_in(is_employer)
async def decline_page(request: Request, actor: Actor) -> Response:
    return await _decline_page(request, actor, request.path_params["booking_id"], "", None)


@form_post(is_employer)
async def decline(request: Request, actor: Actor, form: FormData) -> Response:
    booking_id = request.path_params["booking_id"]
    reason = text_field(form, "reason")
    outcome = await decisions.decide_booking(actor, booking_id, approve=False, reason=reason)
    if outcome.ok or not REASON_FORM.is_on(outcome.errors[0], "reason"):
        done = "Förfrågan är nekad. Platsen är ledig igen och eleven får besked."
        return await _decided(request, actor, booking_id, outcome, done)
    return await _decline_page(request, actor, booking_id, reason, outcome.errors[0])


async def _decided(
    request: Request, actor: Actor, booking_id: int, outcome: Outcome[Any], done: str
) -> Response:
    if outcome.ok and outcome.value is not None:
        # A self-found request answered: back where it was listed (it is no slot of hers
        # unless confirmed).
        if outcome.value.origin == BookingOrigin.SELF_FOUND:
            confirmed = outcome.value.status == BookingStatus.CONFIRMED
            set_flash(request, SELF_FOUND_DONE[confirmed])
            return redirect("/oversikt")
        set_flash(request, done)
        return redirect(slot_path(outcome.value.slot_id))
    error = outcome.errors[0]
    found = await hosting.hosted_booking(actor, booking_id)
    if found is None or found[0].origin == BookingOrigin.SELF_FOUND:
        return error_page(request, status_for(error), error.message, actor)
    return await show_slot(request, actor, found[0].slot_id, [error])


async def _decline_page(
    request: Request, actor: Actor, booking_id: int, reason: str, error: DomainError | None
) -> Response:
    found = await hosting.hosted_booking(actor, booking_id)
    if found is None:
        return error_page(request, 404, "Bokningen finns inte.", actor)
    booking, pupil = found
    context = {
        "title": "Neka förfrågan",
        "nav": "oversikt",
        "personal": True,
        "booking": booking,
        "pupil": pupil,
        "reason": reason,
        "error": error,
        "max_reason": MAX_REASON_LENGTH,
    }
    status = 200 if error is None else status_for(error)
    return render(request, "employer_decline.html", context, actor=actor, status=status)
