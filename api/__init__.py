"""GraphQL adapter (Strawberry)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from prao.config import Settings


def api_routes(settings: Settings) -> list[BaseRoute]:
    from api.app import graphql_routes

    return graphql_routes(settings)
