"""Signing a person in and out of her session cookie. The server's authentication reads the
same keys to put her on `request.user`."""

from __future__ import annotations

from starlette.requests import Request

from prao.auth import end_sessions
from web.forms import csrf_token

SESSION_USER = "user_id"
SESSION_VERSION = "session_version"


def sign_in(request: Request, user_id: int, session_version: int) -> None:
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session[SESSION_USER] = user_id
    request.session[SESSION_VERSION] = session_version
    csrf_token(request)  # and a fresh CSRF token with it


async def sign_out(request: Request) -> None:
    """Ends the session on the server too, so a copy of the cookie stops working at once.
    The session version is per person, so her sessions on other devices end as well."""
    user_id = request.session.get(SESSION_USER)
    if isinstance(user_id, int):
        await end_sessions(user_id)
    request.session.clear()
