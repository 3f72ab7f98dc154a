"""The organiser admin's page for guardians' consent: the rule (off, one guardian, all
guardians) and the information texts guardians and pupils are shown. The rules live in
prao.services.consent."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.info_texts import INFO_FIELDS, MAX_INFO
from prao.models import ConsentMode
from prao.services import consent
from prao.services.api_tokens import is_organiser_admin
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import FormFields
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash

CONSENT = "/admin/samtycke"
SETTINGS_FORM = FormFields(("consent_mode", *(column for column, _ in INFO_FIELDS)))
HINTS = {
    "info_insurance": "Till exempel att kommunens olycksfallsförsäkring gäller under praon "
    "och på vägen dit och hem.",
    "info_lunch": "Var eleven äter lunch och vem som betalar.",
    "info_travel": "Hur eleven tar sig dit: busskort, reseersättning.",
    "info_contact": "Vem vårdnadshavare och elever kontaktar med frågor.",
}


def _page(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    errors: list[DomainError],
    version: int,
) -> Response:
    context = {
        "title": "Vårdnadshavares godkännande",
        "nav": "oversikt",
        "values": values,
        "errors": SETTINGS_FORM.errors(errors),
        "error_count": len(errors),
        "modes": [(m.value, consent.MODE_NAMES[m]) for m in ConsentMode],
        "fields": INFO_FIELDS,
        "hints": HINTS,
        "max_info": MAX_INFO,
        "version": version,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "admin_consent.html", context, actor=actor, status=status)


@signed_in(is_organiser_admin)
async def settings_page(request: Request, actor: Actor) -> Response:
    found = await consent.organiser_settings(actor)
    if found.value is None:
        return error_page(request, 403, None, actor)
    current = consent.settings_of(found.value)
    values = {"consent_mode": current.mode, **current.texts}
    return _page(request, actor, values, [], found.value.info_version)


@form_post(is_organiser_admin)
async def save_settings(request: Request, actor: Actor, form: FormData) -> Response:
    values = {name: text_field(form, name) for name in SETTINGS_FORM.inputs}
    texts = {column: values[column] for column, _ in INFO_FIELDS}
    outcome = await consent.update_settings(
        actor, consent.ConsentSettings(values["consent_mode"], texts)
    )
    if outcome.value is None:
        if outcome.errors[0].code is ErrorCode.FORBIDDEN:
            return error_page(request, 403, outcome.errors[0].message, actor)
        found = await consent.organiser_settings(actor)
        version = found.value.info_version if found.value else 0
        return _page(request, actor, values, outcome.errors, version)
    set_flash(request, "Inställningarna för vårdnadshavares godkännande är sparade.")
    return redirect(CONSENT)
