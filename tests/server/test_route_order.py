"""The API's routes are matched before the pages' (the API is asked far more often); that is
harmless only while no page route matches an API path, which this keeps true."""

from __future__ import annotations

from starlette.routing import Match, Mount

from prao.config import Settings
from server.app import create_app

API_PATHS = ("/graphql", "/api/schema.graphql")


def test_no_page_route_matches_an_api_path(settings: Settings) -> None:
    app = create_app(settings, manage_db=False)
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "")
    routes = mount.routes
    assert [getattr(r, "path", None) for r in routes[: len(API_PATHS)]] == list(API_PATHS)
    for path in API_PATHS:
        for method in ("GET", "POST"):
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            matching = [r for r in routes if r.matches(scope)[0] is not Match.NONE]
            assert [getattr(r, "path", None) for r in matching] == [path]
