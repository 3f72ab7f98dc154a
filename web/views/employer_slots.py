"""The employer's slots: her start page, one slot with its pupils, and publish, close and copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, Outcome
from prao.services import assessment_pages, evaluation, hosting, slots
from prao.services.hosting import is_employer
from web.access import redirect
from web.errors import error_page, status_for
from web.guards import form_post, signed_in
from web.templating import render, set_flash

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import Slot

NO_SLOT = "Platsen finns inte."


def slot_path(slot_id: int) -> str:
    return f"/arbetsgivare/platser/{slot_id}"


async def start_page(request: Request, actor: Actor) -> Response:
    """The employer's start page (/oversikt): her slots and what each is waiting for."""
    notice = await hosting.approval_notice(actor)
    context = {
        "title": "Era praoplatser",
        "nav": "oversikt",
        "personal": True,
        "items": await hosting.employer_slots(actor) or [],
        "requests": await hosting.self_found_requests(actor),
        "vetting_notice": notice.message if notice else None,
        "evaluations": await evaluation.workplace_summary(actor),
        "questions": evaluation.PUPIL_QUESTIONS,
        "min_group": evaluation.MIN_GROUP,
    }
    return render(request, "employer_start.html", context, actor=actor)


async def own_slot_or_404(request: Request, actor: Actor) -> Slot | Response:
    slot = await slots.own_slot(actor, request.path_params["slot_id"])
    if slot is None:
        return error_page(request, 404, NO_SLOT, actor)
    return slot


@signed_in(is_employer)
async def slot_page(request: Request, actor: Actor) -> Response:
    return await show_slot(request, actor, request.path_params["slot_id"], [])


async def show_slot(
    request: Request, actor: Actor, slot_id: int, errors: list[DomainError]
) -> Response:
    """One of her slots with its pupils; with `errors`, why what she just did was refused."""
    found = await hosting.employer_slots(actor, slot_id)
    if not found:
        return error_page(request, 404, NO_SLOT, actor)
    item = found[0]
    context = {
        "title": item.slot.title,
        "nav": "oversikt",
        "personal": True,
        "item": item,
        "slot": item.slot,
        "errors": errors,
        "schools": await hosting.listed_schools(item.slot),
        "view": await assessment_pages.employer_view(actor, slot_id),
    }
    status = 200 if not errors else max(status_for(e) for e in errors)
    return render(request, "employer_slot.html", context, actor=actor, status=status)


async def _done(
    request: Request, actor: Actor, outcome: Outcome[Slot], done: str, then_edit: bool = False
) -> Response:
    if outcome.ok and outcome.value is not None:
        set_flash(request, done)
        target = slot_path(outcome.value.id)
        return redirect(f"{target}/andra" if then_edit else target)
    return await show_slot(request, actor, request.path_params["slot_id"], outcome.errors)


@form_post(is_employer)
async def publish(request: Request, actor: Actor, form: FormData) -> Response:
    outcome = await slots.publish_slot(actor, request.path_params["slot_id"])
    done = "Platsen är publicerad. Elever på de valda skolorna kan nu se den."
    return await _done(request, actor, outcome, done)


@form_post(is_employer)
async def close(request: Request, actor: Actor, form: FormData) -> Response:
    outcome = await slots.close_slot(actor, request.path_params["slot_id"])
    return await _done(request, actor, outcome, "Platsen är stängd för nya bokningar.")


@form_post(is_employer)
async def copy(request: Request, actor: Actor, form: FormData) -> Response:
    outcome = await slots.copy_slot(actor, request.path_params["slot_id"])
    done = "En kopia med datumen ett år fram är sparad som utkast. Se över den och publicera."
    return await _done(request, actor, outcome, done, then_edit=True)


@signed_in(is_employer)
async def close_page(request: Request, actor: Actor) -> Response:
    """Asks before closing: pupils can no longer book it."""
    slot = await own_slot_or_404(request, actor)
    if isinstance(slot, Response):
        return slot
    context = {"title": f"Stäng {slot.title}?", "nav": "oversikt", "slot": slot}
    return render(request, "employer_close.html", context, actor=actor)
