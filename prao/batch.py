"""One round trip for the same request of many concurrent callers (Redis writes of requests
being answered at the same moment): what they ask for while a round trip is in flight travels
together in the next one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batched(Generic[T, R]):
    """`await batched(item)` answers `send(items)[i]` for the item's place i in its batch.

    A batch is sent once the round trip before it has come back, or, with none in flight, once
    the callers ready to run now have added their items: one round trip at a time, and no wait
    at all on a quiet server. An exception of `send` is raised to every caller of its batch."""

    def __init__(self, send: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._send = send
        self._items: list[T] = []
        self._next: asyncio.Future[list[R]] | None = None  # the batch items are added to
        self._last: asyncio.Future[list[R]] | None = None  # the batch sent last

    async def __call__(self, item: T) -> R:
        if self._next is None:
            self._next = self._last = asyncio.ensure_future(self._send_after(self._last))
        batch, index = self._next, len(self._items)
        self._items.append(item)
        # Shielded: a caller that goes away (its client hung up) does not cancel the others'.
        return (await asyncio.shield(batch))[index]

    async def _send_after(self, previous: asyncio.Future[list[R]] | None) -> list[R]:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        else:
            await asyncio.sleep(0)
        items, self._items, self._next = self._items, [], None
        return await self._send(items)
