"""The organiser admin's page for how long pupil data is kept after a period ends. The rule and
the daily erasure live in prao.services.retention."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.services import retention
from prao.services.api_tokens import is_organiser_admin
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import FormFields
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash

RETENTION = "/admin/gallring"
RETENTION_FORM = FormFields(("retention_months",))


def _page(request: Request, actor: Actor, value: str, errors: list[DomainError]) -> Response:
    context = {
        "title": "Gallring av elevuppgifter",
        "nav": "oversikt",
        "value": value,
        "errors": RETENTION_FORM.errors(errors),
        "error_count": len(errors),
        "min_months": retention.MIN_MONTHS,
        "max_months": retention.MAX_MONTHS,
        "default_months": retention.DEFAULT_MONTHS,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "admin_retention.html", context, actor=actor, status=status)


@signed_in(is_organiser_admin)
async def settings_page(request: Request, actor: Actor) -> Response:
    found = await retention.organiser_retention(actor)
    if found.value is None:
        return error_page(request, 403, None, actor)
    return _page(request, actor, str(found.value.retention_months), [])


@form_post(is_organiser_admin)
async def save_settings(request: Request, actor: Actor, form: FormData) -> Response:
    value = text_field(form, "retention_months")
    outcome = await retention.update_retention(actor, value)
    if outcome.value is None:
        if outcome.errors[0].code is ErrorCode.FORBIDDEN:
            return error_page(request, 403, outcome.errors[0].message, actor)
        return _page(request, actor, value, outcome.errors)
    months = outcome.value.retention_months
    set_flash(request, f"Sparat: elevuppgifter gallras {months} månader efter periodens slut.")
    return redirect(RETENTION)
