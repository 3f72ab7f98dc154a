"""Who is asking, and where each kind of person starts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prao.actor import ANONYMOUS, Actor
from prao.models import Role

SIGN_IN = "/logga-in"
PUPIL_START = "/platser"
STAFF_START = "/oversikt"


async def current_actor(request: Request) -> Actor:
    """The signed-in person, as the server's authentication put her on `request.user`; a
    bearer token it refused belongs to the API, so here it is just anonymous."""
    user = request.scope.get("user")
    return user if isinstance(user, Actor) else ANONYMOUS


def client_address(request: Request) -> str:
    """Who sent the request (the server believes a proxy's X-Forwarded-For only when told)."""
    return request.client.host if request.client else "unknown"


def start_path(role: Role | str | None) -> str:
    if role is None:
        return SIGN_IN
    return PUPIL_START if Role(role) is Role.PUPIL else STAFF_START


def redirect(path: str) -> RedirectResponse:
    """303 so that a POST is followed by a GET."""
    return RedirectResponse(path, status_code=303)


def sign_in_first(request: Request) -> Response:
    """To the sign-in page; an htmx fragment request is told to load it as a whole page."""
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true":
        return Response(status_code=204, headers={"hx-redirect": SIGN_IN})
    return redirect(SIGN_IN)
