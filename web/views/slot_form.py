"""The employer's slot form: a new slot and changes to one, read from the form and checked by
the domain, every error beside its field."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.services import slot_editing, slots
from prao.services.hosting import is_employer
from prao.wording import TRADES
from web.access import redirect
from web.errors import status_for
from web.fields import SLOT_FORM
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash
from web.views.employer_slots import own_slot_or_404, slot_path

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import Slot

MAX_SLOT_FIELDS = 200  # the school checkboxes come on top of the slot's own fields


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
        "errors": SLOT_FORM.errors(errors),
        "error_count": len({SLOT_FORM.input_for(e.field) for e in errors}),
        "schools": await slot_editing.choosable_schools(actor),
        # A trade stored before the list (or through the API) stays choosable.
        "trades": TRADES if data.trade in ("", *TRADES) else [data.trade, *TRADES],
        "action": f"{slot_path(slot.id)}/andra" if slot else "/arbetsgivare/platser/ny",
    }
    status = 200 if not errors else max(status_for(e) for e in errors)
    return render(request, "employer_slot_form.html", context, actor=actor, status=status)


async def _checked_or_saved(
    actor: Actor, data: slots.SlotInput, unreadable: list[DomainError], slot: Slot | None
) -> Outcome[Slot]:
    if unreadable:  # say everything at once, but write nothing
        checked = await slot_editing.input_errors(actor, data, slot)
        bad = {SLOT_FORM.input_for(e.field) for e in unreadable}
        return Outcome(
            errors=unreadable + [e for e in checked if SLOT_FORM.input_for(e.field) not in bad]
        )
    if slot is None:
        return await slots.create_slot(actor, data)
    return await slots.update_slot(actor, slot.id, data)


@signed_in(is_employer)
async def new_slot_form(request: Request, actor: Actor) -> Response:
    data = await slot_editing.new_input(actor)
    return await _form_page(request, actor, data, [], None)


@form_post(is_employer, max_fields=MAX_SLOT_FIELDS)
async def create_slot(request: Request, actor: Actor, form: FormData) -> Response:
    data, unreadable = slot_input(form)
    outcome = await _checked_or_saved(actor, data, unreadable, None)
    if outcome.ok and outcome.value is not None:
        set_flash(request, "Utkastet är sparat. Publicera det när eleverna ska kunna se det.")
        return redirect(slot_path(outcome.value.id))
    return await _form_page(request, actor, data, outcome.errors, None)


@signed_in(is_employer)
async def edit_slot_form(request: Request, actor: Actor) -> Response:
    slot = await own_slot_or_404(request, actor)
    if isinstance(slot, Response):
        return slot
    return await _form_page(request, actor, await slot_editing.input_of(slot), [], slot)


@form_post(is_employer, max_fields=MAX_SLOT_FIELDS)
async def update_slot(request: Request, actor: Actor, form: FormData) -> Response:
    slot = await own_slot_or_404(request, actor)
    if isinstance(slot, Response):
        return slot
    data, unreadable = slot_input(form)
    outcome = await _checked_or_saved(actor, data, unreadable, slot)
    if outcome.ok:
        set_flash(request, "Ändringarna är sparade.")
        return redirect(slot_path(slot.id))
    return await _form_page(request, actor, data, outcome.errors, slot)
