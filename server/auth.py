"""Who is asking, once per request: Starlette's AuthenticationMiddleware with a backend that
puts the domain's `Actor` on `request.user`. A bearer token comes first (school systems), then
the session cookie (people). A refused token leaves the caller anonymous, with the
`TokenRefusal` on `request.auth`: the API answers 401 with its reason, the web ignores it."""

from __future__ import annotations

from typing import Any

from starlette.authentication import AuthCredentials, AuthenticationBackend
from starlette.requests import HTTPConnection

from prao.actor import ANONYMOUS
from prao.auth import TokenRefusal, actor_for_user_id, authenticate_bearer
from web.session import SESSION_USER, SESSION_VERSION

BY_TOKEN = AuthCredentials(["token"])
BY_SESSION = AuthCredentials(["session"])
NOBODY = AuthCredentials()


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class ActorBackend(AuthenticationBackend):
    # The user is an Actor, not Starlette's BaseUser: the domain knows no Starlette.
    async def authenticate(self, conn: HTTPConnection) -> tuple[Any, Any]:
        raw = bearer(conn)
        if raw is not None:
            found = await authenticate_bearer(raw)
            if isinstance(found, TokenRefusal):
                return found, ANONYMOUS
            return BY_TOKEN, found
        if "session" not in conn.scope:
            return NOBODY, ANONYMOUS
        user_id = conn.session.get(SESSION_USER)
        if user_id is None:
            return NOBODY, ANONYMOUS
        actor = await actor_for_user_id(user_id, conn.session.get(SESSION_VERSION, 0))
        if actor.is_anonymous:
            conn.session.clear()  # signed out elsewhere or deactivated: drop the dead cookie
            return NOBODY, ANONYMOUS
        return BY_SESSION, actor
