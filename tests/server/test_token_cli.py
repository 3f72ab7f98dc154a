"""`prao token create|list|revoke`, run as an operator runs them, against their own database."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from prao import clock
from tests.server.test_cli import prao


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("token-cli")
    assert prao(path, "migrate").returncode == 0
    assert prao(path, "seed-demo", "--pupils-per-school", "1").returncode == 0
    return path


def tokens(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path / "prao.sqlite3")
    try:
        return db.execute(
            "SELECT id, name, token_hash, school_id, organiser_id, permissions, expires_at, "
            "revoked_at FROM api_token ORDER BY id"
        ).fetchall()
    finally:
        db.close()


def test_create_list_and_revoke(var_dir: Path) -> None:
    made = prao(
        var_dir,
        "token", "create", "--name", "Lager", "--organiser", "1",
        "--permissions", "read,allocate", "--days", "30",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    raw = made.stdout.strip()
    assert raw.startswith("prao_") and "visas inte igen" in made.stderr
    row = tokens(var_dir)[-1]
    token_id, name, token_hash, school_id, organiser_id, permissions, expires_at, _ = row
    assert (name, school_id, organiser_id, permissions) == ("Lager", None, 1, "read,allocate")
    assert token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert str(expires_at).startswith((clock.today() + timedelta(days=30)).isoformat())

    by_school = prao(
        var_dir, "token", "create", "--school", "1", "--expires",
        (clock.today() + timedelta(days=10)).isoformat(),
    )  # fmt: skip
    assert by_school.returncode == 0, by_school.stderr
    school_row = tokens(var_dir)[-1]
    assert school_row[3] == 1 and school_row[5] == "read"  # read only unless asked

    listed = prao(var_dir, "token", "list", "--organiser", "1")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    header = ["ID", "Namn", "Omfattning", "Behörigheter", "Går ut", "Senast använd", "Status"]
    assert all(column in lines[0] for column in header)
    assert any(line.startswith(f"{token_id} ") and "read,allocate" in line and "Aktiv" in line
               for line in lines)  # fmt: skip
    assert token_hash not in listed.stdout and raw not in listed.stdout

    revoked = prao(var_dir, "token", "revoke", str(token_id))
    assert revoked.returncode == 0 and "är nu återkallad" in revoked.stdout
    again = prao(var_dir, "token", "revoke", str(token_id))
    assert again.returncode == 0 and "var redan återkallad" in again.stdout
    assert tokens(var_dir)[-2][7] is not None
    after = prao(var_dir, "token", "list")
    assert any(line.startswith(f"{token_id} ") and "Återkallad" in line
               for line in after.stdout.splitlines())  # fmt: skip


def test_clear_errors_and_nothing_created(var_dir: Path) -> None:
    before = tokens(var_dir)
    bad_permission = prao(var_dir, "token", "create", "--organiser", "1", "--permissions", "admin")
    assert bad_permission.returncode == 2
    assert "okänd behörighet" in bad_permission.stderr and "read, write, allocate" in (
        bad_permission.stderr
    )
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    past = prao(var_dir, "token", "create", "--organiser", "1", "--expires", yesterday)
    assert past.returncode == 1 and "Slutdatumet måste vara efter i dag." in past.stderr
    not_a_date = prao(var_dir, "token", "create", "--organiser", "1", "--expires", "snart")
    assert not_a_date.returncode == 2 and "ÅÅÅÅ-MM-DD" in not_a_date.stderr
    both = prao(var_dir, "token", "create", "--organiser", "1", "--days", "3", "--expires",
                "2099-01-01")  # fmt: skip
    assert both.returncode == 2
    zero_days = prao(var_dir, "token", "create", "--organiser", "1", "--days", "0")
    assert zero_days.returncode == 2
    no_scope = prao(var_dir, "token", "create", "--name", "X")
    assert no_scope.returncode == 2
    missing = prao(var_dir, "token", "create", "--organiser", "999")
    assert missing.returncode == 1 and "finns inte" in missing.stderr
    unknown = prao(var_dir, "token", "revoke", "999")
    assert unknown.returncode == 1 and "finns inte" in unknown.stderr
    assert tokens(var_dir) == before
