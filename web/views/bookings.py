"""Booking a slot, the pupil's bookings, and cancelling one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import BookingStatus
from prao.services.booking import MAX_REASON_LENGTH, book_slot, cancel_booking
from prao.services.overview import pupil_booking, pupil_bookings
from web.access import current_actor, redirect, sign_in_first, start_path
from web.errors import csrf_refused, error_page, status_for
from web.forms import checked_form, text_field
from web.templating import render, set_flash
from web.views.catalogue import slot_context

MY_BOOKINGS = "/mina-bokningar"


async def book(request: Request) -> Response:
    actor = await current_actor(request)
    if await checked_form(request) is None:
        return csrf_refused(request, actor)
    if actor.is_anonymous:
        return sign_in_first(request)
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
    slot = await policy.slots(actor).get_or_none(id=slot_id)
    if slot is None:  # not found, or not open to this pupil: no slot page to show
        return error_page(request, status, error.message, actor, "Det gick inte att boka")
    context = await slot_context(actor, slot, error)
    return render(request, "slot.html", context, actor=actor, status=status)


async def my_bookings(request: Request) -> Response:
    actor = await current_actor(request)
    if not actor.is_pupil:
        return redirect(start_path(actor.role))
    context = {
        "title": "Mina bokningar",
        "nav": "bokningar",
        "personal": True,
        "bookings": await pupil_bookings(actor),
    }
    return render(request, "my_bookings.html", context, actor=actor)


async def cancel_page(request: Request) -> Response:
    """Asks for confirmation, with an optional reason."""
    actor = await current_actor(request)
    if actor.is_anonymous:
        return sign_in_first(request)
    return await _cancel_page(request, actor, request.path_params["booking_id"], None, "")


async def cancel(request: Request) -> Response:
    actor = await current_actor(request)
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, actor)
    if actor.is_anonymous:
        return sign_in_first(request)
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
