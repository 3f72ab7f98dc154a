"""The employer's pages: her slots, the slot form, publish/close/copy, and decisions on pupils."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao import policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import BookingOrigin, BookingStatus, Employer, Role, School, Slot
from prao.services import decisions, employers, hosting, slots, vetting
from prao.services.booking import MAX_REASON_LENGTH
from web.access import current_actor, redirect, sign_in_first
from web.errors import csrf_refused, error_page, status_for
from web.forms import checked_form, text_field
from web.templating import render, set_flash

MAX_SLOT_FIELDS = 200  # the school checkboxes come on top of the slot's own fields
SELF_FOUND_DONE = {
    True: "Praoplatsen är bekräftad, och eleven får besked.",
    False: "Ni har tackat nej, och eleven får besked.",
}


def slot_path(slot_id: int) -> str:
    return f"/arbetsgivare/platser/{slot_id}"


def _is_employer(actor: Actor) -> bool:
    return actor.role is Role.EMPLOYER and actor.employer_id is not None


def by_field(errors: list[DomainError]) -> dict[str, str]:
    """The first message per field; errors about no field go under ""."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field or "", error.message)
    return found


async def start_page(request: Request, actor: Actor) -> Response:
    """The employer's start page (/oversikt): her slots and what each is waiting for."""
    items = await hosting.employer_slots(actor) or []
    employer = await Employer.get(id=actor.employer_id)
    vetted = vetting.not_approved(employer)
    context = {
        "title": "Era praoplatser",
        "nav": "oversikt",
        "personal": True,
        "items": items,
        "requests": await hosting.self_found_requests(actor),
        "vetting_notice": vetted.message if vetted else None,
    }
    return render(request, "employer_start.html", context, actor=actor)


async def _guard(request: Request) -> tuple[Actor, Response | None]:
    actor = await current_actor(request)
    if actor.is_anonymous:
        return actor, sign_in_first(request)
    if not _is_employer(actor):
        return actor, error_page(request, 403, None, actor)
    return actor, None


# -- the slot form ------------------------------------------------------------------------------


def _date(form: FormData, name: str) -> date | None:
    try:
        return date.fromisoformat(text_field(form, name))
    except ValueError:
        return None


def _int(form: FormData, name: str, errors: list[DomainError], message: str) -> int:
    text = text_field(form, name)
    if text.isdigit() and len(text) < 6:
        return int(text)
    errors.append(DomainError.of(ErrorCode.INVALID, name, message))
    return 0


def slot_input(form: FormData) -> tuple[slots.SlotInput, list[DomainError]]:
    """The form as the domain's input, plus what could not even be read as a number."""
    unreadable: list[DomainError] = []
    school_ids = [int(v) for v in form.getlist("schoolIds") if isinstance(v, str) and v.isdigit()]
    data = slots.SlotInput(
        title=text_field(form, "title"),
        description=text_field(form, "description"),
        tasks=text_field(form, "tasks"),
        trade=text_field(form, "trade"),
        address=text_field(form, "address"),
        city=text_field(form, "city"),
        start_date=_date(form, "startDate"),
        end_date=_date(form, "endDate"),
        day_starts_at=text_field(form, "dayStartsAt"),
        day_ends_at=text_field(form, "dayEndsAt"),
        break_minutes=_int(form, "breakMinutes", unreadable, "Skriv rasten i minuter."),
        capacity=_int(form, "capacity", unreadable, "Skriv antalet platser med siffror."),
        min_age=_int(form, "minAge", unreadable, "Skriv åldern med siffror."),
        visible_to_all=text_field(form, "visibleToAll") != "0",
        school_ids=school_ids[:MAX_SLOT_FIELDS],
        requires_approval=text_field(form, "requiresApproval") == "1",
    )
    return data, unreadable


