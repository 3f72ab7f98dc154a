"""Request-level helpers shared by the web and API adapters: who is asking, and CSRF."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import HTTPConnection

from prao.actor import ANONYMOUS, Actor
from prao.auth import TokenRefusal, actor_for_user_id, authenticate_bearer

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class InvalidToken(Exception):
    """A bearer token was given but is unknown, revoked or expired; `refusal` tells which."""

    def __init__(self, refusal: TokenRefusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal

    @property
    def message(self) -> str:
        return self.refusal.message


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def request_actor(conn: HTTPConnection) -> Actor:
    """Bearer token first (school systems), then the session cookie (people)."""
    raw = bearer(conn)
    if raw is not None:
        found = await authenticate_bearer(raw)
        if isinstance(found, TokenRefusal):
            raise InvalidToken(found)
        return found
    if "session" not in conn.scope:
        return ANONYMOUS
    return await actor_for_user_id(conn.session.get(SESSION_USER))


def csrf_token(conn: HTTPConnection) -> str:
    token = conn.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        conn.session[SESSION_CSRF] = token
    return str(token)


def csrf_ok(conn: HTTPConnection, submitted: str | None) -> bool:
    expected = conn.session.get(SESSION_CSRF) if "session" in conn.scope else None
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


def sign_in(conn: HTTPConnection, user_id: int) -> None:
    conn.session.clear()  # a fresh session on sign-in: no fixation
    conn.session[SESSION_USER] = user_id
    csrf_token(conn)


def sign_out(conn: HTTPConnection) -> None:
    conn.session.clear()
