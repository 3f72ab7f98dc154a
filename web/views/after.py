"""During and after the placement on the web: the supervisor's week and certificate behind
one-time links (no account), the certificate's PDF and its public verification, and the
coordinator's attendance and certificates of a period. The rules live in prao.services."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao import certificate_pdf, throttle
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.services import (
    absence,
    after_overview,
    attendance,
    certificate,
    guardian_absence,
    no_show,
)
from web.access import client_address, redirect
from web.errors import error_page, status_for
from web.forms import text_field
from web.guards import form_post, is_pupil, public_form_post, signed_in
from web.templating import render, set_flash

LINK_TITLE = "Länken fungerar inte"
DAY_FIELDS = 80  # two inputs for each working day of four weeks, and the token


def _staff(actor: Actor) -> bool:
    return actor.is_school_staff


def _errors(errors: list[DomainError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field or "", error.message)
    return found


def _refused(request: Request, error: DomainError, actor: Actor | None = None) -> Response:
    return error_page(request, status_for(error), error.message, actor, LINK_TITLE)


def _week_values(form: FormData, days: list[attendance.Day]) -> dict[date, tuple[str, str]]:
    values = {}
    for day in days:
        key = day.day.isoformat()
        status = text_field(form, f"day_{key}")
        note = form.get(f"note_{key}")
        values[day.day] = (status, note if isinstance(note, str) else "")
    return values


def _week_page(
    request: Request,
    page: attendance.WeekPage,
    errors: list[DomainError] | None = None,
    values: dict[date, tuple[str, str]] | None = None,
) -> Response:
    errors = errors or []
    shown = values or {d.day: (d.proposed.value, d.note) for d in page.days}
    context = {
        "title": f"Närvaro för {page.pupil.first_name}",
        "personal": True,
        "page": page,
        "values": shown,
        "statuses": attendance.STATUS_TEXT,
        "path": request.url.path,
        "errors": _errors(errors),
        "error_count": len(errors),
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "supervisor_week.html", context, actor=None, status=status)


async def week_page(request: Request) -> Response:
    """The week, every day proposed as present unless an absence was reported; opening the
    link (mail scanners do) changes nothing."""
    opened = await attendance.open_week(
        request.path_params["booking_id"], request.path_params["token"]
    )
    if opened.value is None:
        return _refused(request, opened.errors[0])
    return _week_page(request, opened.value)


@public_form_post(DAY_FIELDS)
async def week_confirm(request: Request, form: FormData) -> Response:
    booking_id, token = request.path_params["booking_id"], request.path_params["token"]
    opened = await attendance.open_week(booking_id, token)
    if opened.value is None:
        return _refused(request, opened.errors[0])
    values = _week_values(form, opened.value.days)
    done = await attendance.confirm_week(booking_id, token, values)
    if done.value is None:
        error = done.errors[0]
        if error.field == "token":
            return _refused(request, error)
        return _week_page(request, opened.value, done.errors, values)
    return _week_page(request, done.value)


def _signing_values(form: FormData | None, page: certificate.SignPage) -> dict[str, str]:
    if form is None:
        return {"tasks": page.booking.slot.tasks, "comment": "", "signed_name": ""}
    names = ("tasks", "comment", "signed_name", *certificate.ITEMS)
    return {name: _raw(form, name) for name in names}


def _raw(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _sign_page(
    request: Request,
    page: certificate.SignPage,
    values: dict[str, str],
    errors: list[DomainError] | None = None,
) -> Response:
    errors = errors or []
    context = {
        "title": f"Praktikintyg för {page.pupil.first_name}",
        "personal": True,
        "page": page,
        "values": values,
        "items": certificate.ITEMS,
        "scale": certificate.SCALE,
        "path": request.url.path,
        "errors": _errors(errors),
        "error_count": len(errors),
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "supervisor_certificate.html", context, actor=None, status=status)


async def sign_page(request: Request) -> Response:
    opened = await certificate.open_sign(
        request.path_params["booking_id"], request.path_params["token"]
    )
    if opened.value is None:
        return _refused(request, opened.errors[0])
    return _sign_page(request, opened.value, _signing_values(None, opened.value))


@public_form_post()
async def sign(request: Request, form: FormData) -> Response:
    booking_id, token = request.path_params["booking_id"], request.path_params["token"]
    opened = await certificate.open_sign(booking_id, token)
    if opened.value is None:
        return _refused(request, opened.errors[0])
    values = _signing_values(form, opened.value)
    data = certificate.Signing(
        tasks=values["tasks"],
        scores={item: values[item] for item in certificate.ITEMS},
        comment=values["comment"],
        signed_name=values["signed_name"],
    )
    done = await certificate.sign(booking_id, token, data)
    if done.value is None:
        error = done.errors[0]
        if error.field == "token":
            return _refused(request, error)
        return _sign_page(request, opened.value, values, done.errors)
    return _sign_page(request, done.value, values)


async def verify_page(request: Request) -> Response:
    """Public: whether a certificate's code is one of ours, and for whom, where and when; a
    caller who asks too often is refused (codes must not be guessed by trying them)."""
    if refusal := await throttle.verification_refusal(client_address(request)):
        return error_page(request, 429, refusal.message, None, "Vänta en stund")
    code = request.path_params["code"][:40]
    found = await certificate.verify(code)
    context = {"title": "Kontrollera praktikintyg", "found": found, "code": code}
    return render(request, "certificate_verify.html", context, actor=None, status=200)


@signed_in()
async def certificate_file(request: Request, actor: Actor) -> Response:
    got = await certificate.paper(actor, request.path_params["booking_id"])
    if got.value is None:
        return error_page(request, 404, got.errors[0].message, actor)
    paper = got.value
    base = request.app.state.settings.base_url.rstrip("/")
    pdf = certificate_pdf.render(
        paper.certificate, paper.pupil, f"{base}/intyg/{paper.certificate.code}"
    )
    name = certificate_pdf.filename(paper.certificate)
    return Response(
        pdf,
        media_type=certificate_pdf.CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@signed_in(_staff)
async def period_page(request: Request, actor: Actor) -> Response:
    found = await after_overview.period_after(actor, request.path_params["period_id"])
    if found.value is None:
        return error_page(request, 404, found.errors[0].message, actor)
    context = {
        "title": f"Närvaro och intyg: {found.value.period.name}",
        "nav": "perioder",
        "personal": True,
        "wide": True,
        "overview": found.value,
    }
    return render(request, "coord_after.html", context, actor=actor)


async def _attendance_page(
    request: Request,
    actor: Actor,
    errors: list[DomainError] | None = None,
    values: dict[date, tuple[str, str]] | None = None,
) -> Response:
    found = await attendance.for_staff(actor, request.path_params["booking_id"])
    if found.value is None:
        error = found.errors[0]
        return error_page(request, status_for(error), error.message, actor)
    errors = errors or []
    shown = values or {
        d.day: (d.status.value if d.status else "", d.note) for d in found.value.days
    }
    context = {
        "title": f"Närvaro: {found.value.pupil.name}",
        "nav": "perioder",
        "personal": True,
        "seen": found.value,
        "values": shown,
        "statuses": attendance.STATUS_TEXT,
        "errors": _errors(errors),
        "error_count": len(errors),
    }
    status = status_for(errors[0]) if errors else 200
    return render(request, "coord_attendance.html", context, actor=actor, status=status)


@signed_in(_staff)
async def attendance_form(request: Request, actor: Actor) -> Response:
    return await _attendance_page(request, actor)


@form_post(_staff, max_fields=DAY_FIELDS)
async def attendance_save(request: Request, actor: Actor, form: FormData) -> Response:
    """Only the days whose status is chosen are written (a day left unrecorded stays so)."""
    booking_id = request.path_params["booking_id"]
    found = await attendance.for_staff(actor, booking_id)
    if found.value is None:
        return await _attendance_page(request, actor)
    values = _week_values(form, found.value.days)
    changes, errors = [], []
    for day, (status_text, note) in values.items():
        if not status_text:
            continue
        status = attendance.parse_status(status_text)
        if status is None:
            errors.append(DomainError.of(ErrorCode.INVALID, f"day_{day}", attendance.BAD_STATUS))
            continue
        changes.append(attendance.Change(day, status, note))
    if not errors:
        done = await attendance.record(actor, booking_id, changes)
        if done.value is not None:
            set_flash(request, "Närvaron är sparad.")
            return redirect(f"/oversikt/perioder/{found.value.booking.period_id}/intyg")
        errors = done.errors
    return await _attendance_page(request, actor, errors, values)


def _no_show_page(request: Request, page: no_show.NoShowPage) -> Response:
    context = {
        "title": f"{page.pupil.first_name} har inte kommit",
        "personal": True,
        "page": page,
        "path": request.url.path,
    }
    return render(request, "supervisor_no_show.html", context, actor=None)


async def no_show_page(request: Request) -> Response:
    """One button; opening the link (mail scanners do) tells no one anything."""
    opened = await no_show.open_report(
        request.path_params["booking_id"], request.path_params["token"]
    )
    if opened.value is None:
        return _refused(request, opened.errors[0])
    return _no_show_page(request, opened.value)


@public_form_post()
async def no_show_report(request: Request, form: FormData) -> Response:
    done = await no_show.report(request.path_params["booking_id"], request.path_params["token"])
    if done.value is None:
        return _refused(request, done.errors[0])
    return _no_show_page(request, done.value)


@form_post(is_pupil)
async def report_absence(request: Request, actor: Actor, form: FormData) -> Response:
    """One tap on the placement card: sick or late today; the supervisor and school are told."""
    booking_id = request.path_params["booking_id"]
    kind = absence.parse(text_field(form, "kind"))
    done = await absence.report(actor, booking_id, kind)
    if done.value is None:
        error = done.errors[0]
        return error_page(request, status_for(error), error.message, actor)
    said = "att du är sjuk" if kind is absence.Absence.SICK else "att du kommer sent"
    set_flash(request, f"Tack! Din handledare och skolan har fått besked {said} i dag.")
    return redirect(f"/bokningar/{booking_id}/kort")


def _guardian_page(
    request: Request, page: guardian_absence.AbsencePage, said: str = "", status: int = 200
) -> Response:
    context = {
        "title": f"Anmäl frånvaro för {page.first_name}",
        "personal": True,
        "page": page,
        "said": said,
        "not_a_day": absence.NOT_A_DAY,
        "path": request.url.path,
    }
    return render(request, "guardian_absence.html", context, actor=None, status=status)


async def guardian_absence_page(request: Request) -> Response:
    """Two buttons; opening the link (mail scanners do) tells no one anything."""
    opened = await guardian_absence.open_page(
        request.path_params["booking_id"], request.path_params["token"]
    )
    if opened.value is None:
        return _refused(request, opened.errors[0])
    return _guardian_page(request, opened.value)


@public_form_post()
async def guardian_absence_report(request: Request, form: FormData) -> Response:
    booking_id, token = request.path_params["booking_id"], request.path_params["token"]
    kind = absence.parse(text_field(form, "kind"))
    done = await guardian_absence.report(booking_id, token, kind)
    if done.value is None:
        error = done.errors[0]
        if error.field == "token":
            return _refused(request, error)
        opened = await guardian_absence.open_page(booking_id, token)
        if opened.value is None:
            return _refused(request, opened.errors[0])
        return _guardian_page(request, opened.value, status=status_for(error))
    name = done.value.first_name
    what = "är sjuk" if kind is absence.Absence.SICK else "kommer sent"
    said = f"Tack! Handledaren och skolan har fått besked att {name} {what} i dag."
    return _guardian_page(request, done.value, said)
