"""`prao allocate` as an operator runs it, against its own SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.server.test_cli import prao


def test_allocate_dry_run_then_apply(tmp_path: Path) -> None:
    assert prao(tmp_path, "migrate").returncode == 0
    assert prao(tmp_path, "seed-demo", "--pupils-per-school", "10").returncode == 0
    db = sqlite3.connect(tmp_path / "prao.sqlite3")
    period_id, school_id, year_group, start, end = db.execute(
        "SELECT id, school_id, year_group, start_date, end_date FROM period"
        " WHERE mode = 'allocation' ORDER BY id LIMIT 1"
    ).fetchone()
    pupils = [
        row[0]
        for row in db.execute(
            "SELECT id FROM pupil WHERE school_id = ? AND year_group = ? ORDER BY id LIMIT 3",
            (school_id, year_group),
        )
    ]
    (slot_id,) = db.execute(
        "SELECT id FROM slot WHERE status = 'published' AND visible_to_all AND min_age = 0"
        " AND capacity - taken >= 3 AND start_date <= ? AND end_date >= ? ORDER BY id LIMIT 1",
        (end, start),
    ).fetchone()
    # The demo's own wishes and trial run out of the way: three pupils, one slot, two runs.
    db.execute("DELETE FROM wish WHERE period_id = ?", (period_id,))
    db.execute("DELETE FROM allocation_run WHERE period_id = ?", (period_id,))
    for pupil_id in pupils:
        db.execute(
            "INSERT INTO wish (pupil_id, period_id, slot_id, rank, created_at, updated_at)"
            " VALUES (?, ?, ?, 1, datetime('now'), datetime('now'))",
            (pupil_id, period_id, slot_id),
        )
    db.commit()

    dry = prao(tmp_path, "allocate", str(period_id), "--seed", "7")
    assert dry.returncode == 0, dry.stderr
    assert "önskemål 1: 3" in dry.stdout
    assert db.execute("SELECT count(*) FROM booking WHERE origin = 'allocation'").fetchone() == (0,)

    applied = prao(tmp_path, "allocate", str(period_id), "--seed", "7", "--apply")
    assert applied.returncode == 0, applied.stderr
    assert "applied" in applied.stdout
    booked = db.execute(
        "SELECT pupil_id FROM booking WHERE origin = 'allocation' AND status = 'confirmed'"
    ).fetchall()
    assert sorted(r[0] for r in booked) == pupils
    runs = db.execute(
        "SELECT seed, policy, dry_run, started_by, result FROM allocation_run"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in runs] == [
        (7, "convex", 1, "cli"),
        (7, "convex", 0, "cli"),
    ]
    assert json.loads(runs[0][4])["lottery"] == json.loads(runs[1][4])["lottery"]

    missing = prao(tmp_path, "allocate", "99999")
    assert missing.returncode != 0 and "finns inte" in missing.stderr
