"""Relay global IDs ("TypeName:pk" in base64) and opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

CURSOR_PREFIX = "cursor"
# Keys are 32-bit integer columns: anything larger names no row, and PostgreSQL refuses it.
MAX_PK = 2**31 - 1
_PK_RE = re.compile(r"[1-9][0-9]{0,9}")


# Every list page encodes an id and a cursor per row, mostly the same rows again and again: the
# encodings are kept (a pure function of the pair), by type name, up to a bound for each.
_ENCODED: dict[str, dict[int, str]] = {}
MAX_ENCODED = 200_000


def encoder(type_name: str) -> Callable[[int], str]:
    """encode(type_name, pk) for one type, for callers that encode a whole column of it."""
    kept = _ENCODED.setdefault(type_name, {})

    def encode_one(pk: int) -> str:
        found = kept.get(pk) if type(pk) is int else None
        if found is None:
            found = binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).decode()
            if type(pk) is int:
                if len(kept) >= MAX_ENCODED:
                    kept.clear()
                kept[pk] = found
        return found

    return encode_one


_ENCODERS: dict[str, Callable[[int], str]] = {}


def encode(type_name: str, pk: int) -> str:
    found = _ENCODERS.get(type_name)
    if found is None:
        found = _ENCODERS[type_name] = encoder(type_name)
    return found(pk)


def decode(value: str) -> tuple[str, int] | None:
    """(type name, primary key), or None when the value is not one of our IDs."""
    try:
        raw = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or not _PK_RE.fullmatch(pk) or int(pk) > MAX_PK:
        return None
    return type_name, int(pk)


def decode_as(value: str, type_name: str) -> int | None:
    decoded = decode(value)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def cursor(pk: int) -> str:
    return encode(CURSOR_PREFIX, pk)


cursor_of = encoder(CURSOR_PREFIX)  # cursor(), for callers that encode a whole page


def decode_cursor(value: str) -> int | None:
    return decode_as(value, CURSOR_PREFIX)


SYNC_PREFIX = "sync"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SYNC_RE = re.compile(r"-?[0-9]{1,20}:[1-9][0-9]{0,9}")


def sync_cursor(moment: datetime, pk: int) -> str:
    """A cursor in (updatedAt, id) order; whole microseconds, so it compares exactly."""
    micros = (moment - _EPOCH) // _MICROSECOND
    return base64.b64encode(f"{SYNC_PREFIX}:{micros}:{pk}".encode()).decode()


def decode_sync_cursor(value: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
    prefix, _, rest = raw.partition(":")
    if prefix != SYNC_PREFIX or not _SYNC_RE.fullmatch(rest):
        return None
    micros, pk = (int(part) for part in rest.split(":"))
    try:
        moment = _EPOCH + micros * _MICROSECOND
    except OverflowError:
        return None
    if pk > MAX_PK:
        return None
    return moment, pk
