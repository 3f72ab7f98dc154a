"""A period seen by its coordinator: counts per class, the unplaced first, placing by hand,
reminders and exports."""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.errors import DomainError
from prao.models import PeriodMode
from prao.readiness import STEP_TEXT, Step
from prao.services import exports
from prao.services.after_overview import absent_today, missing_certificates
from prao.services.period_overview import (
    READY_TEXT,
    PeriodOverview,
    PupilLine,
    open_slots,
    period_overview,
)
from prao.services.placement import place_pupil, remind_unplaced, reminder_addresses
from prao.wording import POLICY_TEXT
from web.access import redirect
from web.errors import error_page, status_for
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import is_htmx, render, set_flash
from web.views.periods import MODE_NAMES

SEED_LIMIT = 2**31 - 1
MAX_SEARCH = 100
MAX_MATCHES = 10  # more than a phone shows: she types another letter


async def _absent_today(overview: PeriodOverview) -> list[PupilLine]:
    """The lines of the pupils a supervisor has said have not come today."""
    absent = set(await absent_today(overview.period.id))
    return [line for line in overview.lines if line.booking and line.booking.id in absent]


def _id(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


async def _overview_page(
    request: Request, actor: Actor, error: DomainError | None = None, chosen: int = 0
) -> Response:
    period_id = request.path_params["period_id"]
    found = await period_overview(actor, period_id)
    if not found.ok or found.value is None:
        refusal = found.errors[0]
        return error_page(request, status_for(refusal), refusal.message, actor)
    overview = found.value
    chosen = chosen or _id(request.query_params.get("elev", ""))
    search = request.query_params.get("sok", "").strip()[:MAX_SEARCH]
    shown, shown_step = _filtered(overview, request.query_params.get("steg", ""))
    context = {
        "title": overview.period.name,
        "nav": "perioder",
        "wide": True,
        "personal": True,
        "overview": overview,
        "slots": await open_slots(actor, overview.period),
        "chosen": chosen,
        "chosen_line": next((li for li in overview.lines if li.view.id == chosen), None),
        "search": search,
        "matches": _matching(overview.lines, search),
        "lines": shown,
        "step": shown_step,
        "ready_text": READY_TEXT,
        "error": error,
        "allocation": overview.period.mode == PeriodMode.ALLOCATION,
        "modes": MODE_NAMES,
        "policies": POLICY_TEXT,
        "seed": secrets.randbelow(SEED_LIMIT),
        "missing_certificates": await missing_certificates(overview.period.id),
        "absent_today": await _absent_today(overview),
    }
    status = status_for(error) if error else 200
    # Suggestions as she types: only the list of matching pupils.
    block = "pupil_matches" if request.headers.get("hx-target") == "elevforslag" else None
    return render(
        request,
        "coord_period.html",
        context,
        actor=actor,
        status=status,
        block=block if is_htmx(request) else None,
        headers={"vary": "HX-Request, HX-Target"},
    )


READY_FILTER = "klar"


def _filtered(overview: PeriodOverview, chosen: str) -> tuple[list[PupilLine], str | None]:
    """The pupils the table shows, and the text of the filter: every pupil, those ready for
    prao ("klar"), or those whose booking waits for one step (an unknown value: every pupil)."""
    if chosen == READY_FILTER:
        return overview.waiting_for(None), READY_TEXT
    step = Step(chosen) if chosen in Step._value2member_map_ else None
    if step is None:
        return overview.lines, None
    return overview.waiting_for(step), STEP_TEXT[step]


def _matching(lines: list[PupilLine], search: str) -> list[PupilLine]:
    """The pupils whose name or class contain every word she typed (any case), a few at most."""
    words = search.casefold().split()
    if not words:
        return []
    found = []
    for line in lines:
        text = f"{line.view.first_name} {line.view.last_name} {line.view.class_name}".casefold()
        if all(word in text for word in words):
            found.append(line)
    return found[:MAX_MATCHES]


@signed_in()
async def period_page(request: Request, actor: Actor) -> Response:
    return await _overview_page(request, actor)


@form_post()
async def place(request: Request, actor: Actor, form: FormData) -> Response:
    period_id = request.path_params["period_id"]
    pupil_id = _id(text_field(form, "pupil_id"))
    outcome = await place_pupil(actor, period_id, pupil_id, _id(text_field(form, "slot_id")))
    if outcome.ok:
        set_flash(request, "Eleven är placerad.")
        return redirect(f"/oversikt/perioder/{period_id}")
    return await _overview_page(request, actor, outcome.errors[0], pupil_id)


@signed_in()
async def remind_page(request: Request, actor: Actor) -> Response:
    """Asks before e-mailing every unplaced pupil."""
    found = await period_overview(actor, request.path_params["period_id"])
    if not found.ok or found.value is None:
        return error_page(request, status_for(found.errors[0]), found.errors[0].message, actor)
    context = {
        "title": "Påminn elever utan plats",
        "nav": "perioder",
        "personal": True,
        "overview": found.value,
        "with_address": len(
            await reminder_addresses([line.pupil for line in found.value.unplaced])
        ),
    }
    return render(request, "coord_remind.html", context, actor=actor)


@form_post()
async def remind(request: Request, actor: Actor, form: FormData) -> Response:
    period_id = request.path_params["period_id"]
    outcome = await remind_unplaced(actor, period_id)
    if not outcome.ok:
        return error_page(request, status_for(outcome.errors[0]), outcome.errors[0].message, actor)
    set_flash(request, f"Påminnelse skickad till {outcome.value} elever.")
    return redirect(f"/oversikt/perioder/{period_id}")


async def _export(request: Request, actor: Actor, kind: str) -> Response:
    class_name = request.query_params.get("klass") or None
    outcome = await exports.placements(actor, request.path_params["period_id"], class_name)
    if not outcome.ok or outcome.value is None:
        return error_page(request, status_for(outcome.errors[0]), outcome.errors[0].message, actor)
    export = outcome.value
    if kind == "csv":
        body, media = exports.to_csv(export), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(export)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers = {
        "content-disposition": f'attachment; filename="{export.filename_stem}.{kind}"',
        "cache-control": "no-store",
    }
    return Response(body, media_type=media, headers=headers)


@signed_in()
async def export_csv(request: Request, actor: Actor) -> Response:
    return await _export(request, actor, "csv")


@signed_in()
async def export_xlsx(request: Request, actor: Actor) -> Response:
    return await _export(request, actor, "xlsx")
