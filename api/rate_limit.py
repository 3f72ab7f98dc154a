"""Per-caller budget of query-cost points per minute: a fixed window, kept in Redis when there is
one (shared by every server process), else in this process's memory.

A refused query does not use up points, so a client that backs off gets its budget back.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.limits import WINDOW_SECONDS
from prao import clock
from prao.batch import Batched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    """Where a caller stands after this request was charged (or refused)."""

    limit: int
    cost: int
    used: int
    reset_at: datetime
    refused: bool = False

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def retry_after(self) -> int:
        return max(math.ceil((self.reset_at - clock.now()).total_seconds()), 1)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Used": str(self.used),
            "X-RateLimit-Reset": str(int(self.reset_at.timestamp())),
        }


class Store(Protocol):
    async def add(self, key: str, points: int) -> int:
        """Add points to the key's window and return the new total."""
        ...

    async def subtract(self, key: str, points: int) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._used: dict[str, int] = {}
        self._window = ""

    async def add(self, key: str, points: int) -> int:
        window = key.rsplit(":", 1)[1]
        if window != self._window:  # a new minute: forget the old ones
            self._used.clear()
            self._window = window
        self._used[key] = self._used.get(key, 0) + points
        return self._used[key]

    async def subtract(self, key: str, points: int) -> None:
        if key in self._used:
            self._used[key] -= points


# The charge in one round trip: add the points, start the window's expiry, and take them back
# at once when they go over the limit (a refused query uses up nothing). Atomic in Redis.
_CHARGE = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if used > tonumber(ARGV[3]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
end
return used
"""


class RedisStore:
    def __init__(self, url: str) -> None:
        self._redis: Redis = Redis.from_url(url)
        # The charges of concurrent requests travel together, one round trip for all of them.
        self._charges: Batched[tuple[str, int, int], Any] = Batched(self._charge_all)

    async def add(self, key: str, points: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, points)
            pipe.expire(key, WINDOW_SECONDS * 2)
            used, _ = await pipe.execute()
        return int(used)

    async def subtract(self, key: str, points: int) -> None:
        await self._redis.decrby(key, points)

    async def charge(self, key: str, points: int, limit: int) -> int:
        """The window's total with these points, which are kept only within `limit`."""
        used = await self._charges((key, points, limit))
        if isinstance(used, Exception):
            raise used
        return int(used)

    async def _charge_all(self, charges: list[tuple[str, int, int]]) -> list[Any]:
        """Each charge its own atomic script; a failed one answers its exception."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, points, limit in charges:
                # EVAL, not EVALSHA: a pipeline of scripts would first ask whether they exist.
                pipe.eval(_CHARGE, 1, key, str(points), str(WINDOW_SECONDS * 2), str(limit))
            return await pipe.execute(raise_on_error=False)

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    def __init__(self, points_per_minute: int, redis_url: str | None) -> None:
        self.limit = points_per_minute
        self._memory = MemoryStore()
        self._store: Store = RedisStore(redis_url) if redis_url else self._memory

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def charge(self, caller: str, cost: int) -> Budget | None:
        """None when no limit is set."""
        if not self.enabled:
            return None
        now = clock.now()
        window = int(now.timestamp()) // WINDOW_SECONDS
        reset_at = datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=now.tzinfo)
        key = f"prao:rate:{caller}:{window}"
        try:
            if isinstance(self._store, RedisStore):
                used = await self._store.charge(key, cost, self.limit)
            else:
                used = await self._store.add(key, cost)
                if used > self.limit:
                    await self._store.subtract(key, cost)
        except RedisError:
            # Redis down: keep serving, counting in memory (per process) until it is back.
            log.warning("rate limit: Redis unavailable, counting in memory", exc_info=True)
            used = await self._memory.add(key, cost)
            if used > self.limit:
                await self._memory.subtract(key, cost)
        if used > self.limit:
            return Budget(self.limit, cost, used - cost, reset_at, refused=True)
        return Budget(self.limit, cost, used, reset_at)

    async def close(self) -> None:
        if isinstance(self._store, RedisStore):
            await self._store.close()
