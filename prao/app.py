"""The Starlette application factory: web pages, /graphql, static files, sessions, headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prao import audit
from prao.config import Settings, load_settings
from prao.db import close_db, init_db
from prao.http import client_address
from prao.jobs import jobs

SESSION_COOKIE = "prao_session"
HSTS = "max-age=31536000; includeSubDomains"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class SecurityHeaders:
    """CSP that allows only self, and the usual hardening headers, on every response; HSTS
    when the service is reached over https."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.extra: tuple[tuple[bytes, bytes], ...] = (
            ((b"strict-transport-security", HSTS.encode()),) if hsts else ()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                for name, value in (
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    *self.extra,
                ):
                    if name not in present:
                        headers.append((name, value))
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ClientAddress:
    """Remembers who sent the request (prao.http.client_address) for the audit log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = audit.client.set(client_address(HTTPConnection(scope)))
        try:
            await self.app(scope, receive, send)
        finally:
            audit.client.reset(token)


def create_app(settings: Settings | None = None, manage_db: bool = True) -> Starlette:
    """`manage_db=False` when the caller (tests, benchmarks) has already initialised the ORM."""
    from api import api_routes
    from web import web_exception_handlers, web_routes

    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings)
        await jobs.start(settings)
        try:
            yield
        finally:
            await jobs.stop()
            if manage_db:
                await close_db()

    static_dir = Path(__file__).resolve().parent.parent / "web" / "static"
    routes = [
        *web_routes(settings),
        *api_routes(settings),
        Mount("/static", app=StaticFiles(directory=static_dir), name="static"),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        lifespan=lifespan,
        exception_handlers=web_exception_handlers(),
        middleware=[
            Middleware(SecurityHeaders, hsts=settings.https),
            Middleware(ClientAddress),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=settings.session_max_age,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
        ],
    )
    app.state.settings = settings
    return app
