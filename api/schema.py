"""The schema and its guards: caches for parsing and validation, and limits on query size.

No field returns a nested list, so page size (at most 100) times aliases bounds the work a
single request can ask for.
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.allocation_mutations import AllocationMutation, AllocationQuery
from api.booking_mutations import BookingMutation
from api.budget import CostAndRateLimit
from api.coordinator_mutations import CoordinatorMutation, CoordinatorQuery
from api.employer_mutations import EmployerMutation
from api.errors import MaskUnexpected, log_unexpected
from api.execution import FastPathSchema
from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.pupil_mutations import PupilMutation
from api.queries import Query
from api.query_rules import alias_limit, depth_limit
from api.rate_limit_query import RateLimitQuery
from api.wish_mutations import WishMutation

CACHE_SIZE = 256

# Built once: ValidationCache keys on the rule classes. Our own rules, not Strawberry's
# QueryDepthLimiter/MaxAliasesLimiter, which re-walk a fragment at every spread.
LIMIT_RULES: list[type[ASTValidationRule]] = [depth_limit(MAX_DEPTH), alias_limit(MAX_ALIASES)]


def extensions(introspection: bool) -> list[Callable[[], SchemaExtension]]:
    chosen: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        CostAndRateLimit,
        MaskUnexpected,
    ]
    if not introspection:
        chosen.append(DisableIntrospection)
    return chosen


Mutation = merge_types(
    "Mutation",
    (
        BookingMutation,
        EmployerMutation,
        AllocationMutation,
        WishMutation,
        CoordinatorMutation,
        PupilMutation,
    ),
)
RootQuery = merge_types("Query", (Query, AllocationQuery, CoordinatorQuery, RateLimitQuery))


class PraoSchema(FastPathSchema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Only bugs are logged (with the request id); refusals and bad input are the client's.
        log_unexpected(errors, execution_context)


def build_schema(introspection: bool = True) -> strawberry.Schema:
    return PraoSchema(
        query=RootQuery,
        mutation=Mutation,
        extensions=extensions(introspection),
    )


schema = build_schema()
