"""Jinja2 environment and rendering of pages and htmx fragments; one-time flash messages."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from prao import wording
from prao.actor import Actor
from web import formatting
from web.forms import csrf_token
from web.session import ranks_wishes
from web.static_files import static_url

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


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the code: each is compiled once per process, and rendering
        # one does not look at its file again.
        auto_reload=False,
    )
    env.filters["datum"] = wording.datum
    env.filters["places"] = formatting.places
    env.filters["hours"] = formatting.hours
    env.filters["outbox_status"] = formatting.outbox_status
    env.filters["slot_status"] = formatting.slot_status
    env.globals["date_range"] = wording.date_range
    env.globals["role_name"] = formatting.role_name
    env.globals["static_url"] = static_url
    env.globals["antal"] = wording.count
    env.globals["policy_technical"] = wording.POLICY_TECHNICAL
    env.globals["run_status"] = wording.RUN_STATUS
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
        "link_minutes": settings.sign_in_link_minutes,
        "fragment": False,
        "ranks_wishes": ranks_wishes(request),
        "wide": False,  # pages of tables (the coordinator's, the admin's) use the window's width
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
        if values["flash"]:
            values["personal"] = True  # it may greet her by name: keep it out of htmx's cache
        html = template.render(values)
    else:
        values["fragment"] = True
        html = "".join(template.blocks[block](template.new_context(values)))
    response = HTMLResponse(html, status_code=status, headers=headers)
    if actor is not None and not actor.is_anonymous:
        # Shared school computers: a signed-in page must not come back from the cache.
        response.headers["cache-control"] = "no-store"
    return response
