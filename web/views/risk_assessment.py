"""The risk assessment's pages: the employer's form on her slot, and the reviewer's list and
page, where a coordinator approves for her school (an organiser admin for every school) or asks
the employer for a change. Rules and access: prao.services.risk_assessment."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao import hazards
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.services import assessment_pages, risk_assessment
from prao.services.assessment_input import TEXT_FIELDS
from prao.services.hosting import is_employer
from prao.services.risk_assessment import AssessmentInput, HazardAnswer
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import FormFields
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import render, set_flash
from web.views.employer_slots import NO_SLOT, slot_path

REVIEWS = "/oversikt/riskbedomningar"
MAX_FORM_FIELDS = 60  # the texts, two per question, the token and the button
ASSESSMENT_FORM = FormFields(
    (
        *TEXT_FIELDS,
        "supervisor_years",
        *(f"hazard_{h.code}" for h in hazards.HAZARDS),
        *(f"hazard_{h.code}_measure" for h in hazards.HAZARDS),
    )
)
COMMENT_FORM = FormFields(("comment",), {"assessment_id": ""})  # about the version itself
ANSWERS = {"ja": True, "nej": False}
YEARS_UNREADABLE = "Skriv antalet år med siffror, till exempel 3."


def form_path(slot_id: int) -> str:
    return f"{slot_path(slot_id)}/riskbedomning"


def review_path(assessment_id: int) -> str:
    return f"{REVIEWS}/{assessment_id}"


def reviews(actor: Actor) -> bool:
    """Coordinators of a school and organiser admins (not tokens: they use the API)."""
    return not actor.is_token and risk_assessment.reviewer(actor) is not None


def assessment_input(form: FormData) -> tuple[AssessmentInput, list[DomainError]]:
    """The form as the domain's input, plus what could not even be read as a number."""
    unreadable: list[DomainError] = []
    years_text = text_field(form, "supervisor_years")
    years: int | None = None
    if years_text.isdigit() and len(years_text) < 4:
        years = int(years_text)
    elif years_text:
        unreadable.append(
            DomainError.of(
                ErrorCode.INVALID,
                "supervisor_years",
                "Skriv antalet år med siffror, till exempel 3.",
            )
        )
    answers = {
        h.code: HazardAnswer(
            ANSWERS.get(text_field(form, f"hazard_{h.code}")),
            text_field(form, f"hazard_{h.code}_measure"),
        )
        for h in hazards.HAZARDS
    }
    texts = {name: text_field(form, name) for name in TEXT_FIELDS}
    return AssessmentInput(hazards=answers, supervisor_years=years, **texts), unreadable


async def _form_page(
    request: Request,
    actor: Actor,
    slot_id: int,
    data: AssessmentInput | None,
    errors: list[DomainError],
) -> Response:
    view = await assessment_pages.employer_view(actor, slot_id)
    if view is None:
        return error_page(request, 404, NO_SLOT, actor)
    context: dict[str, Any] = {
        "title": f"Riskbedömning: {view.slot.title}",
        "nav": "oversikt",
        "personal": True,
        "view": view,
        "slot": view.slot,
        "data": data or view.form,
        "hazards": hazards.HAZARDS,
        "errors": ASSESSMENT_FORM.errors(errors),
        "error_count": len({ASSESSMENT_FORM.input_for(e.field) for e in errors}),
    }
    status = 200 if not errors else max(status_for(e) for e in errors)
    return render(request, "employer_assessment.html", context, actor=actor, status=status)


@signed_in(is_employer)
async def form_page(request: Request, actor: Actor) -> Response:
    return await _form_page(request, actor, request.path_params["slot_id"], None, [])


@form_post(is_employer, max_fields=MAX_FORM_FIELDS)
async def save(request: Request, actor: Actor, form: FormData) -> Response:
    slot_id = request.path_params["slot_id"]
    submit = text_field(form, "action") == "submit"
    data, unreadable = assessment_input(form)
    if unreadable:  # say everything at once, but write nothing
        bad = {e.field for e in unreadable}
        checked = risk_assessment.input_errors(data, submit=submit)
        return await _form_page(
            request, actor, slot_id, data, unreadable + [e for e in checked if e.field not in bad]
        )
    write = risk_assessment.submit if submit else risk_assessment.save_draft
    before = await assessment_pages.employer_view(actor, slot_id)
    outcome = await write(actor, slot_id, data)
    if not outcome.ok or outcome.value is None:
        return await _form_page(request, actor, slot_id, data, outcome.errors)
    row = outcome.value
    if not submit:
        set_flash(request, "Utkastet är sparat. Skolorna ser det först när ni skickar in det.")
        return redirect(form_path(slot_id))
    message = f"Riskbedömningen är inskickad (version {row.version}). Skolorna granskar den."
    age = risk_assessment.required_age(row)
    if before is not None and age > before.slot.min_age:
        message += f" Platsens lägsta ålder är nu {age} år, så yngre elever kan inte boka den."
    set_flash(request, message)
    return redirect(slot_path(slot_id))


# --- reviewers --------------------------------------------------------------------------------


@signed_in(reviews)
async def review_list(request: Request, actor: Actor) -> Response:
    rows = await assessment_pages.review_list(actor) or []
    context = {
        "title": "Riskbedömningar",
        "nav": "oversikt",
        "personal": True,
        "wide": True,
        "rows": rows,
        "organiser_wide": actor.school_id is None,
    }
    return render(request, "assessment_list.html", context, actor=actor)


async def _review_page(
    request: Request, actor: Actor, errors: list[DomainError], comment: str = ""
) -> Response:
    found = await assessment_pages.review_detail(actor, request.path_params["assessment_id"])
    if found.value is None:
        refusal = found.errors[0]
        return error_page(request, status_for(refusal), refusal.message, actor)
    detail = found.value
    context = {
        "title": f"Riskbedömning: {detail.slot.title}",
        "nav": "oversikt",
        "personal": True,
        "detail": detail,
        "comment": comment,
        "errors": COMMENT_FORM.errors(errors),
        "error_count": len({COMMENT_FORM.input_for(e.field) for e in errors}),
    }
    status = 200 if not errors else max(status_for(e) for e in errors)
    return render(request, "assessment_review.html", context, actor=actor, status=status)


@signed_in(reviews)
async def review_page(request: Request, actor: Actor) -> Response:
    return await _review_page(request, actor, [])


@form_post(reviews)
async def approve(request: Request, actor: Actor, form: FormData) -> Response:
    assessment_id = request.path_params["assessment_id"]
    outcome = await risk_assessment.approve(actor, assessment_id)
    if not outcome.ok:
        return await _review_page(request, actor, outcome.errors)
    whom = "för alla kommunens skolor" if actor.school_id is None else "för er skola"
    set_flash(request, f"Riskbedömningen är godkänd {whom}.")
    return redirect(review_path(assessment_id))


@form_post(reviews)
async def request_change(request: Request, actor: Actor, form: FormData) -> Response:
    assessment_id = request.path_params["assessment_id"]
    comment = text_field(form, "comment")
    outcome = await risk_assessment.request_change(actor, assessment_id, comment)
    if not outcome.ok:
        return await _review_page(request, actor, outcome.errors, comment)
    set_flash(request, "Arbetsplatsen har fått ett mejl om vad som behöver ändras.")
    return redirect(review_path(assessment_id))
