"""Relay connections over prao.pagination's keyset pages, with a lazily counted totalCount."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import relay
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import ids
from api.types import Booking, Pupil, Slot
from prao.pagination import MAX_PAGE_SIZE, check_first, paginate

M = TypeVar("M", bound=Model)

# Apollo's code for a bad argument: clients and test tools read it as the caller's mistake.
BAD_USER_INPUT = {"code": "BAD_USER_INPUT"}


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions=BAD_USER_INPUT)


def page_arguments(first: int | None, after: str | None) -> tuple[int | None, int | None]:
    """A bad `first` or `after` is a client bug: a GraphQL error, not an empty page."""
    if check_first(first) is not None:
        raise bad_input(f"first must be between 0 and {MAX_PAGE_SIZE}")
    if after is None:
        return first, None
    after_id = ids.decode_cursor(after)
    if after_id is None:
        raise bad_input("after is not a cursor from this API")
    return first, after_id


@strawberry.type
class _CountedConnection:
    # Counting costs a query: done only when the client asks for totalCount.
    queryset: strawberry.Private[QuerySet[Any]]

    @strawberry.field(description="Matching items on all pages.")
    async def total_count(self) -> int:
        return await self.queryset.count()


@strawberry.type
class SlotConnection(relay.Connection[Slot], _CountedConnection):
    @strawberry.field
    def nodes(self) -> list[Slot]:
        return [edge.node for edge in self.edges]


@strawberry.type
class BookingConnection(relay.Connection[Booking], _CountedConnection):
    @strawberry.field
    def nodes(self) -> list[Booking]:
        return [edge.node for edge in self.edges]


@strawberry.type
class PupilConnection(relay.Connection[Pupil], _CountedConnection):
    @strawberry.field
    def nodes(self) -> list[Pupil]:
        return [edge.node for edge in self.edges]


C = TypeVar("C", SlotConnection, BookingConnection, PupilConnection)


async def connection(
    cls: type[C],
    queryset: QuerySet[M],
    first: int | None,
    after: str | None,
    build: Callable[[M], Any],
) -> C:
    limit, after_id = page_arguments(first, after)
    page = await paginate(queryset, limit, after_id, count=False)
    edges = [relay.Edge(cursor=ids.cursor(row.pk), node=build(row)) for row in page.items]
    return cls(
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        edges=edges,
        queryset=queryset,
    )
