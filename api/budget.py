"""Before a query runs: work out its cost, refuse it above the maximum, and charge the caller's
per-minute budget (refusing it when spent)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.context import Context
from api.cost import CostCache, QueryTooCostly
from api.limits import MAX_COST, RATE_LIMITED
from api.rate_limit import Budget


def caller_key(context: Context) -> str:
    actor = context.actor
    if actor.is_anonymous:
        client = context.request.client  # the address the server believes
        return f"anonymous:{client.host if client else 'unknown'}"
    return actor.label


class RateLimited(GraphQLError):
    def __init__(self, budget: Budget) -> None:
        super().__init__(
            f"Gränsen på {budget.limit} poäng per minut är nådd; frågan kostar {budget.cost}. "
            f"Försök igen om {budget.retry_after()} sekunder.",
            extensions={
                "code": RATE_LIMITED,
                "cost": budget.cost,
                "limit": budget.limit,
                "remaining": budget.remaining,
                "resetAt": budget.reset_at.isoformat(),
            },
        )


COSTS = CostCache()


class CostAndRateLimit(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        context = ec.context
        assert ec.graphql_document is not None
        if isinstance(context, Context):
            cost = COSTS.cost(
                ec.schema._schema,
                ec.query,
                ec.graphql_document,
                ec.operation_name,
                ec.variables,
            )
            context.cost = cost
            if cost > MAX_COST:
                raise QueryTooCostly(cost)
            if context.limiter is not None:
                context.budget = await context.limiter.charge(caller_key(context), cost)
                if context.budget is not None and context.budget.refused:
                    raise RateLimited(context.budget)
        yield
