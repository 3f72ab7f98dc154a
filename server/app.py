"""The Starlette application factory: web pages and /graphql behind sessions, CSRF and
authentication; static files; security headers and the client's address on everything."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount

from api import api_routes
from prao.config import Settings, load_settings, use_settings
from prao.db import close_db, init_db
from server.auth import ActorBackend
from server.client_address import ClientAddress
from server.compression import compression
from server.csrf import CsrfMiddleware
from server.disconnect import ClientGone
from server.headers import SecurityHeaders
from server.jobs import running_jobs
from web import STATIC_DIR, web_exception_handlers, web_routes
from web.static_files import VersionedStaticFiles

SESSION_COOKIE = "prao_session"
GC_THRESHOLD = 10_000  # allocations between young-generation collections


def create_app(settings: Settings | None = None, manage_db: bool = True) -> Starlette:
    """`manage_db=False` when the caller (tests, benchmarks) has already initialised the ORM."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        use_settings(settings)
        if manage_db:
            await init_db(settings)
        # Everything loaded so far (modules, the schema, the ORM's metadata) lives as long as
        # the process: out of the collector's sight, its full passes no longer walk it.
        gc.freeze()
        # A request's objects die with it (no reference cycles on the hot paths), so a
        # collection finds little garbage; at the default threshold (700 allocations) one
        # ran for nearly every request and walked the objects of every request in flight.
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
        try:
            async with running_jobs(settings):
                yield
        finally:
            if manage_db:
                await close_db()

    routes = [
        # Static files need nobody's identity: no database query for them.
        Mount("/static", app=VersionedStaticFiles(directory=STATIC_DIR), name="static"),
        Mount(
            "",
            # The API's two paths first: every API request is matched at once instead of
            # after every page's pattern (no page shares a path with them).
            routes=[*api_routes(settings), *web_routes(settings)],
            middleware=[
                Middleware(CsrfMiddleware),
                Middleware(AuthenticationMiddleware, backend=ActorBackend()),
            ],
        ),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        lifespan=lifespan,
        exception_handlers=web_exception_handlers(),
        middleware=[
            Middleware(ClientGone),
            compression(),
            Middleware(SecurityHeaders, hsts=settings.https),
            Middleware(ClientAddress, forwarded_allow_ips=settings.forwarded_allow_ips),
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
