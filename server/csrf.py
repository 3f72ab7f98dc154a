"""The session's CSRF token, for the adapters to put in pages and check on posts.

The middleware puts a `SessionCsrf` in `scope["csrf"]`; the token is made when a page first
asks for it, so requests that show no form (static files, API calls with a token) leave the
session, and so the cookie, alone."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

SESSION_CSRF = "csrf"


class SessionCsrf:
    def __init__(self, session: MutableMapping[str, Any]) -> None:
        self.session = session

    @property
    def token(self) -> str:
        """The token of this session, made now if it has none (also after the session was
        cleared, as sign-in does)."""
        token = self.session.get(SESSION_CSRF)
        if not token:
            token = secrets.token_urlsafe(32)
            self.session[SESSION_CSRF] = token
        return str(token)

    def matches(self, submitted: str | None) -> bool:
        expected = self.session.get(SESSION_CSRF)
        return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


class CsrfMiddleware:
    """Inside SessionMiddleware: the scope's session is there to keep the token in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "session" in scope:
            scope["csrf"] = SessionCsrf(scope["session"])
        await self.app(scope, receive, send)
