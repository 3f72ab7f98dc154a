"""The sync horizon: the moment before which every change is committed and visible.

Rows are stamped with `updated_at` while their transaction runs, but become visible when it
commits, so a long transaction (an allocation applying thousands of bookings) can commit rows
stamped earlier than rows a client has already read. A sync page therefore holds back rows
stamped at or after the start of the oldest transaction still open in the database, and tells
the client to resume from that moment: no change is missed, and none is sent twice except a row
that changed again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from tortoise import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet

from prao import clock

M = TypeVar("M", bound=Model)

# Stamps are taken in Python a moment before the statement that writes them, and the database
# and application clocks may differ slightly.
MARGIN = timedelta(seconds=1)

OLDEST_OPEN_TRANSACTION = """
SELECT min(xact_start) AS oldest FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
"""


async def horizon() -> datetime:
    now = clock.now()
    conn = connections.get("default")
    # SQLite has one writer at a time and Tortoise holds a lock around each transaction, so
    # nothing is written behind a reader's back there.
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query(OLDEST_OPEN_TRANSACTION)
        oldest = rows[0]["oldest"] if rows else None
        if oldest is not None:
            now = min(now, oldest)
    return clock.local(now - MARGIN)


async def changed_since(queryset: QuerySet[M], since: datetime) -> tuple[QuerySet[M], datetime]:
    """Rows changed at or after `since` and before the horizon, which is returned too."""
    until = await horizon()
    return between(queryset, since, until), until


def between(queryset: QuerySet[M], since: datetime, until: datetime) -> QuerySet[M]:
    """Rows changed at or after `since` and before `until` (a horizon)."""
    return queryset.filter(updated_at__gte=clock.local(since), updated_at__lt=clock.local(until))
