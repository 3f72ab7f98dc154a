"""What every resolver gets: the request, who is asking, and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor

if TYPE_CHECKING:
    from api.dataloaders import Loaders
    from api.rate_limit import Budget, RateLimiter


@dataclass
class FastPathCount:
    """What api.execution's fast path did in one request: the lists it completed column by
    column, and those (lists or pages) it handed back to graphql-core after trying (lists it
    could not plan at all are neither)."""

    lists: int = 0
    fallbacks: int = 0
    # Connections answered straight from their rows (api.row_pages), which only an executor
    # that takes completed values (api.execution's) lets a resolver do.
    pages: int = 0
    # Single objects (a mutation's payload, say) completed from their plan at once: not
    # compared, so the counts above read as they did before objects were.
    objects: int = field(default=0, compare=False)
    completes: bool = field(default=False, compare=False)


@dataclass
class Context:
    request: Request
    response: Response
    actor: Actor
    loaders: Loaders
    request_id: str = ""
    limiter: RateLimiter | None = None
    # Set before execution: what this request cost and what is left of the caller's budget.
    cost: int = 0
    budget: Budget | None = field(default=None)
    fast_path: FastPathCount = field(default_factory=FastPathCount)


Info: TypeAlias = strawberry.Info[Context, None]
