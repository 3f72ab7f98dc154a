"""Named parameters numbered for the driver: values never go into the SQL text."""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError

from prao.models import School
from prao.sql import columns, model_of, numbered
from tests.factories import World


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


async def test_only_the_named_columns_are_read_into_a_partial_model(world: World) -> None:
    conn = connections.get("default")
    only = ("id", "organiser_id")
    sql, values = numbered(
        f"SELECT {columns('sc', School, only)} FROM school sc WHERE sc.id = :school",
        {"school": world.school_a.id},
        conn.capabilities.dialect,
    )
    _, rows = await conn.execute_query(sql, values)
    school = model_of(dict(rows[0]), "sc", School, only)
    assert (school.id, school.organiser_id) == (world.school_a.id, world.school_a.organiser_id)
    assert "name" not in vars(school)
    with pytest.raises(OperationalError):  # Tortoise saves no partial instance
        await school.save()


def test_columns_without_the_primary_key_or_with_an_unknown_one_are_refused() -> None:
    with pytest.raises(ValueError):
        columns("sc", School, ("organiser_id",))
    with pytest.raises(ValueError):
        columns("sc", School, ("id", "no_such_column"))
