"""GraphQL adapter (Strawberry)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from prao.config import Settings


def api_routes(settings: Settings) -> list[BaseRoute]:
    from api.app import graphql_routes
    from api.schema_file import schema_file_route

    return [*graphql_routes(settings), schema_file_route()]
