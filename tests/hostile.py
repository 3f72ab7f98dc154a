"""Hostile input values shared by the web and GraphQL sweeps: what a careless client, a fuzzer
or an attacker sends. Every one must get a clear answer, never a server error."""

from __future__ import annotations

import base64

LONG = "x" * 100_000
LONG_EMAIL = "a" * 300 + "@example.se"
INVALID_UTF8 = b"\xed\xa0\x80\xff"  # a lone surrogate as UTF-8 bytes, and a byte no text has

# Every string a form field, a query parameter or a GraphQL String/ID may carry.
TEXT: dict[str, str] = {
    "nul": "a\x00b",
    "100k": LONG,
    "2^31": str(2**31),
    "2^63": str(2**63),
    "-1": "-1",
    "0": "0",
    "year-1": "0001-01-01",
    "year-9999": "9999-12-31",
    "long-email": LONG_EMAIL,
    "unicode": "\u202egnp.exe\ufeff 👩‍🎓 e\u0301 \u200b",
    "sql-format": "'; DROP TABLE pupil; -- %s %n {0} {__class__} {{7*7}} ${7*7}",
}

# Only JSON can carry a lone surrogate (as a \\ud800 escape).
JSON_ONLY_TEXT: dict[str, str] = {"lone-surrogate": "a\ud800b"}

# Path segments of `{name:int}` routes.
PATH_INTS: dict[str, str] = {
    "2^31": str(2**31),
    "2^63": str(2**63),
    "0": "0",
    "huge": "9" * 40,
}

INTS: dict[str, int] = {
    "2^31-1": 2**31 - 1,
    "2^31": 2**31,
    "2^63": 2**63,
    "-1": -1,
    "0": 0,
    "-2^31": -(2**31),
}

DATES: dict[str, str] = {
    "year-1": "0001-01-01",
    "year-9999": "9999-12-31",
    "nul": "2026-03-09\x00",
    "no-such-day": "2026-02-30",
}

DATETIMES: dict[str, str] = {
    "year-1": "0001-01-01T00:00:00",
    "year-9999": "9999-12-31T23:59:59",
    "year-1-east": "0001-01-01T00:00:00+14:00",
    "year-9999-west": "9999-12-31T23:59:59-12:00",
    "nul": "2026-03-09T08:00:00\x00",
}


def gid(type_name: str, pk: object) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def global_ids(type_name: str) -> dict[str, str]:
    """Well-formed global ids of the right type whose key no 32-bit column can hold."""
    return {
        f"id-{label}": gid(type_name, value)
        for label, value in (("2^31", 2**31), ("2^63", 2**63), ("0", 0), ("-1", -1))
    }
