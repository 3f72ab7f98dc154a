"""Tortoise configuration and lifecycle, shared by the web app, workers, CLI and tests."""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate

from prao.config import TIMEZONE_NAME, Settings

MODELS_MODULE = "prao.models"
MIGRATIONS_MODULE = "prao.migrations"


POSTGRES_POOL_MAX = 20


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
    config["credentials"]["reset"] = reset_connection
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
