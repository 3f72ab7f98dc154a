"""The schema and its guards: caches for parsing and validation, and limits on query size.

No field returns a nested list, so page size (at most 100) times aliases bounds the work a
single request can ask for.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.type.definition import GraphQLResolveInfoHelpers
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.extensions.validation_cache import _get_validate_cache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.allocation_mutations import AllocationMutation, AllocationQuery
from api.assessment_mutations import AssessmentMutation, AssessmentQuery
from api.attendance_mutations import AttendanceMutation
from api.booking_mutations import BookingMutation
from api.budget import CostAndRateLimit
from api.consent_types import ConsentMutation, ConsentQuery
from api.coordinator_mutations import CoordinatorMutation, CoordinatorQuery
from api.employer_mutations import EmployerMutation
from api.errors import MaskUnexpected, log_unexpected
from api.execution import FastPathSchema, PraoExecutionContext
from api.extension_hooks import ClassHooksRunner
from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.pupil_mutations import PupilMutation
from api.queries import Query
from api.query_rules import alias_limit, depth_limit
from api.rate_limit_query import RateLimitQuery
from api.statistics_types import StatisticsQuery
from api.wish_mutations import WishMutation

CACHE_SIZE = 256

# Built once: ValidationCache keys on the rule classes. Our own rules, not Strawberry's
# QueryDepthLimiter/MaxAliasesLimiter, which re-walk a fragment at every spread.
LIMIT_RULES: list[type[ASTValidationRule]] = [depth_limit(MAX_DEPTH), alias_limit(MAX_ALIASES)]


class CachedDocuments(SchemaExtension):
    """The token limit, our rules and (unless enabled) no introspection, and the parse and the
    validation of each query text done once: what Strawberry's MaxTokensLimiter,
    AddValidationRules, DisableIntrospection, ParserCache and ValidationCache do, in one
    extension instead of five, so each request runs two hooks instead of five. The caches are
    Strawberry's own, keyed on the query text (and the token limit), and on the document and
    the rules; a text that fails to parse is parsed again each time (an error is not cached)."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.rules = rules
        self.parse = _get_parse_cache(CACHE_SIZE)
        self.validate = _get_validate_cache(CACHE_SIZE)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = self.parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield


def extensions(introspection: bool) -> list[Callable[[], SchemaExtension]]:
    # Fixed tuples: the validation cache keys on the rules.
    rules = tuple(LIMIT_RULES) + (() if introspection else (NoSchemaIntrospectionCustomRule,))
    return [lambda: CachedDocuments(rules), CostAndRateLimit, MaskUnexpected]


Mutation = merge_types(
    "Mutation",
    (
        BookingMutation,
        EmployerMutation,
        AllocationMutation,
        WishMutation,
        CoordinatorMutation,
        PupilMutation,
        AssessmentMutation,
        ConsentMutation,
        AttendanceMutation,
    ),
)
RootQuery = merge_types(
    "Query",
    (
        Query,
        AllocationQuery,
        CoordinatorQuery,
        RateLimitQuery,
        AssessmentQuery,
        ConsentQuery,
        StatisticsQuery,
    ),
)


def _weak_helpers(execution: PraoExecutionContext) -> GraphQLResolveInfoHelpers:
    """The resolvers' helpers (`info.async_helpers`), holding the execution weakly: resolvers
    only call them while it runs."""
    ref = weakref.ref(execution)

    def running() -> PraoExecutionContext:
        found = ref()
        assert found is not None, "async_helpers called after the execution ended"
        return found

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return running().gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        running().track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


class AcyclicExecutionContext(PraoExecutionContext):
    """graphql-core's execution keeps the resolvers' helpers as its own bound methods: a
    reference cycle through which each request's objects (its context, the request, the rows
    read) outlive the request until a garbage collection, which then spends time proportional
    to all of them. Held weakly, they are freed as soon as the request is answered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _weak_helpers(self)


class PraoSchema(FastPathSchema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return ClassHooksRunner(execution_context=execution_context, extensions=extensions)

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
        execution_context_class=AcyclicExecutionContext,
    )


schema = build_schema()
