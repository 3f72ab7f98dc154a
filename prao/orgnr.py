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


def normalise(text: str) -> str | None:
    """ "5560360793" or "556036-0793" as "556036-0793"; None when not a valid number."""
    match = _FORMAT.fullmatch(text.strip())
    if match is None:
        return None
    digits = match.group(1) + match.group(2)
    return f"{match.group(1)}-{match.group(2)}" if luhn_ok(digits) else None