async def _form_page(
    request: Request,
    actor: Actor,
    data: slots.SlotInput,
    errors: list[DomainError],
    slot: Slot | None,
) -> Response:
    context: dict[str, Any] = {
        "title": "Ändra praoplats" if slot else "Ny praoplats",
        "nav": "oversikt",
        "personal": True,
        "slot": slot,
        "data": data,
        "errors": by_field(errors),
        "error_count": len({e.field for e in errors}),
        "schools": await policy.schools(actor).order_by("name"),
        "action": f"{slot_path(slot.id)}/andra" if slot else "/arbetsgivare/platser/ny",
    }
    status = 200 if not errors else max(status_for(e) for e in errors)
    return render(request, "employer_slot_form.html", context, actor=actor, status=status)


async def new_slot_form(request: Request) -> Response:
    actor, refused = await _guard(request)
    if refused:
        return refused
    employer = await Employer.get(id=actor.employer_id)
    data = slots.SlotInput(address=employer.address, city=employer.city)
    return await _form_page(request, actor, data, [], None)


async def create_slot(request: Request) -> Response:
    actor, refused = await _guard(request)
    form = await checked_form(request, MAX_SLOT_FIELDS)
    if form is None:
        return csrf_refused(request, actor)
    if refused:
        return refused
    data, unreadable = slot_input(form)
    outcome = await _checked_or_saved(actor, data, unreadable, None)
    if outcome.ok and outcome.value is not None:
        set_flash(request, "Utkastet är sparat. Publicera det när eleverna ska kunna se det.")
        return redirect(slot_path(outcome.value.id))
    return await _form_page(request, actor, data, outcome.errors, None)


async def _checked_or_saved(
    actor: Actor, data: slots.SlotInput, unreadable: list[DomainError], slot: Slot | None
) -> Outcome[Slot]:
    if unreadable:  # say everything at once, but write nothing
        employer = await Employer.get(id=actor.employer_id)
        checked = await slots.check(data, employer.organiser_id, slot.taken if slot else 0)
        bad = {e.field for e in unreadable}
        return Outcome(errors=unreadable + [e for e in checked if e.field not in bad])
    if slot is None:
        return await slots.create_slot(actor, data)
    return await slots.update_slot(actor, slot.id, data)


async def _own_slot_or_404(request: Request, actor: Actor) -> Slot | Response:
    slot = await slots.own_slot(actor, request.path_params["slot_id"])
    if slot is None:
        return error_page(request, 404, "Platsen finns inte.", actor)
    return slot


async def edit_slot_form(request: Request) -> Response:
    actor, refused = await _guard(request)
    if refused:
        return refused
    slot = await _own_slot_or_404(request, actor)
    if isinstance(slot, Response):
        return slot
    data = slots.SlotInput.from_slot(slot, await slots.visible_school_ids(slot))
    return await _form_page(request, actor, data, [], slot)


async def update_slot(request: Request) -> Response:
    actor, refused = await _guard(request)
    form = await checked_form(request, MAX_SLOT_FIELDS)
    if form is None:
        return csrf_refused(request, actor)
    if refused:
        return refused
    slot = await _own_slot_or_404(request, actor)
    if isinstance(slot, Response):
        return slot
    data, unreadable = slot_input(form)
    outcome = await _checked_or_saved(actor, data, unreadable, slot)
    if outcome.ok:
        set_flash(request, "Ändringarna är sparade.")
        return redirect(slot_path(slot.id))
    return await _form_page(request, actor, data, outcome.errors, slot)


# -- one slot: its pupils, publish, close, copy ---------------------------------------------------


async def slot_page(request: Request) -> Response:
    actor, refused = await _guard(request)
    if refused:
        return refused
    return await _slot_page(request, actor, request.path_params["slot_id"], [])


