"""The /graphql endpoint: GraphQL over HTTP (media types, status codes, GET for queries only),
who is asking (as the server's authentication found), CSRF for cookie sessions, rate-limit
headers, GraphiQL (its page is api.graphiql's)."""

from __future__ import annotations

import html
import json
from functools import lru_cache
from typing import Any
from uuid import uuid4

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http import process_result as graphql_http_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.context import Context
from api.dataloaders import Loaders
from api.errors import without_suggestions
from api.graphiql import graphiql_page
from api.limits import GRAPHQL_RESPONSE, MAX_BODY_BYTES, MAX_QUERY_STRING_BYTES, RATE_LIMITED
from api.rate_limit import RateLimiter
from api.schema import build_schema
from prao.actor import ANONYMOUS, Actor
from prao.auth import TokenRefusal
from prao.config import Settings

CSRF_HEADER = "x-csrf-token"
BAD_CSRF = "CSRF-token saknas eller är fel: skicka sidans token i X-CSRF-Token."

JSON = "application/json"
NOT_ACCEPTABLE = f"Svaret kan bara skickas som {GRAPHQL_RESPONSE} eller {JSON}."
NOT_JSON = "Skicka frågan som application/json (POST) eller i URL:en (GET)."
GET_IS_FOR_QUERIES = "GET är bara för frågor (query); skicka mutationer med POST."
TOO_LARGE = f"Begäran är för stor: högst {MAX_BODY_BYTES // 1024} KiB."
URL_TOO_LONG = f"URL:en är för lång: högst {MAX_QUERY_STRING_BYTES // 1024} KiB; använd POST."
NOT_UTF8 = "Begäran är inte giltig UTF-8."
BAD_JSON = "{what} är inte giltig JSON."
NOT_AN_OBJECT = "Begäran ska vara ett JSON-objekt med query, variables, operationName, extensions."
NO_BATCHES = "Batchning stöds inte: skicka en operation per begäran."
MUST_BE = "`{name}` ska vara {kind} om den skickas."


class Refusal(Exception):
    """Raised before anything is executed; carries the complete HTTP answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _error_response(
    status: int, message: str, media_type: str = JSON, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps({"errors": [{"message": message}]}, ensure_ascii=False)
    return Response(body, status, headers=headers, media_type=media_type)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Refusal:
    return Refusal(_error_response(status, message, headers=headers))


def _actor(request: Request) -> Actor:
    """Who is asking, as the server's authentication put it on the request; a bearer token it
    refused is answered 401 here, with the reason (unknown, revoked or expired)."""
    auth = request.scope.get("auth")
    if isinstance(auth, TokenRefusal):
        raise _error(401, auth.message, {"WWW-Authenticate": "Bearer"})
    user = request.scope.get("user")
    return user if isinstance(user, Actor) else ANONYMOUS


def _by_session(request: Request) -> bool:
    """Signed in by the session cookie, which rides along with cross-site requests (a bearer
    token does not): such posts must carry the page's CSRF token."""
    auth = request.scope.get("auth")
    return "session" in getattr(auth, "scopes", ())


def _csrf_ok(request: Request) -> bool:
    guard = request.scope.get("csrf")
    return guard is not None and bool(guard.matches(request.headers.get(CSRF_HEADER)))


def _asks_for_ide(request: Request) -> bool:
    return request.method == "GET" and "query" not in request.query_params


