"""Requests enter the app in the order they arrived, a bounded number at a time.

Under a rush every request waits for a database connection, and asyncpg's pool is an
asyncio queue: a connection given back goes to whichever request asks next, often one that
has only just arrived, while the request woken for it finds the pool empty again and queues
anew at the back. Some requests were passed over again and again (p99 four times the mean).
A semaphore hands its places over in order (no newcomer takes a place a waiter was woken
for), and with no more requests inside than the pool has connections, a request inside
rarely waits for one."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class ArrivalOrder:
    def __init__(self, app: ASGIApp, inside: int) -> None:
        self.app = app
        self.inside = inside
        self._gate: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)  # static files need no connection
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.inside)  # made in the serving event loop
        async with self._gate:
            await self.app(scope, receive, send)
