"""Relay connections over prao.pagination's keyset pages, with a lazily counted totalCount."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import (
    GraphQLError,
    get_nullable_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues
from strawberry import relay
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import ids
from api.assessment_types import RiskAssessment
from api.context import Info
from api.limits import BAD_USER_INPUT, MAX_PAGE_SIZE
from api.types import Booking, Pupil, Slot
from prao import sync
from prao.pagination import Key, Order, Window, check_window, keyset_page

M = TypeVar("M", bound=Model)

First = Annotated[
    int | None,
    strawberry.argument(description="Page size from the start, 0 to 100 (default 20)."),
]
After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page.")
]
Last = Annotated[
    int | None,
    strawberry.argument(description="Page size from the end, 0 to 100; not with first."),
]
Before = Annotated[str | None, strawberry.argument(description="The startCursor of the next page.")]
UpdatedSince = Annotated[
    datetime | None,
    strawberry.argument(
        description=(
            "Incremental sync: only items changed at or after this moment, ordered by "
            "(updatedAt, id). Pass the last page's syncedUntil on the next sync."
        )
    ),
]


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT})


@dataclass(frozen=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def _key(cursor: str | None, order: Order, argument: str) -> Key | None:
    if cursor is None:
        return None
    key: Key | None
    if order is Order.UPDATED:
        key = ids.decode_sync_cursor(cursor)
    else:
        pk = ids.decode_cursor(cursor)
        key = None if pk is None else (pk,)
    if key is None:
        raise bad_input(f"{argument} is not a cursor from this list")
    return key


def window(args: PageArgs, order: Order) -> Window:
    """A bad size or cursor is a client bug: a GraphQL error, not a silently cut page."""
    if args.first is not None and args.last is not None:
        raise bad_input("pass first or last, not both")
    problem = check_window(args.first, args.last)
    if problem is not None:
        raise bad_input(f"{problem.field} must be between 0 and {MAX_PAGE_SIZE}")
    return Window(
        first=args.first,
        last=args.last,
        after=_key(args.after, order, "after"),
        before=_key(args.before, order, "before"),
    )


def _cursor(order: Order, row: Model) -> str:
    if order is Order.UPDATED:
        updated_at, pk = order.key(row)
        return ids.sync_cursor(updated_at, pk)
    return ids.cursor(row.pk)


@strawberry.type
class _CountedConnection:
    # Counting costs a query: done only when the client asks for totalCount.
    queryset: strawberry.Private[QuerySet[Any]]
    synced_until: datetime | None = strawberry.field(
        default=None,
        description=(
            "With updatedSince: every change before this moment is in this list. Use it as "
            "updatedSince on the next sync, once the last page is read."
        ),
    )

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


@strawberry.type
class RiskAssessmentConnection(relay.Connection[RiskAssessment], _CountedConnection):
    @strawberry.field
    def nodes(self) -> list[RiskAssessment]:
        return [edge.node for edge in self.edges]


C = TypeVar("C", SlotConnection, BookingConnection, PupilConnection, RiskAssessmentConnection)


def item_fields(info: Info) -> set[str]:
    """The names of the fields asked for on a connection's items (through `nodes` or
    `edges { node }`), collected as graphql-core will collect them (fragments, @skip and
    @include); none where anything is deferred."""
    raw = info._raw_info
    fragments = {name: FragmentDetails(node) for name, node in raw.fragments.items()}
    # Strawberry hands resolvers the coerced values alone, which is what @skip/@include read.
    given: Any = raw.variable_values
    variables = given if isinstance(given, VariableValues) else VariableValues({}, dict(given))

    def collect(parent: Any, details: list[FieldDetails]) -> dict[str, list[FieldDetails]]:
        parent = get_nullable_type(parent)
        while is_list_type(parent) or is_non_null_type(parent):
            parent = get_nullable_type(parent.of_type)
        if not is_object_type(parent):
            raise LookupError(parent)
        found = collect_subfields(raw.schema, fragments, variables, raw.operation, parent, details)
        grouped = found.grouped_field_set
        if found.new_defer_usages or any(d.defer_usage for g in grouped.values() for d in g):
            raise LookupError("deferred")
        return grouped

    def named(groups: dict[str, list[FieldDetails]], name: str) -> list[list[FieldDetails]]:
        return [group for group in groups.values() if group[0].node.name.value == name]

    try:
        connection: Any = get_nullable_type(raw.return_type)
        top = collect(connection, [FieldDetails(node, None) for node in raw.field_nodes])
        item_type = connection.fields["nodes"].type
        edge_type = connection.fields["edges"].type
        items = named(top, "nodes")
        for edges in named(top, "edges"):
            items += named(collect(edge_type, edges), "node")
        names: set[str] = set()
        for group in items:
            names.update(g[0].node.name.value for g in collect(item_type, group).values())
        return names
    except (LookupError, KeyError, GraphQLError):
        return set()


async def connection(
    cls: type[C],
    queryset: QuerySet[M],
    args: PageArgs,
    build: Callable[[M], Any],
    updated_since: datetime | None = None,
    shape: Hashable | None = None,
    related: Sequence[str] = (),
    loaded: Callable[[list[M]], Awaitable[None]] | None = None,
) -> C:
    """`shape`: what determines `queryset` completely, `related`: the foreign keys whose objects
    come along (see prao.pagination.keyset_page); `loaded` is given the page's rows."""
    order = Order.ID if updated_since is None else Order.UPDATED
    chosen = window(args, order)
    synced_until = None
    bounds = None
    if updated_since is not None:
        synced_until = await sync.horizon()
        bounds = (updated_since, synced_until)
    page = await keyset_page(queryset, order, chosen, updated=bounds, shape=shape, related=related)
    if loaded is not None and page.items:
        await loaded(page.items)
    if bounds is not None:
        queryset = sync.between(queryset, *bounds)  # what totalCount counts
    edges = [relay.Edge(cursor=_cursor(order, row), node=build(row)) for row in page.items]
    return cls(
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        edges=edges,
        queryset=queryset,
        synced_until=synced_until,
    )
