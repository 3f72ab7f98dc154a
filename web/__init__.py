"""Web adapter: server-rendered Jinja2 pages with htmx on top."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.routing import BaseRoute

from prao.config import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"


def web_routes(settings: Settings) -> list[BaseRoute]:
    from web.routes import routes

    return routes(settings)


def web_exception_handlers() -> dict[Any, Any]:
    from starlette.exceptions import HTTPException

    from web.errors import http_error_page, unhandled_error_page

    return {HTTPException: http_error_page, Exception: unhandled_error_page}
