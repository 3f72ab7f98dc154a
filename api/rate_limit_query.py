"""The `rateLimit` field: what this query cost and what is left of the caller's budget."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.context import Info


@strawberry.type(description="Budget i frågekostnadspoäng per minut för den som frågar.")
class RateLimit:
    limit: int = strawberry.field(description="Poäng per minut.")
    cost: int = strawberry.field(description="Vad den här frågan kostade.")
    used: int = strawberry.field(description="Poäng använda i den här minuten.")
    remaining: int = strawberry.field(description="Poäng kvar i den här minuten.")
    reset_at: datetime = strawberry.field(description="När budgeten fylls på igen.")


@strawberry.type
class RateLimitQuery:
    @strawberry.field(description="Null när ingen gräns gäller.")
    def rate_limit(self, info: Info) -> RateLimit | None:
        budget = info.context.budget
        if budget is None:
            return None
        return RateLimit(
            limit=budget.limit,
            cost=budget.cost,
            used=budget.used,
            remaining=budget.remaining,
            reset_at=budget.reset_at,
        )
