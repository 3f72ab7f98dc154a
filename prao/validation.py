"""Input hygiene shared by every service: what the database would choke on never reaches it.

The one place for the limits of what a person or a client may send: ids that fit a 32-bit key,
text without NUL or lone surrogates and no longer than its column (read from the model, not
repeated), and days between 2000 and 2100."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from prao.config import TIMEZONE
from prao.errors import DomainError, ErrorCode

MAX_ID = 2**31 - 1  # primary keys are 32-bit integers on PostgreSQL
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
# PostgreSQL stores neither NUL nor UTF-16 surrogates (which no UTF-8 text can hold).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_DETAIL_TEXT = 1000  # per string in an audit event's detail

BAD_CHARACTERS = "Texten innehåller tecken som inte går att spara."
DAY_OUT_OF_RANGE = f"Ange ett datum mellan {EARLIEST_DAY:%Y-%m-%d} och {LATEST_DAY:%Y-%m-%d}."


def valid_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


def id_from_text(text: str) -> int | None:
    """A key typed or sent as text ("12"), or None when it cannot name a row."""
    text = text.strip()
    if not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if valid_id(value) else None


def column_length(model: type[Model], name: str) -> int:
    """The column's max_length as the model declares it."""
    length = getattr(model._meta.fields_map[name], "max_length", None)
    assert isinstance(length, int), f"{model.__name__}.{name} has no max_length"
    return length


def has_bad_characters(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def character_errors(values: Mapping[str, str | None]) -> list[DomainError]:
    """INVALID for each field (by its field name) holding NUL or a lone surrogate: refused,
    not silently changed, where a person typed the text."""
    return [
        DomainError.of(ErrorCode.INVALID, name, BAD_CHARACTERS)
        for name, value in values.items()
        if value and has_bad_characters(value)
    ]


def clean_text(value: str | None, max_length: int | None = None) -> str:
    """Drop what no column can store (NUL, lone surrogates) and surrounding space."""
    text = _UNSTORABLE.sub("", value or "").strip()
    return text[:max_length] if max_length is not None else text


def text_problem(value: str, max_length: int) -> str | None:
    """Why this text cannot be stored in a column of `max_length`, in Swedish; None if it can."""
    if has_bad_characters(value):
        return BAD_CHARACTERS
    if len(value) > max_length:
        return f"Högst {max_length} tecken."
    return None


def filter_value(value: str | None, model: type[Model], name: str) -> str | None:
    """A search value for an exact match on a column: None when no stored value can equal it
    (too long for the column, or holding what the column cannot store), so the caller matches
    nothing instead of sending it to the database."""
    text = (value or "").strip()
    if has_bad_characters(text) or len(text) > column_length(model, name):
        return None
    return text


def fits(value: str, model: type[Model], name: str) -> bool:
    """Whether a column could hold this text (a TextField holds any length)."""
    length = getattr(model._meta.fields_map[name], "max_length", None)
    return not has_bad_characters(value) and (length is None or len(value) <= length)


def contains_any(text: str, columns: Sequence[tuple[type[Model], str, str]]) -> Q:
    """Case-insensitive "contains" over (model, column, lookup path) triples, skipping columns
    too short to hold the text: they cannot match it, and Tortoise refuses such a value."""
    parts = [
        Q(**{f"{path}__icontains": text})
        for model, name, path in columns
        if fits(text, model, name)
    ]
    return reduce(operator.or_, parts) if parts else Q(id__lt=0)


def day_in_range(day: date | None) -> bool:
    return day is None or EARLIEST_DAY <= day <= LATEST_DAY


def day_problem(day: date | None) -> str | None:
    return None if day_in_range(day) else DAY_OUT_OF_RANGE


def dates_errors(start: date | None, end: date | None) -> list[DomainError]:
    """A first and a last day (of a slot, a placement): both readable, in range, in order."""
    errors: list[DomainError] = []
    for value, field in ((start, "start_date"), (end, "end_date")):
        if value is None:
            errors.append(DomainError.of(ErrorCode.INVALID, field, "Skriv datumet som ÅÅÅÅ-MM-DD."))
        elif problem := day_problem(value):
            errors.append(DomainError.of(ErrorCode.INVALID, field, problem))
    if start is not None and end is not None and end < start:
        errors.append(
            DomainError.of(
                ErrorCode.END_BEFORE_START,
                "end_date",
                "Slutdatum måste vara samma dag som startdatum eller senare.",
            )
        )
    return errors


def clamp_day(day: date) -> date:
    """A filter bound outside the range means "from the start" or "to the end"."""
    return min(max(day, EARLIEST_DAY), LATEST_DAY)


def moment_in_range(value: datetime | None) -> bool:
    return value is None or EARLIEST_DAY <= _day_of(value) <= LATEST_DAY


def _day_of(value: datetime) -> date:
    if value.tzinfo is None:
        return value.date()
    try:
        return value.astimezone(TIMEZONE).date()
    except OverflowError:  # year 1 or 9999 shifted past datetime's range
        return date.min if value.year == 1 else date.max


def midnight(day: date) -> datetime:
    return datetime.combine(clamp_day(day), time(0), TIMEZONE)


def day_after(day: date) -> date:
    return clamp_day(day) + timedelta(days=1)


def safe_detail(value: Any) -> Any:
    """An audit detail PostgreSQL's jsonb accepts: strings without NUL or surrogates, short."""
    if isinstance(value, str):
        return clean_text(value, MAX_DETAIL_TEXT)
    if isinstance(value, Mapping):
        return {safe_detail(str(k)): safe_detail(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [safe_detail(v) for v in value]
    return value
