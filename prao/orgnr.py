"""Swedish organisation numbers (organisationsnummer): ten digits, the last a Luhn check digit."""

from __future__ import annotations

import re

_FORMAT = re.compile(r"(\d{6})-?(\d{4})")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def with_check_digit(nine: str) -> str:
    """The ten-digit number, hyphenated, whose first nine digits are `nine`."""
    digit = next(d for d in "0123456789" if luhn_ok(nine + d))
    return f"{nine[:6]}-{nine[6:]}{digit}"


def normalise(text: str) -> str | None:
    """ "5560360793" or "556036-0793" as "556036-0793"; None when not a valid number."""
    match = _FORMAT.fullmatch(text.strip())
    if match is None:
        return None
    digits = match.group(1) + match.group(2)
    return f"{match.group(1)}-{match.group(2)}" if luhn_ok(digits) else None
