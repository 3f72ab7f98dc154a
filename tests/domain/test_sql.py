"""Named parameters numbered for the driver: values never go into the SQL text."""

from __future__ import annotations

import pytest

from prao.sql import numbered


def test_markers_become_numbered_placeholders_in_order_on_postgres() -> None:
    sql, values = numbered(
        "SELECT :snapshot::jsonb WHERE a = :year_group AND b = :year_group",
        {"year_group": 8, "snapshot": "{}"},
        "postgres",
    )
    assert sql == "SELECT $1::jsonb WHERE a = $2 AND b = $3"
    assert values == ["{}", 8, 8]


def test_markers_become_question_marks_on_sqlite() -> None:
    sql, values = numbered("WHERE id = :pupil AND s = 'closed'", {"pupil": 3}, "sqlite")
    assert sql == "WHERE id = ? AND s = 'closed'"
    assert values == [3]


def test_an_unknown_marker_is_an_error_not_an_empty_value() -> None:
    with pytest.raises(KeyError):
        numbered("WHERE id = :pupil", {}, "postgres")
