"""Upgrading a database that has rows: the newest migration applies to a database holding the
rows of the release before it (and, on PostgreSQL, rolls back and applies again)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.db import create_postgres_database, drop_postgres_database, postgres_server_url

ROOT = Path(__file__).resolve().parents[2]
BEFORE = "0010_run_result_lz4"
# Rows as the release before 0011 wrote them: an organiser, a school, a pupil, a guardian.
ROWS = [
    "INSERT INTO organiser (name, created_at) VALUES ('Gamla kommunen', '2026-01-01')",
    "INSERT INTO school (organiser_id, name, created_at) VALUES (1, 'Skolan', '2026-01-01')",
    "INSERT INTO pupil (school_id, first_name, last_name, year_group, class_name, "
    "security_marking, created_at, updated_at) VALUES (1, 'Alva', 'A', 8, '8A', false, "
    "'2026-01-01', '2026-01-01')",
    "INSERT INTO guardian (pupil_id, name, email) VALUES (1, 'Vh', 'vh@example.se')",
]
ORGANISER = "SELECT consent_mode, info_insurance, info_version, retention_months FROM organiser"


def tortoise(tmp_path: Path, url: str, *args: str) -> None:
    (tmp_path / "upgrade_config.py").write_text(
        f"from prao.db import tortoise_config\nTORTOISE_ORM = tortoise_config({url!r})\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    command = [sys.executable, "-m", "tortoise", "-c", "upgrade_config.TORTOISE_ORM", *args]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_sqlite_database_with_rows_upgrades(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    tortoise(tmp_path, url, "migrate", "models", BEFORE)
    with sqlite3.connect(tmp_path / "old.sqlite3") as db:
        for statement in ROWS:
            db.execute(statement)
    tortoise(tmp_path, url, "migrate")
    with sqlite3.connect(tmp_path / "old.sqlite3") as db:
        assert db.execute(ORGANISER).fetchall() == [("off", "", 0, 12)]


@pytest.mark.postgres
async def test_a_postgres_database_with_rows_upgrades_and_rolls_back(
    postgres: None, tmp_path: Path
) -> None:
    server = postgres_server_url()
    assert server is not None
    url = await create_postgres_database(server)
    try:
        tortoise(tmp_path, url, "migrate", "models", BEFORE)
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            for statement in ROWS:
                await conn.execute(statement.replace("'2026-01-01'", "now()"))
            tortoise(tmp_path, url, "migrate")
            assert [tuple(r) for r in await conn.fetch(ORGANISER)] == [("off", "", 0, 12)]
        finally:
            await conn.close()
        tortoise(tmp_path, url, "downgrade", "models", BEFORE)
        tortoise(tmp_path, url, "migrate")
    finally:
        await drop_postgres_database(server, url)
