"""The PostgreSQL pool serves those waiting for a connection in the order they asked: a
connection given back goes to the longest waiter, never to a newcomer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from tortoise import connections

from prao.config import Settings
from prao.fair_pool import FairPool, create_fair_pool


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def one_connection(settings: Settings, postgres: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_fair_pool(settings.database_url, min_size=0, max_size=1)
    try:
        yield pool
    finally:
        pool.terminate()  # a test that failed holding a connection must not hang here


async def _take(pool: asyncpg.Pool, name: str, order: list[str]) -> object:
    connection = await pool.acquire()
    order.append(name)
    return connection


@pytest.mark.postgres
async def test_a_returned_connection_goes_to_the_longest_waiter(one_connection: FairPool) -> None:
    pool = one_connection
    order: list[str] = []
    first = await pool.acquire()
    waiter = asyncio.create_task(_take(pool, "waiter", order))
    await _settle()
    assert order == []

    # A request gives its connection back and at once asks again for its next statement
    # (as each statement outside a transaction does): the waiter goes first.
    async def next_statement() -> object:
        await pool.release(first)
        return await _take(pool, "next statement", order)

    again = asyncio.create_task(next_statement())
    await asyncio.wait([waiter, again], timeout=5, return_when=asyncio.FIRST_COMPLETED)
    await _settle()
    assert order == ["waiter"]
    assert not again.done()

    await pool.release(await waiter)
    await pool.release(await asyncio.wait_for(again, 5))
    assert order == ["waiter", "next statement"]


@pytest.mark.postgres
async def test_releasing_twice_or_a_stranger_makes_no_extra_place(
    one_connection: FairPool, settings: Settings
) -> None:
    pool = one_connection
    connection = await pool.acquire()
    await pool.release(connection)
    await pool.release(connection)  # asyncpg ignores a second release; so does the count
    other = await create_fair_pool(settings.database_url, min_size=0, max_size=1)
    try:
        stranger = await other.acquire()
        with pytest.raises(asyncpg.InterfaceError):
            await pool.release(stranger)
        await other.release(stranger)
    finally:
        await other.close()

    held = await pool.acquire()
    with pytest.raises(TimeoutError):
        await pool.acquire(timeout=0.2)  # one connection, one place: the second waits
    await pool.release(held)
    again = await pool.acquire(timeout=5)
    assert await again.fetchval("SELECT 1") == 1
    await pool.release(again)


@pytest.mark.postgres
async def test_a_waiter_that_gives_up_keeps_no_place(one_connection: FairPool) -> None:
    pool = one_connection
    held = await pool.acquire()
    quitter = asyncio.create_task(_take(pool, "quitter", []))
    await _settle()
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    await pool.release(held)
    again = await pool.acquire(timeout=5)
    assert await again.fetchval("SELECT 1") == 1
    await pool.release(again)


@pytest.mark.postgres
async def test_the_app_connection_uses_the_fair_pool(postgres: None) -> None:
    assert isinstance(connections.get("default")._pool, FairPool)


@pytest.mark.postgres
async def test_under_load_nobody_is_served_before_one_who_asked_earlier(
    settings: Settings, postgres: None
) -> None:
    """Thirty requests run three statements each on two connections, as in a rush: each
    connection is asked for in turn, and no ask is served before an earlier one."""
    pool = await create_fair_pool(settings.database_url, min_size=2, max_size=2)
    asked: list[int] = []
    served: list[int] = []

    async def request() -> None:
        for _ in range(3):
            ticket = len(asked)
            asked.append(ticket)
            connection = await pool.acquire()
            served.append(ticket)
            try:
                await connection.fetchval("SELECT 1")
            finally:
                await pool.release(connection)

    try:
        await asyncio.wait_for(asyncio.gather(*(request() for _ in range(30))), 30)
    finally:
        pool.terminate()
    assert len(served) == 90
    assert served == sorted(served)


@pytest.mark.postgres
async def test_an_idle_connection_goes_back_at_once_and_others_asyncpgs_way(
    settings: Settings, postgres: None
) -> None:
    """Idle: back without waiting, and the same connection serves the next ask. In an open
    transaction: rolled back. Due to close (by its queries, or expired): a new one comes."""
    pool = await create_fair_pool(settings.database_url, min_size=0, max_size=1)
    worn = await create_fair_pool(settings.database_url, min_size=0, max_size=1, max_queries=2)
    try:
        first = await pool.acquire()
        pid = await first.fetchval("SELECT pg_backend_pid()")
        release = pool.release(first)
        with pytest.raises(StopIteration):  # finished without suspending once
            release.send(None)
        again = await pool.acquire(timeout=5)
        assert await again.fetchval("SELECT pg_backend_pid()") == pid
        await again.execute("BEGIN")
        await again.execute("SET LOCAL application_name = 'left open'")
        await pool.release(again)
        after = await pool.acquire(timeout=5)
        assert not after.is_in_transaction()
        assert await after.fetchval("SHOW application_name") != "left open"
        assert await after.fetchval("SELECT pg_backend_pid()") == pid
        await pool.release(after)
        await pool.expire_connections()
        expired = await pool.acquire(timeout=5)
        assert await expired.fetchval("SELECT pg_backend_pid()") != pid
        await pool.release(expired)

        used = await worn.acquire()
        old = await used.fetchval("SELECT pg_backend_pid()")
        await used.execute("SELECT 1")  # its second query: closed when given back
        await worn.release(used)
        renewed = await worn.acquire(timeout=5)
        assert await renewed.fetchval("SELECT pg_backend_pid()") != old
        await worn.release(renewed)
    finally:
        pool.terminate()
        worn.terminate()
