"""The hours rules for minors and the organisation-number check, as tables."""

from __future__ import annotations

from datetime import date

import pytest

from prao import orgnr, working_hours
from prao.errors import ErrorCode
from prao.services.slot_input import capacity_errors
from prao.validation import dates_errors


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@pytest.mark.parametrize(
    ("starts", "ends", "brk", "expected"),
    [
        ("08:00", "14:00", 30, []),  # 5.5 h work with a break
        ("08:00", "15:30", 30, []),  # exactly 7 h of work
        ("06:00", "10:30", 0, []),  # exactly 4.5 h: no break needed, 06:00 is allowed
        ("13:00", "20:00", 30, []),  # ends at 20:00 exactly
        ("08:00", "15:31", 30, [("HOURS_NOT_ALLOWED", "day_ends_at")]),  # 7 h 1 min
        ("07:00", "16:00", 60, [("HOURS_NOT_ALLOWED", "day_ends_at")]),  # 8 h of work
        ("08:00", "13:00", 0, [("HOURS_NOT_ALLOWED", "break_minutes")]),  # 5 h, no break
        ("08:00", "13:20", 20, [("HOURS_NOT_ALLOWED", "break_minutes")]),  # 5 h, 20 min
        ("05:59", "10:00", 0, [("HOURS_NOT_ALLOWED", "day_starts_at")]),
        ("14:00", "20:01", 30, [("HOURS_NOT_ALLOWED", "day_ends_at")]),
        ("14:00", "14:00", 0, [("END_BEFORE_START", "day_ends_at")]),
        ("14:00", "09:00", 30, [("END_BEFORE_START", "day_ends_at")]),
        ("09:00", "10:00", 60, [("INVALID", "break_minutes")]),
        (
            "05:00",
            "21:00",
            30,
            [
                ("HOURS_NOT_ALLOWED", "day_starts_at"),
                ("HOURS_NOT_ALLOWED", "day_ends_at"),
                ("HOURS_NOT_ALLOWED", "day_ends_at"),
            ],
        ),
    ],
)
def test_hours_rules(starts: str, ends: str, brk: int, expected: list[tuple[str, str]]) -> None:
    found = [(str(e.code), e.field) for e in working_hours.hours_errors(hm(starts), hm(ends), brk)]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("08:00", 480), ("8:30", 510), ("08.15", 495), ("23:59", 1439), ("24:00", None),
     ("8", None), ("08:5", None), ("kl 8", None), ("", None), ("-1:00", None)],
)  # fmt: skip
def test_parse_clock(text: str, minutes: int | None) -> None:
    assert working_hours.parse_clock(text) == minutes


def test_dates_and_capacity() -> None:
    assert dates_errors(date(2026, 3, 9), date(2026, 3, 9)) == []
    [error] = dates_errors(date(2026, 3, 9), date(2026, 3, 8))
    assert (error.code, error.field) == (ErrorCode.END_BEFORE_START, "end_date")
    assert [e.field for e in dates_errors(None, None)] == ["start_date", "end_date"]
    assert capacity_errors(3, 3) == []
    [below] = capacity_errors(2, 3)
    assert (below.code, below.field) == (ErrorCode.CAPACITY_BELOW_TAKEN, "capacity")
    assert capacity_errors(0, 0)[0].code == ErrorCode.INVALID


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("556036-0793", "556036-0793"),  # real-format aktiebolag number
        ("5560360793", "556036-0793"),  # without the hyphen
        ("212000-0142", "212000-0142"),  # a municipality (group 2)
        ("202100-5489", "202100-5489"),  # a state authority
        (" 802002-4280 ", "802002-4280"),  # an association (group 8), spaces trimmed
        ("556036-0794", None),  # checksum off by one
        ("5560360790", None),
        ("556036-079", None),  # nine digits
        ("55603607930", None),  # eleven digits
        ("55603-60793", None),  # hyphen in the wrong place
        ("556036 0793", None),
        ("55603A-0793", None),
        ("", None),
    ],
)
def test_org_number(text: str, normalised: str | None) -> None:
    assert orgnr.normalise(text) == normalised


def test_luhn_catches_every_single_digit_change() -> None:
    digits = "5560360793"
    for i in range(10):
        for d in "0123456789":
            if d != digits[i]:
                assert not orgnr.luhn_ok(digits[:i] + d + digits[i + 1 :])


def test_with_check_digit_completes_a_real_number() -> None:
    assert orgnr.with_check_digit("556036079") == "556036-0793"
    assert orgnr.with_check_digit("212000014") == "212000-0142"
