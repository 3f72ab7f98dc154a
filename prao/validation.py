"""Input hygiene shared by every service: what the database would choke on never reaches it."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # primary keys are 32-bit integers on PostgreSQL


def valid_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


def clean_text(value: str | None, max_length: int | None = None) -> str:
    """Strip NUL characters (PostgreSQL refuses them in text) and surrounding space."""
    text = (value or "").replace("\x00", "").strip()
    return text[:max_length] if max_length is not None else text
