"""The `prao` command, run as a person runs it: in a subprocess against its own database."""

from __future__ import annotations

import hashlib
import importlib
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from prao.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def prao(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRAO_VAR_DIR": str(tmp_path), **env}
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_seed_demo_refused_in_production(tmp_path: Path) -> None:
    assert prao(tmp_path, "migrate").returncode == 0
    refused = prao(tmp_path, "seed-demo", ENV="production", SECRET_KEY="s" * 48)
    assert refused.returncode != 0
    assert "ENV=production" in refused.stderr and "Traceback" not in refused.stderr
    db = sqlite3.connect(tmp_path / "prao.sqlite3")
    for table in ("organiser", "school", "pupil", "employer", "app_user"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    # Also without a SECRET_KEY: the refusal comes first, not a settings error.
    bare = prao(tmp_path, "seed-demo", ENV="production")
    assert bare.returncode != 0 and "Demodata skapas inte" in bare.stderr


def test_migrate_seed_and_token(tmp_path: Path) -> None:
    assert prao(tmp_path, "migrate").returncode == 0
    first = prao(tmp_path, "seed-demo")
    assert first.returncode == 0 and "skapad" in first.stdout
    again = prao(tmp_path, "seed-demo")
    assert again.returncode == 0 and "finns redan" in again.stdout

    db = sqlite3.connect(tmp_path / "prao.sqlite3")
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("organiser", "school", "pupil", "employer", "slot", "period")
    }
    assert counts == {
        "organiser": 1,
        "school": 3,
        "pupil": 330,  # 100 in year 8 per school, 30 in year 9 at the first
        "employer": 41,  # 40 vetted, and the workplace a pupil found herself
        "slot": 123,  # 3 each, the self-found placement's, and 2 of the week that has ended
        "period": 5,  # one first-come per school, one allocation period for year 9, one ended
    }

    made = prao(tmp_path, "token", "create", "--school", "Håstensskolan")
    assert made.returncode == 0, made.stderr
    raw = made.stdout.strip()
    assert raw.startswith("prao_") and "visas inte igen" in made.stderr
    stored = db.execute("SELECT token_hash, school_id FROM api_token").fetchall()
    assert stored == [(hashlib.sha256(raw.encode()).hexdigest(), 1)]

    missing = prao(tmp_path, "token", "create", "--school", "Finns inte")
    assert missing.returncode != 0 and "finns inte" in missing.stderr
    both = prao(tmp_path, "token", "create", "--school", "A", "--organiser", "B")
    assert both.returncode != 0


def test_export_schema_prints_sdl(tmp_path: Path) -> None:
    result = prao(tmp_path, "export-schema")
    assert result.returncode == 0
    assert "type Query" in result.stdout and "bookSlot" in result.stdout


def test_worker_explains_when_redis_is_missing(tmp_path: Path) -> None:
    result = prao(tmp_path, "worker")
    assert result.returncode != 0 and "REDIS_URL" in result.stderr


def test_production_needs_a_secret_key_and_refuses_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRAO_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DEMO", "1")
    with pytest.raises(ConfigError, match="DEMO"):
        load_settings()
    monkeypatch.delenv("DEMO")
    assert load_settings().production and not load_settings().demo


def test_dev_secret_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRAO_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = load_settings()
    assert load_settings().secret_key == first.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite://{tmp_path / 'prao.sqlite3'}"


def test_the_prao_command_is_the_one_python_m_server_runs() -> None:
    """The console script (pyproject.toml) and the Procfile's commands are this CLI."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, name = scripts["prao"].partition(":")
    main = getattr(importlib.import_module(module), name)
    assert main is importlib.import_module("server.cli").main
    assert set(main.commands) == {
        "serve",
        "worker",
        "migrate",
        "seed-demo",
        "token",
        "allocate",
        "export-schema",
    }
    assert set(main.commands["token"].commands) == {"create", "list", "revoke"}
