"""The coordinator's periods: the list, and the create/edit form with errors beside fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao import clock
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import PeriodMode
from prao.services.periods import (
    PeriodDraft,
    create_period,
    managed_period,
    may_manage,
    read_draft,
    school_periods,
    update_period,
)
from prao.wording import POLICY_TEXT
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import PERIOD_FORM
from web.guards import form_post, signed_in
from web.templating import render, set_flash

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import Period

MODE_NAMES = {
    PeriodMode.FIRST_COME: "Först till kvarn: eleverna bokar själva",
    PeriodMode.ALLOCATION: "Önskemål och fördelning",
}


def _typed(form: FormData) -> dict[str, str]:
    """The form as typed, by input name."""
    return {name: str(form.get(name, "")) for name in PERIOD_FORM.inputs}


def _moment(value: Any) -> str:
    return f"{clock.local(value):%Y-%m-%d %H:%M}" if value else ""


def _values(draft: PeriodDraft) -> dict[str, str]:
    return {
        "name": draft.name,
        "year_group": str(draft.year_group or ""),
        "start_date": draft.start_date.isoformat() if draft.start_date else "",
        "end_date": draft.end_date.isoformat() if draft.end_date else "",
        "booking_opens_at": _moment(draft.booking_opens_at),
        "booking_closes_at": _moment(draft.booking_closes_at),
        "cancel_deadline": _moment(draft.cancel_deadline),
        "mode": str(draft.mode),
        "max_wishes": str(draft.max_wishes or ""),
        "allocation_policy": str(draft.allocation_policy),
    }


def _form_page(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    errors: list[DomainError],
    period: Period | None,
) -> Response:
    context = {
        "title": "Ändra period" if period else "Ny period",
        "nav": "perioder",
        "values": values,
        "errors": PERIOD_FORM.errors(errors),
        "error_count": len(errors),
        "period": period,
        "modes": MODE_NAMES,
        "policies": POLICY_TEXT,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "coord_period_form.html", context, actor=actor, status=status)


@signed_in(may_manage)
async def period_list(request: Request, actor: Actor) -> Response:
    context = {
        "title": "Praoperioder",
        "nav": "perioder",
        "periods": await school_periods(actor),
        "modes": MODE_NAMES,
    }
    return render(request, "coord_periods.html", context, actor=actor)


@signed_in(may_manage)
async def new_form(request: Request, actor: Actor) -> Response:
    return _form_page(request, actor, _values(PeriodDraft()), [], None)


@form_post(may_manage)
async def create(request: Request, actor: Actor, form: FormData) -> Response:
    values = _typed(form)
    draft, errors = read_draft(values)
    if not errors:
        outcome = await create_period(actor, draft)
        if outcome.ok and outcome.value is not None:
            set_flash(request, f"Perioden {outcome.value.name} är skapad.")
            return redirect(f"/oversikt/perioder/{outcome.value.id}")
        errors = outcome.errors
    return _form_page(request, actor, values, errors, None)


@signed_in(may_manage)
async def edit_form(request: Request, actor: Actor) -> Response:
    period = await managed_period(actor, request.path_params["period_id"])
    if isinstance(period, DomainError):
        return error_page(request, status_for(period), period.message, actor)
    return _form_page(request, actor, _values(PeriodDraft.of(period)), [], period)


@form_post(may_manage)
async def update(request: Request, actor: Actor, form: FormData) -> Response:
    period = await managed_period(actor, request.path_params["period_id"])
    if isinstance(period, DomainError):
        return error_page(request, status_for(period), period.message, actor)
    values = _typed(form)
    draft, errors = read_draft(values)
    if not errors:
        outcome = await update_period(actor, period.id, draft)
        if outcome.ok:
            set_flash(request, "Ändringarna är sparade.")
            return redirect(f"/oversikt/perioder/{period.id}")
        errors = outcome.errors
    return _form_page(request, actor, values, errors, period)
