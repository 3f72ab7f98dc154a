"""Test databases: a SQLite file by default, a fresh PostgreSQL database per run when
TEST_DATABASE_URL (postgres://…) is set. Runs never share a database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg
from tortoise import Tortoise
from tortoise.connection import get_connection
from tortoise.queryset import QuerySet

from prao.db import migrate, tortoise_config  # noqa: F401 (re-exported for tests)

TABLES = [
    # Children before their parents (SQLite deletes table by table; a SET NULL child, such
    # as a certificate, would otherwise outlive its booking into the next test).
    "certificate",
    "attendance_day",
    "guardian_consent",
    "first_day_brief",
    "assessment_review",
    "risk_assessment",
    "mail_throttle",
    "class_list_import",
    "allocation_run",
    "wish",
    "booking_link",
    "audit_event",
    "outbox_event",
    "outbox_message",
    "booking",
    "slot_visibility",
    "slot",
    "period",
    "api_token",
    "sign_in_token",
    "app_user",
    "employer",
    "guardian",
    "pupil",
    "school",
    "organiser",
]


def postgres_server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    return url if url.startswith("postgres://") else None


def _with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


async def create_postgres_database(server_url: str) -> str:
    name = f"prao_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(server_url, name)


async def drop_postgres_database(server_url: str, database_url: str) -> None:
    name = urlparse(database_url).path.lstrip("/")
    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def sqlite_url(directory: Path) -> str:
    return f"sqlite://{directory / 'prao-test.sqlite3'}"


async def truncate_all() -> None:
    conn = get_connection("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    else:
        for table in TABLES:
            await conn.execute_script(f"DELETE FROM {table}")
        await conn.execute_script("DELETE FROM sqlite_sequence")


def is_postgres() -> bool:
    return bool(Tortoise._inited) and get_connection("default").capabilities.dialect == "postgres"


async def column(query: QuerySet[Any], field: str) -> list[Any]:
    """One field of every row, as a flat list. Tortoise types `values_list(field, flat=True)`
    as rows of tuples, which would make every comparison with plain values look impossible."""
    return list(await query.values_list(field, flat=True))
