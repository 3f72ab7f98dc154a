"""prao.validation: the one place that decides what input can reach the database."""

from __future__ import annotations

from datetime import date, datetime

from prao import audit
from prao.config import TIMEZONE
from prao.models import AuditEvent, Pupil, Slot
from prao.validation import (
    BAD_CHARACTERS,
    DAY_OUT_OF_RANGE,
    MAX_ID,
    clean_text,
    column_length,
    day_problem,
    filter_value,
    id_from_text,
    moment_in_range,
    text_problem,
    valid_id,
)
from tests.factories import World


def test_ids_are_positive_and_fit_a_32_bit_key() -> None:
    assert [valid_id(v) for v in (None, -1, 0, 1, MAX_ID, MAX_ID + 1, 2**63)] == [
        False, False, False, True, True, False, False
    ]  # fmt: skip
    assert [id_from_text(t) for t in ("12", " 7 ", "0", "2147483648", "9" * 40, "1e3", "")] == [
        12, 7, None, None, None, None, None
    ]  # fmt: skip


def test_lengths_are_read_from_the_model_columns() -> None:
    assert column_length(Pupil, "class_name") == 20
    assert column_length(Slot, "trade") == 100
    assert text_problem("x" * 21, column_length(Pupil, "class_name")) == "Högst 20 tecken."
    assert text_problem("8A", 20) is None


def test_nul_and_lone_surrogates_are_refused_or_dropped() -> None:
    assert text_problem("a\x00b", 100) == BAD_CHARACTERS
    assert text_problem("a\ud800b", 100) == BAD_CHARACTERS
    assert clean_text(" a\x00b\ud800c ") == "abc"


def test_a_filter_value_no_column_can_hold_matches_nothing() -> None:
    assert filter_value(" Handel ", Slot, "trade") == "Handel"
    assert filter_value("x" * 101, Slot, "trade") is None
    assert filter_value("Var\x00berg", Slot, "city") is None


def test_days_between_2000_and_2100() -> None:
    assert day_problem(date(2026, 3, 9)) is None and day_problem(None) is None
    assert day_problem(date(1, 1, 1)) == DAY_OUT_OF_RANGE
    assert day_problem(date(9999, 12, 31)) == DAY_OUT_OF_RANGE
    assert "2000-01-01" in DAY_OUT_OF_RANGE and "2100-12-31" in DAY_OUT_OF_RANGE
    assert moment_in_range(datetime(2026, 3, 9, 8, tzinfo=TIMEZONE))
    # Converting these to Swedish time would overflow: they are out of range, not a crash.
    assert not moment_in_range(datetime.fromisoformat("0001-01-01T00:00:00+14:00"))
    assert not moment_in_range(datetime.fromisoformat("9999-12-31T23:59:59-12:00"))


async def test_audit_details_are_stored_without_nul_and_cut_short(world: World) -> None:
    """PostgreSQL refuses \\u0000 in jsonb: the detail is sanitised where the event is written."""
    actor = await world.actor(world.coordinator_a)
    await audit.record(
        actor, "export", "pupil", class_name="8A\x00", notes=["x" * 5000, "a\ud800b"], n=3
    )
    event = await AuditEvent.get(action="export")
    assert event.detail == {"class_name": "8A", "notes": ["x" * 1000, "ab"], "n": 3}
