"""Connections go back to the pool without asyncpg's per-release reset round trip, but never
with a transaction still open."""

from __future__ import annotations

import pytest
from tortoise import connections

from prao.db import reset_connection
from prao.models import Organiser


@pytest.mark.postgres
async def test_a_connection_returned_inside_a_transaction_is_rolled_back(postgres: None) -> None:
    pool = connections.get("default")._pool
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute("INSERT INTO organiser (name, created_at) VALUES ('X', now())")
        assert connection.is_in_transaction()
        await reset_connection(connection)
        assert not connection.is_in_transaction()
    assert not await Organiser.exists(name="X")


@pytest.mark.postgres
async def test_the_pool_uses_the_light_reset(postgres: None) -> None:
    pool = connections.get("default")._pool
    assert pool._reset is reset_connection
    # A plain statement leaves nothing behind: the next use of any connection works as usual.
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT 1") == 1
        assert not connection.is_in_transaction()
