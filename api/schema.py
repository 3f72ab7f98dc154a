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
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.tools import merge_types

from api.allocation_mutations import AllocationMutation, AllocationQuery
from api.coordinator_mutations import CoordinatorMutation, CoordinatorQuery
from api.employer_mutations import EmployerMutation
from api.execution import PraoExecutionContext
from api.mutations import Mutation as BookingMutation
from api.queries import Query
from api.wish_mutations import WishMutation

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
CACHE_SIZE = 256

# Built once: ValidationCache keys on the rule classes, and QueryDepthLimiter/MaxAliasesLimiter
# would make new classes for every request when constructed per request.
LIMIT_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, should_ignore=None),
    max_aliases.create_validator(MAX_ALIASES),
]


def is_unexpected(error: GraphQLError) -> bool:
    """Our own GraphQLErrors and validation errors are meant for the client; the rest is a bug."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def extensions(introspection: bool) -> list[Callable[[], SchemaExtension]]:
    chosen: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Internt fel."),
    ]
    if not introspection:
        chosen.append(DisableIntrospection)
    return chosen


Mutation = merge_types(
    "Mutation",
    (BookingMutation, EmployerMutation, AllocationMutation, WishMutation, CoordinatorMutation),
)
RootQuery = merge_types("Query", (Query, AllocationQuery, CoordinatorQuery))


def build_schema(introspection: bool = True) -> strawberry.Schema:
    return strawberry.Schema(
        query=RootQuery,
        mutation=Mutation,
        extensions=extensions(introspection),
        execution_context_class=PraoExecutionContext,
    )


schema = build_schema()
