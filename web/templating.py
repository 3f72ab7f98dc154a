"""Jinja2 environment, Swedish formatting filters, and rendering of pages and fragments."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from prao.actor import Actor
from prao.clock import local
from prao.http import csrf_token
from prao.models import Role

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTMX_FILE = "htmx-2.0.11.min.js"
# Our CSP forbids inline styles and eval; 4xx pages carry the Swedish explanation, so swap them.
HTMX_CONFIG = json.dumps(
    {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "historyRestoreAsHxRequest": False,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[2345]..", "swap": True},
        ],
    },
    separators=(",", ":"),
)
FLASH_KEY = "flash"

MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip

ROLE_NAMES = {
    Role.PUPIL: "Elev",
    Role.EMPLOYER: "Arbetsplats",
    Role.COORDINATOR: "SYV",
    Role.ADMIN: "Administratör",
}


def datum(day: date | datetime) -> str:
    if isinstance(day, datetime):
        moment = local(day)
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} kl. {moment:%H:%M}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_range(start: date, end: date) -> str:
    if start == end:
        return datum(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} – {datum(end)}"
    return f"{datum(start)} – {datum(end)}"


def places(count: int) -> str:
    return "1 plats" if count == 1 else f"{count} platser"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["datum"] = datum
    env.filters["places"] = places
    env.globals["date_range"] = date_range
    env.globals["role_name"] = lambda role: ROLE_NAMES.get(Role(role), str(role))
    return env


env = _environment()


def set_flash(request: Request, message: str) -> None:
    """A one-time message shown on the next full page (after a redirect)."""
    request.session[FLASH_KEY] = message


def is_htmx(request: Request) -> bool:
    """An htmx request that swaps part of a page (not a boosted page load or history restore)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def base_context(request: Request, actor: Actor | None) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "request": request,
        "actor": actor,
        "signed_in": actor is not None and not actor.is_anonymous,
        "csrf_token": csrf_token(request),
        "flash": None,
        "demo": bool(settings.demo),
        "htmx_file": HTMX_FILE,
        "htmx_config": HTMX_CONFIG,
        "personal": False,
        "nav": "",
    }


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None,
    status: int = 200,
    block: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A whole page, or with `block` only that block of the same template (an htmx fragment)."""
    values = base_context(request, actor)
    values.update(context or {})
    template = env.get_template(name)
    if block is None:
        values["flash"] = request.session.pop(FLASH_KEY, None)
        html = template.render(values)
    else:
        html = "".join(template.blocks[block](template.new_context(values)))
    response = HTMLResponse(html, status_code=status, headers=headers)
    if actor is not None and not actor.is_anonymous:
        # Shared school computers: a signed-in page must not come back from the cache.
        response.headers["cache-control"] = "no-store"
    return response
