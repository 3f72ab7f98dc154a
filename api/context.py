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


Info: TypeAlias = strawberry.Info[Context, None]
