"""The /graphql endpoint: who is asking (once per request), CSRF for cookie sessions, GraphiQL."""

from __future__ import annotations

import base64
import hashlib
import html
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

from api.context import Context
from api.dataloaders import Loaders
from api.schema import build_schema
from prao.config import Settings
from prao.http import CSRF_HEADER, SESSION_CSRF, InvalidToken, bearer, csrf_ok, request_actor

MAX_BODY_BYTES = 64 * 1024  # far above MAX_TOKENS worth of query text
INVALID_TOKEN = "Ogiltig eller återkallad API-token."
BAD_CSRF = "CSRF-token saknas eller är fel: skicka sidans token i X-CSRF-Token."


class Refusal(Exception):
    """Raised before anything is executed; carries the complete HTTP answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Refusal:
    return Refusal(JSONResponse({"errors": [{"message": message}]}, status, headers=headers))


def _graphiql_page() -> tuple[str, str]:
    """Strawberry's GraphiQL, sending our CSRF header, with a CSP that lets its CDN scripts run."""
    page = get_graphql_ide_html("graphiql")
    page = page.replace(
        'Cookies.get("csrftoken")',
        'document.querySelector("meta[name=csrf-token]")?.content',
    ).replace('defaultHeaders["x-csrftoken"]', f'defaultHeaders["{CSRF_HEADER}"]')
    meta = '<meta name="csrf-token" content="__CSRF_TOKEN__">'
    page = page.replace("<head>", f"<head>\n    {meta}", 1)
    inline = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    )
    csp = (
        f"default-src 'self'; script-src 'self' https://unpkg.com {hashes}; "
        "style-src 'self' https://unpkg.com 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data: https://unpkg.com; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'; form-action 'self'"
    )
    return page, csp


class PraoGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(introspection=settings.graphiql),
            graphql_ide="graphiql" if settings.graphiql else None,
        )
        self._ide_page, self._ide_csp = _graphiql_page()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Refusal as refusal:
            await refusal.response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)  # no websockets
        try:
            actor = await request_actor(request)
        except InvalidToken:
            raise _error(401, INVALID_TOKEN, {"WWW-Authenticate": "Bearer"}) from None
        # A cookie rides along with cross-site requests; a bearer token or no session does not.
        if (
            request.method == "POST"
            and not actor.is_anonymous
            and bearer(request) is None
            and not csrf_ok(request, request.headers.get(CSRF_HEADER))
        ):
            raise _error(403, BAD_CSRF)
        return Context(request=request, response=response, actor=actor, loaders=Loaders(actor))

    async def render_graphql_ide(self, request: Request) -> Response:
        token = request.session.get(SESSION_CSRF, "") if "session" in request.scope else ""
        page = self._ide_page.replace("__CSRF_TOKEN__", html.escape(str(token), quote=True))
        return HTMLResponse(page, headers={"Content-Security-Policy": self._ide_csp})


def graphql_routes(settings: Settings) -> list[BaseRoute]:
    return [Route("/graphql", PraoGraphQL(settings), name="graphql", max_body_size=MAX_BODY_BYTES)]
