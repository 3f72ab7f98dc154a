"""URLs of the coordinator's pages (periods, class lists, placements, exports) and the pupil's
wishes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from web.errors import View, with_error_pages
from web.views import class_lists, coordinator, periods, wishes

PERIOD = "/oversikt/perioder/{period_id:int}"
IMPORT = "/oversikt/klasslistor/{import_id:int}"
WISH = "/onskemal/{slot_id:int}"


def _route(method: str, path: str, view: View) -> Route:
    return Route(path, with_error_pages(view), methods=[method])


def coordinator_routes() -> list[BaseRoute]:
    return [
        _route("GET", "/oversikt/perioder", periods.period_list),
        _route("GET", "/oversikt/perioder/ny", periods.new_form),
        _route("POST", "/oversikt/perioder/ny", periods.create),
        _route("GET", f"{PERIOD}/andra", periods.edit_form),
        _route("POST", f"{PERIOD}/andra", periods.update),
        _route("GET", PERIOD, coordinator.period_page),
        _route("POST", f"{PERIOD}/placera", coordinator.place),
        _route("GET", f"{PERIOD}/paminn", coordinator.remind_page),
        _route("POST", f"{PERIOD}/paminn", coordinator.remind),
        _route("GET", f"{PERIOD}/placeringar.csv", coordinator.export_csv),
        _route("GET", f"{PERIOD}/placeringar.xlsx", coordinator.export_xlsx),
        _route("GET", "/oversikt/klasslistor", class_lists.upload_form),
        _route("POST", "/oversikt/klasslistor", class_lists.upload),
        _route("GET", IMPORT, class_lists.preview_page),
        _route("POST", f"{IMPORT}/las-in", class_lists.confirm),
        _route("GET", "/onskemal", wishes.wishes_page),
        _route("POST", f"{WISH}/lagg-till", wishes.add),
        _route("POST", f"{WISH}/upp", wishes.move_up),
        _route("POST", f"{WISH}/ner", wishes.move_down),
        _route("POST", f"{WISH}/ta-bort", wishes.remove),
    ]
