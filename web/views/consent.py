"""Guardians' consent on the web: the guardian's page behind her one-time link (no account),
and the coordinator's list of a period's consents with the paper-consent form. The rules live
in prao.services.consent and consent_link."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.services import consent, consent_link
from prao.validation import id_from_text
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import FormFields
from web.forms import text_field
from web.guards import form_post, public_form_post, signed_in
from web.templating import render, set_flash

LINK_TITLE = "Länken fungerar inte"
PAPER_FORM = FormFields(
    ("decision", "guardian", "guardianName", "message"), {"guardian_id": "guardian"}
)


def _staff(actor: Actor) -> bool:
    return actor.is_school_staff


def _link_refused(request: Request, error: DomainError) -> Response:
    return error_page(request, status_for(error), error.message, None, LINK_TITLE)


def _consent_page(
    request: Request,
    page: consent_link.ConsentPage,
    *,
    errors: list[DomainError] | None = None,
    message: str = "",
    changed_texts: bool = False,
) -> Response:
    errors = errors or []
    context = {
        "title": f"Godkänn {page.first_name}s prao",
        "personal": True,
        "page": page,
        "path": request.url.path,
        "message": message,
        "errors": PAPER_FORM.errors(errors),
        "error_count": len(errors),
        "changed_texts": changed_texts,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "consent.html", context, actor=None, status=status)


async def consent_page(request: Request) -> Response:
    """The placement and the organiser's texts, and the two buttons; opening the link (mail
    scanners do) decides nothing. A decided consent shows what was decided."""
    opened = await consent_link.open_link(
        request.path_params["booking_id"], request.path_params["token"]
    )
    if opened.value is None:
        return _link_refused(request, opened.errors[0])
    return _consent_page(request, opened.value)


@public_form_post()
async def answer(request: Request, form: FormData) -> Response:
    booking_id, token = request.path_params["booking_id"], request.path_params["token"]
    given = text_field(form, "decision") == "given"
    message = text_field(form, "message")
    outcome = await consent_link.answer(
        booking_id, token, given, message, text_field(form, "text_version")
    )
    if outcome.value is None:
        error = outcome.errors[0]
        if error.field == "message":
            opened = await consent_link.open_link(booking_id, token)
            if opened.value is not None:
                return _consent_page(request, opened.value, errors=[error], message=message)
        return _link_refused(request, error)
    if outcome.value.changed_texts:
        return _consent_page(request, outcome.value.page, message=message, changed_texts=True)
    context = {"title": "Tack för ditt svar", "personal": True, "page": outcome.value.page}
    return render(request, "consent_done.html", context, actor=None)


@signed_in(_staff)
async def period_page(request: Request, actor: Actor) -> Response:
    found = await consent.period_consents(actor, request.path_params["period_id"])
    if found.value is None:
        return error_page(request, status_for(found.errors[0]), found.errors[0].message, actor)
    context = {
        "title": f"Samtycken: {found.value.period.name}",
        "nav": "perioder",
        "personal": True,
        "wide": True,
        "overview": found.value,
        "mode_name": consent.MODE_NAMES[found.value.mode],
        "decided_line": consent.decided_line,
        "late_days": consent.LATE_DAYS,
    }
    return render(request, "coord_consents.html", context, actor=actor)


def _paper_values(form: FormData | None) -> dict[str, str]:
    if form is None:
        return {"decision": "given", "guardian": "", "guardianName": "", "message": ""}
    return {name: text_field(form, name) for name in PAPER_FORM.inputs}


async def _paper_page(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    errors: list[DomainError],
    confirming: bool = False,
    fresh: bool = False,
) -> Response:
    found = await consent.booking_for_paper(actor, request.path_params["booking_id"])
    if found.value is None:
        return error_page(request, status_for(found.errors[0]), found.errors[0].message, actor)
    row = found.value
    if fresh and not values["guardian"] and row.guardians:
        decided = {c.guardian_id for c in row.consents if c.decision != "pending"}
        first = next((g for g in row.guardians if g.id not in decided), row.guardians[0])
        values["guardian"] = str(first.id)
    chosen = next((g for g in row.guardians if str(g.id) == values["guardian"]), None)
    context = {
        "title": "Registrera godkännande på papper",
        "nav": "perioder",
        "personal": True,
        "row": row,
        "values": values,
        "errors": PAPER_FORM.errors(errors),
        "error_count": len(errors),
        "confirming": confirming,
        "chosen_name": values["guardianName"] or (chosen.name if chosen else ""),
        "decided_line": consent.decided_line,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "coord_paper_consent.html", context, actor=actor, status=status)


@signed_in(_staff)
async def paper_form(request: Request, actor: Actor) -> Response:
    values = _paper_values(None)
    values["guardian"] = request.query_params.get("vardnadshavare", "")[:12]
    return await _paper_page(request, actor, values, [], fresh=True)


@form_post(_staff)
async def paper_record(request: Request, actor: Actor, form: FormData) -> Response:
    """Posted twice: first to check and ask "Stämmer det?", then, confirmed, to save."""
    values = _paper_values(form)
    guardian = values["guardian"]
    data = consent.PaperConsent(
        booking_id=request.path_params["booking_id"],
        given=values["decision"] != "refused",
        guardian_id=id_from_text(guardian) if guardian else None,
        guardian_name="" if guardian else values["guardianName"],
        message=values["message"],
    )
    if guardian and data.guardian_id is None:
        data.guardian_id = 0  # not a guardian's id: refused as not found
    if text_field(form, "confirmed") != "yes":
        errors = await consent.check_paper(actor, data)
        return await _paper_page(request, actor, values, errors, confirming=not errors)
    outcome = await consent.record_paper(actor, data)
    if outcome.value is None:
        return await _paper_page(request, actor, values, outcome.errors)
    found = await consent.booking_for_paper(actor, data.booking_id)
    set_flash(request, "Godkännandet på papper är registrerat.")
    period_id = found.value.booking.period_id if found.value else None
    return redirect(f"/oversikt/perioder/{period_id}/samtycken" if period_id else "/oversikt")
