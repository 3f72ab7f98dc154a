"""Swedish error pages: for domain refusals, bad requests, unknown addresses and crashes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from prao.actor import Actor
from prao.errors import DomainError, ErrorCode
from prao.validation import valid_id
from web.access import current_actor
from web.templating import render

log = logging.getLogger(__name__)

View = Callable[[Request], Awaitable[Response]]

# One HTTP status per refusal, the same on every page.
STATUS_FOR_CODE: dict[ErrorCode, int] = {
    ErrorCode.SLOT_FULL: 409,
    ErrorCode.ALREADY_BOOKED: 409,
    ErrorCode.NOT_ACTIVE: 409,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_VISIBLE: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOT_PENDING: 409,
    ErrorCode.LINK_USED: 410,
    ErrorCode.LINK_EXPIRED: 410,
    ErrorCode.EMPLOYER_NOT_APPROVED: 409,
    ErrorCode.TOO_MANY_REQUESTS: 429,
}

TITLES = {
    400: "Något stämmer inte med förfrågan",
    403: "Du har inte tillgång till sidan",
    404: "Sidan finns inte",
    405: "Det går inte att göra så här",
    409: "Det gick inte",
    422: "Det gick inte",
    429: "Vänta en stund",
    500: "Något gick fel hos oss",
}

MESSAGES = {
    400: "Webbläsaren skickade något vi inte förstod. Gå tillbaka och försök igen.",
    403: "Du har inte behörighet att se eller göra det här.",
    404: "Adressen kan vara felstavad, eller så har sidan tagits bort.",
    405: "Använd knapparna och länkarna på sidorna.",
    500: "Försök igen om en stund. Om felet finns kvar, kontakta din SYV.",
}


def status_for(error: DomainError) -> int:
    return STATUS_FOR_CODE.get(error.code, 422)


def error_page(
    request: Request,
    status: int,
    message: str | None = None,
    actor: Actor | None = None,
    title: str | None = None,
) -> Response:
    context = {
        "title": title or TITLES.get(status, "Det gick inte"),
        "message": message or MESSAGES.get(status, ""),
        "status": status,
    }
    return render(request, "error.html", context, actor=actor, status=status)


def csrf_refused(request: Request, actor: Actor | None) -> Response:
    message = (
        "Formuläret var för gammalt eller kom från en annan webbplats, så ingenting ändrades. "
        "Ladda om sidan och försök igen."
    )
    return error_page(request, 403, message, actor)


def with_error_pages(view: View) -> View:
    """Turns what a view could not handle into a Swedish page instead of a bare error."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        if not ids_in_range(request.path_params):
            return error_page(request, 404, None, await _actor_or_none(request))
        try:
            return await view(request)
        except HTTPException as exc:
            return error_page(request, exc.status_code, None, await _actor_or_none(request))
        except ClientDisconnect:
            raise  # nobody is left to see a page (server.disconnect)
        except Exception:
            log.exception("web view failed: %s %s", request.method, request.url.path)
            return error_page(request, 500)

    return endpoint


def not_cached(view: View) -> View:
    """For pages reached by a one-time link: neither the page nor its answer is kept by a
    browser or proxy cache, whatever the outcome."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        response = await view(request)
        response.headers["cache-control"] = "no-store"
        return response

    return endpoint


def ids_in_range(path_params: dict[str, object]) -> bool:
    """An `{x:int}` segment too large for a key (or 0) names no page: 404, not a database error."""
    return all(valid_id(v) for v in path_params.values() if isinstance(v, int))


async def _actor_or_none(request: Request) -> Actor | None:
    try:
        return await current_actor(request)
    except Exception:  # the database may be why we are here
        return None


async def http_error_page(request: Request, exc: Exception) -> Response:
    """Registered by the app factory: unknown addresses and wrong methods get Swedish pages."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return error_page(request, status, None, await _actor_or_none(request))


async def unhandled_error_page(request: Request, exc: Exception) -> Response:
    """A failure outside any view, such as the identity lookup while the database is down:
    people get the Swedish page; a GraphQL client gets the bare 500 it always got."""
    if request.url.path.startswith("/graphql"):
        return PlainTextResponse("Internal Server Error", status_code=500)
    log.error("request failed outside a view: %s %s", request.method, request.url.path)
    return error_page(request, 500)
