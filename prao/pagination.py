"""Keyset pagination over primary keys: cursors stay valid while rows are inserted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from prao.errors import DomainError, ErrorCode
from prao.validation import MAX_ID

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

M = TypeVar("M", bound=Model)


@dataclass
class Page(Generic[M]):
    items: list[M]
    has_next: bool
    has_previous: bool
    total_count: int


def check_first(first: int | None) -> DomainError | None:
    if first is not None and not 0 <= first <= MAX_PAGE_SIZE:
        return DomainError.of(
            ErrorCode.INVALID, "first", f"first måste vara mellan 0 och {MAX_PAGE_SIZE}."
        )
    return None


async def paginate(
    queryset: QuerySet[M], first: int | None, after_id: int | None, count: bool = True
) -> Page[M]:
    limit = DEFAULT_PAGE_SIZE if first is None else min(first, MAX_PAGE_SIZE)
    total = await queryset.count() if count else -1
    page_qs = queryset.order_by("id")
    if after_id is not None:
        page_qs = page_qs.filter(id__gt=min(after_id, MAX_ID))
    rows = await page_qs.limit(limit + 1)
    return Page(
        items=list(rows[:limit]),
        has_next=len(rows) > limit,
        has_previous=after_id is not None,
        total_count=total,
    )
