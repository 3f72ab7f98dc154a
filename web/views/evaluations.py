"""The evaluations on the web: the pupil's five questions on her own booking (signed in), and
the supervisor's three behind a one-time link (no account). The rules live in
prao.services.evaluation."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.services import evaluation
from web.access import redirect
from web.errors import error_page, status_for
from web.guards import form_post, is_pupil, public_form_post, signed_in
from web.templating import render, set_flash
from web.views.after import LINK_TITLE

PUPIL_FIELDS = (*evaluation.PUPIL_QUESTIONS, "comment")
HOST_FIELDS = ("went_well", "host_again", "places_next_year", "comment")


def _values(form: FormData | None, names: tuple[str, ...]) -> dict[str, str]:
    if form is None:
        return {}
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values


def _errors(errors: list[DomainError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field or "", error.message)
    return found


def _pupil_page(
    request: Request,
    actor: Actor,
    form: evaluation.PupilForm,
    values: dict[str, str] | None = None,
    errors: list[DomainError] | None = None,
    refused: str = "",
) -> Response:
    errors = errors or []
    context = {
        "title": "Hur var din prao?",
        "nav": "bokningar",
        "personal": True,
        "form": form,
        "questions": evaluation.PUPIL_QUESTIONS,
        "comment_question": evaluation.PUPIL_COMMENT,
        "min_group": evaluation.MIN_GROUP,
        "values": values or {},
        "errors": _errors(errors),
        "error_count": len(errors),
        "refused": refused,
        "path": request.url.path,
    }
    status = 409 if refused else status_for(errors[0]) if errors else 200
    return render(request, "pupil_evaluation.html", context, actor=actor, status=status)


@signed_in(is_pupil)
async def pupil_page(request: Request, actor: Actor) -> Response:
    found = await evaluation.pupil_form(actor, request.path_params["booking_id"])
    if found.value is None:
        error = found.errors[0]
        return error_page(request, status_for(error), error.message, actor)
    return _pupil_page(request, actor, found.value)


@form_post(is_pupil)
async def pupil_answer(request: Request, actor: Actor, form: FormData) -> Response:
    booking_id = request.path_params["booking_id"]
    values = _values(form, PUPIL_FIELDS)
    done = await evaluation.answer(actor, booking_id, values)
    if done.value is not None:
        set_flash(request, "Tack för dina svar!")
        return redirect(f"/bokningar/{booking_id}/utvardering")
    error = done.errors[0]
    found = await evaluation.pupil_form(actor, booking_id)
    if found.value is not None and error.code is ErrorCode.DUPLICATE:
        return _pupil_page(request, actor, found.value, refused=error.message)
    if found.value is not None and error.field in PUPIL_FIELDS:
        return _pupil_page(request, actor, found.value, values, done.errors)
    return error_page(request, status_for(error), error.message, actor)


def _host_page(
    request: Request,
    page: evaluation.HostPage,
    values: dict[str, str] | None = None,
    errors: list[DomainError] | None = None,
) -> Response:
    errors = errors or []
    context = {
        "title": f"Hur gick praon med {page.pupil.first_name}?",
        "personal": True,
        "page": page,
        "went_well": evaluation.WENT_WELL,
        "host_again_question": evaluation.HOST_AGAIN,
        "host_again_text": evaluation.HOST_AGAIN_TEXT,
        "places_question": evaluation.PLACES,
        "values": values or {},
        "errors": _errors(errors),
        "error_count": len(errors),
        "path": request.url.path,
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "supervisor_evaluation.html", context, actor=None, status=status)


def _refused(request: Request, error: DomainError) -> Response:
    return error_page(request, status_for(error), error.message, None, LINK_TITLE)


async def host_page(request: Request) -> Response:
    """Opening the link (mail scanners do) changes nothing."""
    opened = await evaluation.open_host(
        request.path_params["booking_id"], request.path_params["token"]
    )
    if opened.value is None:
        return _refused(request, opened.errors[0])
    return _host_page(request, opened.value)


@public_form_post()
async def host_answer(request: Request, form: FormData) -> Response:
    booking_id, token = request.path_params["booking_id"], request.path_params["token"]
    values = _values(form, HOST_FIELDS)
    done = await evaluation.answer_host(booking_id, token, values)
    if done.value is not None:
        return _host_page(request, done.value)
    error = done.errors[0]
    if error.field == "token":
        return _refused(request, error)
    opened = await evaluation.open_host(booking_id, token)
    if opened.value is None:
        return _refused(request, opened.errors[0])
    return _host_page(request, opened.value, values, done.errors)
