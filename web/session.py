"""Signing a person in and out of her session cookie. The server's authentication reads the
same keys to put her on `request.user`."""

from __future__ import annotations

from starlette.requests import Request

from prao.auth import end_sessions
from web.forms import csrf_token

SESSION_USER = "user_id"
SESSION_VERSION = "session_version"
# Whether a pupil has a period where she ranks wishes: decided at sign-in (and again when she
# opens her wishes) so that her menu offers "Mina önskemål" only then, without a query per page.
SESSION_WISHES = "ranks_wishes"


def sign_in(
    request: Request, user_id: int, session_version: int, ranks_wishes: bool = False
) -> None:
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session[SESSION_USER] = user_id
    request.session[SESSION_VERSION] = session_version
    if ranks_wishes:
        request.session[SESSION_WISHES] = True
    csrf_token(request)  # and a fresh CSRF token with it


def ranks_wishes(request: Request) -> bool:
    return request.session.get(SESSION_WISHES) is True


def remember_ranks_wishes(request: Request, ranks: bool) -> None:
    if ranks:
        request.session[SESSION_WISHES] = True
    else:
        request.session.pop(SESSION_WISHES, None)


async def sign_out(request: Request) -> None:
    """Ends the session on the server too, so a copy of the cookie stops working at once.
    The session version is per person, so her sessions on other devices end as well."""
    user_id = request.session.get(SESSION_USER)
    if isinstance(user_id, int):
        await end_sessions(user_id)
    request.session.clear()
