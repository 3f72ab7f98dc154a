"""Allocation pages: the start form of a period, the progress bar, the proposal and applying it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from prao import clock
from prao.actor import Actor
from prao.allocation import access, runs
from prao.allocation.apply import apply_run
from prao.errors import DomainError, ErrorCode
from prao.models import AllocationStatus
from prao.services import wishes
from prao.wording import POLICY_TEXT, count
from web.access import redirect
from web.errors import error_page, status_for
from web.fields import APPLY_FORM, RUN_FORM
from web.forms import text_field
from web.guards import form_post, signed_in
from web.templating import is_htmx, render, set_flash

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import AllocationRun

FINISHED = (
    AllocationStatus.DONE,
    AllocationStatus.APPLIED,
    AllocationStatus.FAILED,
    AllocationStatus.STALE,
)
CHART_WIDTH = 320
BAR_HEIGHT = 24
LABEL_WIDTH = 90


def chart(counts: list[int], unplaced: int) -> dict[str, Any]:
    """Bars of a horizontal SVG chart, one per wish rank and one for the unplaced."""
    labels = [f"Önskemål {r}" for r in range(1, len(counts) + 1)] + ["Ingen plats"]
    values = [*counts, unplaced]
    top = max([*values, 1])
    room = CHART_WIDTH - LABEL_WIDTH - 40
    bars = [
        {
            "label": label,
            "value": value,
            "y": i * (BAR_HEIGHT + 6),
            "width": round(room * value / top) if value else 0,
        }
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": len(bars) * (BAR_HEIGHT + 6),
        "bar_height": BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
    }


@signed_in(access.may_allocate)
async def start_form(request: Request, actor: Actor) -> Response:
    return await _start_page(request, actor, request.path_params["period_id"], None, None)


async def _start_page(
    request: Request, actor: Actor, period_id: int, error: DomainError | None, form: Any
) -> Response:
    period = await access.allowed_period(actor, period_id)
    if isinstance(period, DomainError):
        return error_page(request, status_for(period), period.message, actor)
    context = {
        "title": f"Fördelning: {period.name}",
        "nav": "oversikt",
        "period": period,
        "seed": (form or {}).get("seed") or runs.new_seed(),
        "policy": (form or {}).get("policy") or period.allocation_policy,
        "policies": POLICY_TEXT,
        "runs": await access.recent_runs(actor, period.id),
        "error": error,
        "error_input": RUN_FORM.input_for(error.field) if error else "",
    }
    status = 200 if error is None else status_for(error)
    return render(request, "allocation_start.html", context, actor=actor, status=status)


@form_post(access.may_allocate)
async def start(request: Request, actor: Actor, form: FormData) -> Response:
    period_id = request.path_params["period_id"]
    raw_seed = text_field(form, "seed")
    values = {"seed": raw_seed, "policy": text_field(form, "policy")}
    seed: int | None = None
    if raw_seed:
        if not raw_seed.isdigit() or len(raw_seed) > 10:
            error = DomainError.of(
                ErrorCode.INVALID, "seed", "Lottningsnumret ska vara ett heltal."
            )
            return await _start_page(request, actor, period_id, error, values)
        seed = int(raw_seed)
    outcome = await runs.start_run(
        actor, period_id, seed=seed, dry_run=True, policy_name=values["policy"] or None
    )
    if not outcome.ok or outcome.value is None:
        return await _start_page(request, actor, period_id, outcome.errors[0], values)
    return redirect(f"/fordelning/{outcome.value.id}")


@signed_in(access.may_allocate)
async def run_page(request: Request, actor: Actor) -> Response:
    run = await access.visible_run(actor, request.path_params["run_id"])
    if run is None:
        return error_page(request, 404, "Fördelningen finns inte.", actor)
    return await _run_page(request, actor, run, None)


async def _run_page(
    request: Request, actor: Actor, run: AllocationRun, error: DomainError | None
) -> Response:
    finished = run.status in FINISHED
    headers = {"vary": "HX-Request"}
    if is_htmx(request) and request.headers.get("hx-target") == "korning":
        if finished:  # the whole result page replaces the progress bar
            return Response(status_code=204, headers={**headers, "hx-refresh": "true"})
        fragment = {"run": run, "finished": False}
        return render(
            request, "allocation_run.html", fragment, actor=actor, block="progress", headers=headers
        )
    period = await access.allowed_period(actor, run.period_id)
    context: dict[str, Any] = {
        "title": "Fördelning",
        "nav": "oversikt",
        "wide": True,
        "personal": True,
        "run": run,
        "finished": finished,
        "error": error,
        "error_input": APPLY_FORM.input_for(error.field) if error else "",
        "period": period,
        "wishes_open": False,
        "policies": POLICY_TEXT,
    }
    # Pupils may still wish, or change their wishes: the coordinator should know before applying.
    proposal = run.status == AllocationStatus.DONE
    if proposal and not isinstance(period, DomainError) and clock.now() < period.booking_closes_at:
        context["wishes_open"] = True
        context["wished"], context["pupils"] = await wishes.wishing(period)
    if finished and run.result:
        result = run.result
        context["names"] = await access.unplaced_pupils(actor, run)
        context["overall"] = chart(list(result["rank_counts"]), int(result["unplaced_count"]))  # type: ignore[call-overload]
        context["school_charts"] = [
            (school, chart(list(school["rank_counts"]), int(school["unplaced"])))
            for school in result["schools"]  # type: ignore[attr-defined]
        ]
    status = 200 if error is None else status_for(error)
    return render(
        request, "allocation_run.html", context, actor=actor, status=status, headers=headers
    )


@form_post(access.may_allocate)
async def apply(request: Request, actor: Actor, form: FormData) -> Response:
    run = await access.visible_run(actor, request.path_params["run_id"])
    if run is None:
        return error_page(request, 404, "Fördelningen finns inte.", actor)
    if text_field(form, "confirm") != "ja":
        error = DomainError.of(
            ErrorCode.INVALID,
            "confirm",
            "Bekräfta att du vill skapa bokningarna genom att kryssa i rutan.",
        )
        return await _run_page(request, actor, run, error)
    outcome = await apply_run(actor, run.id)
    if not outcome.ok:
        # As it is now: the refusal may have marked it stale.
        refreshed = await access.visible_run(actor, run.id)
        return await _run_page(request, actor, refreshed or run, outcome.errors[0])
    placed = int(run.result.get("placed", 0))  # type: ignore[call-overload]
    made = count(placed, "bekräftad bokning", "bekräftade bokningar")
    set_flash(request, f"Förslaget är tillämpat: {made} har skapats.")
    return redirect(f"/fordelning/{run.id}")
