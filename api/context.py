"""What every resolver gets: the request, who is asking, and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from prao.actor import Actor

if TYPE_CHECKING:
    from api.dataloaders import Loaders


@dataclass
class Context:
    request: Request
    response: Response
    actor: Actor
    loaders: Loaders


Info: TypeAlias = strawberry.Info[Context, None]
