"""A client that goes away before its request is read (a phone losing its signal, a load
generator stopping) is nobody's error: there is no one left to answer, and logging it as an
unhandled exception would bury real failures in the log."""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send


class ClientGone:
    """Outermost of the app's middleware, so that Starlette's error handler never sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            # Raised while the request's body is read: the views read it before changing anything.
            return