async def _slot_page(
    request: Request, actor: Actor, slot_id: int, errors: list[DomainError]
) -> Response:
    found = await hosting.employer_slots(actor, slot_id)
    if not found:
        return error_page(request, 404, "Platsen finns inte.", actor)
    item = found[0]
    school_ids = await slots.visible_school_ids(item.slot)
    context = {
        "title": item.slot.title,
        "nav": "oversikt",
        "personal": True,
        "item": item,
        "slot": item.slot,
        "errors": errors,
        "schools": await School.filter(id__in=school_ids).order_by("name"),
    }
    status = 200 if not errors else max(status_for(e) for e in errors)
    return render(request, "employer_slot.html", context, actor=actor, status=status)


async def _slot_action(request: Request, action: str) -> Response:
    actor, refused = await _guard(request)
    if await checked_form(request) is None:
        return csrf_refused(request, actor)
    if refused:
        return refused
    slot_id = request.path_params["slot_id"]
    if action == "publish":
        outcome = await slots.publish_slot(actor, slot_id)
        done = "Platsen är publicerad. Elever på de valda skolorna kan nu se den."
    elif action == "close":
        outcome = await slots.close_slot(actor, slot_id)
        done = "Platsen är stängd för nya bokningar."
    else:
        outcome = await slots.copy_slot(actor, slot_id)
        done = "En kopia med datumen ett år fram är sparad som utkast. Se över den och publicera."
    if outcome.ok and outcome.value is not None:
        set_flash(request, done)
        target = outcome.value.id
        return redirect(f"{slot_path(target)}/andra" if action == "copy" else slot_path(target))
    return await _slot_page(request, actor, slot_id, outcome.errors)


async def publish(request: Request) -> Response:
    return await _slot_action(request, "publish")


async def close(request: Request) -> Response:
    return await _slot_action(request, "close")


async def copy(request: Request) -> Response:
    return await _slot_action(request, "copy")


async def close_page(request: Request) -> Response:
    """Asks before closing: pupils can no longer book it."""
    actor, refused = await _guard(request)
    if refused:
        return refused
    slot = await _own_slot_or_404(request, actor)
    if isinstance(slot, Response):
        return slot
    context = {"title": f"Stäng {slot.title}?", "nav": "oversikt", "slot": slot}
    return render(request, "employer_close.html", context, actor=actor)


# -- decisions ------------------------------------------------------------------------------------


async def approve(request: Request) -> Response:
    actor, refused = await _guard(request)
    if await checked_form(request) is None:
        return csrf_refused(request, actor)
    if refused:
        return refused
    booking_id = request.path_params["booking_id"]
    outcome = await decisions.decide_booking(actor, booking_id, approve=True)
    return await _decided(request, actor, booking_id, outcome, "Eleven är godkänd och får besked.")


async def decline_page(request: Request) -> Response:
    actor, refused = await _guard(request)
    if refused:
        return refused
    return await _decline_page(request, actor, request.path_params["booking_id"], "", None)


async def decline(request: Request) -> Response:
    actor, refused = await _guard(request)
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, actor)
    if refused:
        return refused
    booking_id = request.path_params["booking_id"]
    reason = text_field(form, "reason")
    outcome = await decisions.decide_booking(actor, booking_id, approve=False, reason=reason)
    if outcome.ok or outcome.errors[0].field != "reason":
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
    return await _slot_page(request, actor, found[0].slot_id, [error])


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


# -- colleagues -----------------------------------------------------------------------------------


async def invite_page(request: Request) -> Response:
    actor, refused = await _guard(request)
    if refused:
        return refused
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
        "errors": by_field(errors),
    }
    status = 200 if not errors else status_for(errors[0])
    return render(request, "employer_invite.html", context, actor=actor, status=status)


async def invite(request: Request) -> Response:
    actor, refused = await _guard(request)
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, actor)
    if refused:
        return refused
    email, name = text_field(form, "email"), text_field(form, "name")
    outcome = await employers.invite_supervisor(actor, email, name, request.app.state.settings)
    if outcome.ok:
        set_flash(request, f"{email} är inbjuden och får en inloggningslänk med e-post.")
        return redirect("/arbetsgivare/kollegor")
    return await _invite_page(request, actor, email, name, outcome.errors)
