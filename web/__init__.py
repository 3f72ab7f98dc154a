"""Web adapter: server-rendered Jinja2 pages with htmx on top."""

from __future__ import annotations

from starlette.routing import BaseRoute

from prao.config import Settings


def web_routes(settings: Settings) -> list[BaseRoute]:
    from web.routes import routes

    return routes(settings)
