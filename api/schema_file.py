"""/api/schema.graphql: the SDL a client generates its types from, the same text as the checked-in
schema.graphql (a test keeps the two equal)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.schema import schema

PATH = "/api/schema.graphql"


async def schema_file(request: Request) -> Response:
    return PlainTextResponse(schema.as_str() + "\n")


def schema_file_route() -> Route:
    return Route(PATH, schema_file, methods=["GET"], name="schema_file")
