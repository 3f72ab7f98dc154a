"""The municipality's statistics of a period: a chooser, a table per breakdown, the equity
view as an inline SVG chart beside its table, and the same figures as CSV. The figures and
who may read them are prao.services.statistics'."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor
from prao.services import statistics as service
from prao.statistics import COLUMNS, EquityRow, PeriodStatistics, as_csv, cell
from web.errors import error_page, status_for
from web.guards import signed_in
from web.templating import render

CHART_WIDTH = 360
BAR_HEIGHT = 18
LABEL_WIDTH = 130
ROOM = CHART_WIDTH - LABEL_WIDTH - 60


def _period_id(request: Request) -> int:
    value = request.query_params.get("period", "")
    return int(value) if value.isdigit() and len(value) < 10 else 0


def equity_chart(rows: list[EquityRow]) -> dict[str, Any]:
    """Two bars per school, 0–100 %: self-found and top-3 share; a suppressed one is a gap
    with its reason written beside it."""
    groups = []
    y = 0
    for row in rows:
        top = y
        y += 18  # the school's name above its bars
        bars = []
        for label, value in (("Egen plats", row.self_found_share), ("Topp 3", row.top3_share)):
            width = round(ROOM * value) if value is not None else 0
            text = f"{cell(value, 'share')} %" if value is not None else "för få elever"
            bars.append({"label": label, "y": y, "width": width, "text": text})
            y += BAR_HEIGHT + 4
        groups.append({"school": row.label, "y": top + 13, "bars": bars})
        y += 10
    return {
        "groups": groups,
        "width": CHART_WIDTH,
        "height": max(y, 1),
        "bar_height": BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
    }


def _tables(stats: PeriodStatistics) -> list[dict[str, Any]]:
    return [
        {"ident": "per-skola", "caption": "Per skola", "rows": stats.by_school},
        {"ident": "per-bransch", "caption": "Per bransch", "rows": stats.by_trade},
        {"ident": "per-arbetsgivare", "caption": "Per arbetsgivare", "rows": stats.by_employer},
    ]


@signed_in()
async def page(request: Request, actor: Actor) -> Response:
    choices = await service.periods_to_choose(actor)
    period_id = _period_id(request) or (choices[0].id if choices else 0)
    found = await service.period_statistics(actor, period_id)
    if found.value is None:
        error = found.errors[0]
        return error_page(request, status_for(error), error.message, actor)
    stats = found.value
    context = {
        "title": f"Statistik: {stats.period_name}",
        "nav": "oversikt",
        "wide": True,
        "stats": stats,
        "choices": choices,
        "columns": COLUMNS,
        "tables": _tables(stats),
        "chart": equity_chart(stats.equity),
        "cell": cell,
    }
    return render(request, "statistics.html", context, actor=actor)


@signed_in()
async def csv_file(request: Request, actor: Actor) -> Response:
    found = await service.period_statistics(actor, _period_id(request))
    if found.value is None:
        error = found.errors[0]
        return error_page(request, status_for(error), error.message, actor)
    headers = {
        "content-disposition": f'attachment; filename="statistik-{found.value.period_id}.csv"',
        "cache-control": "no-store",
    }
    return Response(as_csv(found.value), media_type="text/csv; charset=utf-8", headers=headers)
