"""Tortoise configuration and lifecycle, shared by the web app, workers, CLI and tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

from prao.config import TIMEZONE_NAME, Settings

MODELS_MODULE = "prao.models"
MIGRATIONS_MODULE = "prao.migrations"
# Tortoise's asyncpg client with a pool that serves its waiters in order (prao.fair_pool).
FAIR_POOL_ENGINE = "prao.fair_pool"


POSTGRES_POOL_MAX = 20

T = TypeVar("T")

# PostgreSQL's serialization failure and deadlock: the transaction was rolled back whole and
# may simply run again. asyncpg raises them as TransactionRollbackError subclasses, which
# Tortoise passes through unwrapped (it translates only integrity and syntax/data errors).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class WriteConflict(Exception):
    """A transaction lost to a concurrent one twice in a row; nothing it wrote was kept."""


def is_write_conflict(exc: BaseException) -> bool:
    """Whether the error, or one it was raised from, is a serialization failure or deadlock."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in RETRYABLE_SQLSTATES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def retry_on_conflict(work: Callable[[], Awaitable[T]]) -> T:
    """Run a whole transaction (`work` opens and commits it), once more if PostgreSQL rolled it
    back for a deadlock or serialization failure; a second loss raises WriteConflict, for the
    service to answer as a typed error instead of an internal one."""
    try:
        return await work()
    except Exception as first:
        if not is_write_conflict(first):
            raise
    try:
        return await work()
    except Exception as second:
        if is_write_conflict(second):
            raise WriteConflict(str(second)) from second
        raise


def with_pool_size(database_url: str) -> str:
    """asyncpg's pool defaults to 5 connections, too few for a booking rush; a URL may override."""
    if not database_url.startswith("postgres") or "maxsize=" in database_url:
        return database_url
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}maxsize={POSTGRES_POOL_MAX}"


async def reset_connection(connection: asyncpg.Connection) -> None:
    """Run when a connection goes back to the pool. asyncpg's default reset costs a round trip
    on every release (advisory locks, cursors, LISTEN, RESET ALL); Prao keeps no session state,
    so only a transaction left open needs undoing."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def connection_config(database_url: str) -> str | dict[str, Any]:
    if not database_url.startswith("postgres"):
        return database_url
    config = expand_db_url(with_pool_size(database_url))
    config["engine"] = FAIR_POOL_ENGINE
    config["credentials"]["reset"] = reset_connection
    # No JIT: Prao's statements are short, and PostgreSQL compiles one it merely estimates as
    # costly, at its estimate: the readiness of a 10,000-pupil period spent 85 ms to 4 s
    # compiling a query that runs in about 100 ms.
    settings = config["credentials"].setdefault("server_settings", {})
    settings.setdefault("jit", "off")
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": TIMEZONE_NAME,
    }


async def init_db(settings: Settings) -> None:
    # Global fallback: the ASGI lifespan runs in another task than the requests.
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    await tortoise_migrate(config=tortoise_config(settings.database_url))
    await Tortoise.close_connections()
