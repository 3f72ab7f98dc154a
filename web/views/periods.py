"""The coordinator's periods: the list, and the create/edit form with errors beside fields."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from prao import clock
from prao.actor import Actor
from prao.errors import DomainError
from prao.models import AllocationPolicy, Period, PeriodMode
from prao.services.periods import (
    PeriodDraft,
    create_period,
    managed_period,
    may_manage,
    read_draft,
    school_periods,
    update_period,
)
from web.access import current_actor, redirect, sign_in_first
from web.errors import csrf_refused, error_page, status_for
from web.forms import checked_form
from web.templating import render, set_flash

FIELDS = (
    "name",
    "year_group",
    "start_date",
    "end_date",
    "booking_opens_at",
    "booking_closes_at",
    "cancel_deadline",
    "mode",
    "max_wishes",
    "allocation_policy",
)
# The domain names fields as the API does; the form uses these names.
FORM_NAME = {
    "yearGroup": "year_group",
    "startDate": "start_date",
    "endDate": "end_date",
    "bookingOpensAt": "booking_opens_at",
    "bookingClosesAt": "booking_closes_at",
    "cancelDeadline": "cancel_deadline",
    "maxWishes": "max_wishes",
    "allocationPolicy": "allocation_policy",
}
POLICY_NAMES = {
    AllocationPolicy.CONVEX: "Jämn fördelning (få får sitt sista önskemål)",
    AllocationPolicy.LINEAR: "Linjär (varje steg ner i listan kostar lika mycket)",
    AllocationPolicy.MOST_FIRST_WISHES: "Flest förstahandsönskemål",
    AllocationPolicy.FEWEST_LAST_WISHES: "Färst sista önskemål",
}
MODE_NAMES = {
    PeriodMode.FIRST_COME: "Först till kvarn: eleverna bokar själva",
    PeriodMode.ALLOCATION: "Önskemål och fördelning",
}


async def _coordinator(request: Request) -> tuple[Actor, Response | None]:
    actor = await current_actor(request)
    if actor.is_anonymous:
        return actor, sign_in_first(request)
    if not may_manage(actor):
        return actor, error_page(request, 403, None, actor)
    return actor, None


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
    by_field = {FORM_NAME.get(e.field or "", e.field or ""): e.message for e in errors}
    context = {
        "title": "Ändra period" if period else "Ny period",
        "nav": "perioder",
        "values": values,
        "errors": by_field,
        "error_count": len(errors),
        "period": period,
        "modes": MODE_NAMES,
        "policies": POLICY_NAMES,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "coord_period_form.html", context, actor=actor, status=status)


async def period_list(request: Request) -> Response:
    actor, refused = await _coordinator(request)
    if refused:
        return refused
    context = {
        "title": "Praoperioder",
        "nav": "perioder",
        "periods": await school_periods(actor),
        "modes": MODE_NAMES,
    }
    return render(request, "coord_periods.html", context, actor=actor)


async def new_form(request: Request) -> Response:
    actor, refused = await _coordinator(request)
    if refused:
        return refused
    return _form_page(request, actor, _values(PeriodDraft()), [], None)


async def create(request: Request) -> Response:
    actor = await current_actor(request)
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, actor)
    actor, refused = await _coordinator(request)
    if refused:
        return refused
    values = {k: str(form.get(k, "")) for k in FIELDS}
    draft, errors = read_draft(values)
    if not errors:
        outcome = await create_period(actor, draft)
        if outcome.ok and outcome.value is not None:
            set_flash(request, f"Perioden {outcome.value.name} är skapad.")
            return redirect(f"/oversikt/perioder/{outcome.value.id}")
        errors = outcome.errors
    return _form_page(request, actor, values, errors, None)


async def edit_form(request: Request) -> Response:
    actor, refused = await _coordinator(request)
    if refused:
        return refused
    period = await managed_period(actor, request.path_params["period_id"])
    if isinstance(period, DomainError):
        return error_page(request, status_for(period), period.message, actor)
    return _form_page(request, actor, _values(PeriodDraft.of(period)), [], period)


async def update(request: Request) -> Response:
    actor = await current_actor(request)
    form = await checked_form(request)
    if form is None:
        return csrf_refused(request, actor)
    actor, refused = await _coordinator(request)
    if refused:
        return refused
    period = await managed_period(actor, request.path_params["period_id"])
    if isinstance(period, DomainError):
        return error_page(request, status_for(period), period.message, actor)
    values = {k: str(form.get(k, "")) for k in FIELDS}
    draft, errors = read_draft(values)
    if not errors:
        outcome = await update_period(actor, period.id, draft)
        if outcome.ok:
            set_flash(request, "Ändringarna är sparade.")
            return redirect(f"/oversikt/perioder/{period.id}")
        errors = outcome.errors
    return _form_page(request, actor, values, errors, period)
