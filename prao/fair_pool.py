"""A PostgreSQL connection pool that hands its connections out in the order they were asked for.

asyncpg's pool is an asyncio queue, and a queue lets a newcomer take a connection that was
just given back to a waiter: the woken waiter finds the pool empty again and queues anew, at
the back. Under a booking rush some requests were passed over again and again (p99 of
bookSlot four times the mean, the slowest request over 4 s while the median took 0.5 s).
Here a semaphore with as many places as the pool has connections goes first; it hands a
place over in order, and whoever holds one finds a connection free.

An idle connection (the common case: a statement outside a transaction) goes back without
the task and timeout scope asyncpg's release spends on each; any other is released asyncpg's
way (asyncpg is pinned: the shortcut reads its holder's state).

Tortoise takes this module as the engine of the PostgreSQL connection (prao.db)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from tortoise.backends.asyncpg.client import AsyncpgDBClient

# asyncpg.create_pool's defaults, for building the pool class it would build.
_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(asyncpg.create_pool).parameters.items()
    if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is not parameter.empty
}


class FairPool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg has no type hints
    __slots__ = ("_turns",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns = asyncio.Semaphore(self._maxsize)

    # The signatures are asyncpg's (a timeout parameter included).
    async def _acquire(self, timeout: float | None) -> PoolConnectionProxy:  # noqa: ASYNC109
        if timeout is None:  # as Tortoise asks: no clock, no timeout scope on every statement
            await self._turns.acquire()
        else:
            started = asyncio.get_running_loop().time()
            async with asyncio.timeout(timeout):
                await self._turns.acquire()
            timeout = max(0.0, timeout - (asyncio.get_running_loop().time() - started))
        try:
            return await super()._acquire(timeout)
        except BaseException:
            self._turns.release()
            raise

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        # Only a connection this pool lent and has not had back returns a place.
        lent = (
            type(connection) is PoolConnectionProxy
            and connection._holder._pool is self
            and connection._con is not None
        )
        try:
            if lent and self._idle(connection):
                self._give_back(connection)
            else:
                await super().release(connection, timeout=timeout)
        finally:
            if lent:
                self._turns.release()

    def _idle(self, proxy: PoolConnectionProxy) -> bool:
        """Nothing to undo and nothing to wait for: open, out of any transaction, no query
        being cancelled, no listener left, and the connection not due to be closed (by age in
        queries or by Pool.expire_connections)."""
        con, holder = proxy._con, proxy._holder
        protocol = con._protocol
        return bool(
            not con.is_closed()
            and not protocol.is_in_transaction()
            and con._top_xact is None
            and not protocol._is_cancelling()
            and protocol.queries_count < holder._max_queries
            and holder._generation == self._generation
            and not con._listeners
            and not con._log_listeners
        )

    def _give_back(self, proxy: PoolConnectionProxy) -> None:
        # What Pool.release and PoolConnectionHolder.release do for an idle connection, in
        # their order (the reset has nothing to do: prao.db's undoes only a transaction).
        # asyncpg shields its release in a task of its own, under a timeout scope, on every
        # statement outside a transaction; with nothing to await, nothing can interrupt this.
        self._check_init()
        con, holder = proxy._con, proxy._holder
        con._on_release()
        holder._timeout = None
        holder._release()
        holder._setup_inactive_callback()


def create_fair_pool(dsn: str | None = None, **kwargs: Any) -> FairPool:
    return FairPool(dsn, **{**_DEFAULTS, **kwargs})


class FairAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await create_fair_pool(None, **kwargs)


client_class = FairAsyncpgClient
