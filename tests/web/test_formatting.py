"""Swedish dates and words on the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from prao.wording import date_range, datum
from web.formatting import places, role_name


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2027, 3, 9), date(2027, 3, 20), "9–20 mars 2027"),
        (date(2027, 3, 30), date(2027, 4, 10), "30 mars – 10 april 2027"),
        (date(2026, 12, 28), date(2027, 1, 8), "28 december 2026 – 8 januari 2027"),
        (date(2027, 5, 3), date(2027, 5, 3), "3 maj 2027"),
    ],
)
def test_date_ranges(start: date, end: date, expected: str):
    assert date_range(start, end) == expected


def test_moments_are_shown_in_swedish_time():
    # 22:00 UTC in winter is 23:00 in Stockholm.
    assert datum(datetime(2026, 12, 25, 22, 0, tzinfo=UTC)) == "25 december 2026 kl. 23:00"


def test_words():
    assert places(1) == "1 plats" and places(3) == "3 platser"
    assert role_name("coordinator") == "SYV" and role_name("pupil") == "Elev"
