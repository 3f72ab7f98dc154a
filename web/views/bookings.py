"""Booking a slot, the pupil's bookings, and cancelling one."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.models import BookingStatus
from prao.services.booking import MAX_REASON_LENGTH, book_slot, cancel_booking
from prao.services.overview import pupil_booking, pupil_bookings
from prao.services.slot_detail import slot_detail
from web.access import redirect, start_path
from web.errors import error_page, status_for
from web.forms import text_field
from web.guards import any_visitor, form_post, signed_in
from web.templating import render, set_flash
from web.views.catalogue import slot_context

MY_BOOKINGS = "/mina-bokningar"


@form_post()
async def book(request: Request, actor: Actor, form: FormData) -> Response:
    slot_id = request.path_params["slot_id"]
    outcome = await book_slot(actor, slot_id)
    if outcome.ok and outcome.value is not None:
        if outcome.value.status == BookingStatus.PENDING:
            set_flash(
                request,
                "Din förfrågan är skickad. Arbetsplatsen behöver godkänna den innan "
                "bokningen är klar.",
            )
        else:
            set_flash(request, "Bokningen är klar! En bekräftelse skickas till din e-post.")
        return redirect(MY_BOOKINGS)
    error = outcome.errors[0]
    status = status_for(error)
    # The page shows the refusal the domain gave; the booking rules are not asked again.
    detail = await slot_detail(actor, slot_id, refused=error)
    if detail is None:  # not found, or not open to this pupil: no slot page to show
        return error_page(request, status, error.message, actor, "Det gick inte att boka")
    return render(request, "slot.html", slot_context(detail, error), actor=actor, status=status)


@any_visitor
async def my_bookings(request: Request, actor: Actor) -> Response:
    if not actor.is_pupil:  # anyone else, signed in or not, has another start page
        return redirect(start_path(actor.role))
    context = {
        "title": "Mina bokningar",
        "nav": "bokningar",
        "personal": True,
        "bookings": await pupil_bookings(actor),
    }
    return render(request, "my_bookings.html", context, actor=actor)


@signed_in()
async def cancel_page(request: Request, actor: Actor) -> Response:
    """Asks for confirmation, with an optional reason."""
    return await _cancel_page(request, actor, request.path_params["booking_id"], None, "")


@form_post()
async def cancel(request: Request, actor: Actor, form: FormData) -> Response:
    booking_id = request.path_params["booking_id"]
    reason = text_field(form, "reason")
    outcome = await cancel_booking(actor, booking_id, reason)
    if outcome.ok:
        set_flash(request, "Bokningen är avbokad.")
        return redirect(MY_BOOKINGS if actor.is_pupil else start_path(actor.role))
    return await _cancel_page(request, actor, booking_id, outcome.errors[0], reason)


async def _cancel_page(
    request: Request, actor: Actor, booking_id: int, error: DomainError | None, reason: str
) -> Response:
    found = await pupil_booking(actor, booking_id)
    if found is None:
        return error_page(request, 404, "Bokningen finns inte.", actor)
    context = {
        "title": "Avboka",
        "nav": "bokningar",
        "personal": True,
        "item": found,
        "error": error,
        "reason": reason,
        "max_reason": MAX_REASON_LENGTH,
    }
    status = 200 if error is None else status_for(error)
    return render(request, "cancel.html", context, actor=actor, status=status)