@lru_cache(maxsize=64)
def negotiate(accept: str) -> str | None:
    """The response media type the client accepts, by q-value; plain and wildcard `Accept`s get
    application/json, as the GraphQL-over-HTTP specification asks for legacy clients. Clients
    send the same few headers over and over: each is parsed once."""
    if not accept.strip():
        return JSON
    candidates: list[tuple[float, bool, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, params = parse_content_type(part.strip())
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        chosen = JSON if media in ("*/*", "application/*") else media
        if chosen in (GRAPHQL_RESPONSE, JSON) and q > 0:
            # Higher q wins; on a tie the graphql-response type, then the earlier entry.
            candidates.append((q, chosen == GRAPHQL_RESPONSE, -position, chosen))
    return max(candidates)[3] if candidates else None


@lru_cache(maxsize=64)
def _media_type(content_type: str) -> str:
    """The media type of a Content-Type header, parsed once per header text."""
    return parse_content_type(content_type)[0]


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        # ValueError covers bad JSON and numbers too long to convert; RecursionError nesting.
        raise HTTPException(400, BAD_JSON.format(what=what)) from None


async def _read_body(request: Request) -> None:
    """Reads a POST body up to the limit; a larger one is refused before it is all read."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise HTTPException(413, TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, TOO_LARGE)
        chunks.append(chunk)
    request._body = b"".join(chunks)  # Request.body() answers from here from now on


class PraoGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(introspection=settings.graphiql),
            graphql_ide="graphiql" if settings.graphiql else None,
        )
        self._ide_page, self._ide_csp = graphiql_page(CSRF_HEADER)
        self.limiter = RateLimiter(settings.rate_limit_points, settings.redis_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise _error(404, "Not Found")
        request_id = uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                # Answers carry personal data and one-time results: never kept by a cache.
                headers["Cache-Control"] = "no-store"
            await send(message)

        request = Request(scope, receive)
        try:
            if len(scope.get("query_string", b"")) > MAX_QUERY_STRING_BYTES:
                raise HTTPException(414, URL_TOO_LONG)
            if request.method == "POST":
                await _read_body(request)
            response = await self.run(request)
        except HTTPException as refused:
            media = negotiate(request.headers.get("accept", "")) or JSON
            response = _error_response(refused.status_code, refused.reason, media)
        except Refusal as refusal:
            response = refusal.response
        finally:
            # The context refers to the request, whose state refers to the context: unlinked,
            # the request's objects are freed as soon as it is answered, not by the collector.
            scope["state"].pop("context", None)
        await response(scope, receive, send_with_id)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)  # no websockets
        media = negotiate(request.headers.get("accept", ""))
        if media is None and not _asks_for_ide(request):
            raise _error(406, NOT_ACCEPTABLE)
        response.media_type = media or JSON
        actor = _actor(request)
        if request.method == "POST" and _by_session(request) and not _csrf_ok(request):
            raise _error(403, BAD_CSRF)
        context = Context(
            request=request,
            response=response,
            actor=actor,
            loaders=Loaders(actor),
            request_id=request.scope["state"]["request_id"],
            limiter=self.limiter,
        )
        request.state.context = context
        return context

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Our own reading of the request: anything that is not one GraphQL request as JSON
        (not UTF-8, not JSON, nested too deep, not an object, fields of the wrong kind) is a
        400 with a message, before Strawberry could fail on it with a 500."""
        if request.method == "GET":
            params = request.query_params
            data: dict[str, Any] = {k: params[k] for k in ("query", "operationName") if k in params}
            for name in ("variables", "extensions"):
                if raw := params.get(name):
                    data[name] = _json(raw, f"`{name}`")
        else:
            content_type = _media_type(request.content_type or "")
            if content_type != JSON:
                raise _error(415, NOT_JSON)
            try:
                text = (await request.get_body()).decode("utf-8")
            except UnicodeDecodeError:
                raise HTTPException(400, NOT_UTF8) from None
            decoded = _json(text, "Begäran")
            if isinstance(decoded, list):
                raise HTTPException(400, NO_BATCHES)
            if not isinstance(decoded, dict):
                raise HTTPException(400, NOT_AN_OBJECT)
            data = decoded
        for name, kind, types in (
            ("query", "en sträng", (str,)),
            ("operationName", "en sträng", (str,)),
            ("variables", "ett objekt", (dict,)),
            ("extensions", "ett objekt", (dict,)),
        ):
            if data.get(name) is not None and not isinstance(data[name], types):
                raise HTTPException(400, MUST_BE.format(name=name, kind=kind))
        return GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol="http",
        )

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as refused:
            if isinstance(refused.__cause__, InvalidOperationTypeError):
                raise _error(405, GET_IS_FOR_QUERIES, {"Allow": "POST"}) from None
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Status codes and headers of GraphQL over HTTP: a request refused before execution
        has no `data`, and is a 400 for clients that accept graphql-response+json."""
        context: Context = request.state.context
        response = context.response
        body = graphql_http_result(result)
        # Variables that do not fit their types are refused by graphql-core before any field
        # runs: no data and no error path. Those are request errors too.
        errors = result.errors or []
        refused_early = isinstance(result, PreExecutionError) or (
            result.data is None and bool(errors) and all(not e.path for e in errors)
        )
        if refused_early:
            body.pop("data", None)
        if context.actor.is_anonymous:
            for error in body.get("errors") or []:
                assert isinstance(error, dict)
                error["message"] = without_suggestions(str(error["message"]))
        if context.budget is not None:
            response.headers.update(context.budget.headers())
        codes = {(e.extensions or {}).get("code") for e in errors}
        if RATE_LIMITED in codes and context.budget is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(context.budget.retry_after())
        elif refused_early and response.media_type == GRAPHQL_RESPONSE:
            response.status_code = 400
        return body

    def encode_json(self, data: object) -> str | bytes:
        # A page of 100 bookings is some 30 KB of JSON: orjson writes it in a fraction of the
        # standard library's time (non-ASCII as UTF-8, not as \u escapes: the same JSON read).
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError: what it does not write (an int over 64 bits)
            return super().encode_json(data)

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or JSON,
            background=sub_response.background,
        )
        for name, value in sub_response.headers.items():
            if name not in ("content-type", "content-length"):
                response.headers.append(name, value)
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        guard = request.scope.get("csrf")
        token = guard.token if guard is not None else ""
        page = self._ide_page.replace("__CSRF_TOKEN__", html.escape(str(token), quote=True))
        return HTMLResponse(page, headers={"Content-Security-Policy": self._ide_csp})


def graphql_routes(settings: Settings) -> list[BaseRoute]:
    return [Route("/graphql", PraoGraphQL(settings), name="graphql")]
