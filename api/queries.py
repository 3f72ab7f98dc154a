"""Read side: every entry point starts from a prao.policy scope for the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from api import ids
from api.allocation_types import AllocationRun
from api.connections import BookingConnection, PupilConnection, SlotConnection, connection
from api.context import Info
from api.inputs import BookingFilter, PupilFilter, SlotFilter
from api.types import Booking, Employer, Period, Pupil, Role, School, Slot, ViewerKind
from prao import audit, models, policy
from prao.actor import Actor
from prao.services import allocation, catalogue, lookup

First = Annotated[int | None, strawberry.argument(description="Page size, 0 to 100 (default 20).")]
After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page.")
]

Scope = Callable[[Actor], QuerySet[Any]]
Build = Callable[[Any, Actor], relay.Node]

NODE_TYPES: dict[str, tuple[Scope, Build]] = {
    "Slot": (policy.slots, lambda row, _: Slot.from_row(row)),
    "Booking": (policy.bookings, lambda row, _: Booking.from_row(row)),
    "Pupil": (policy.pupils, Pupil.from_row),
    "School": (policy.schools, lambda row, _: School.from_row(row)),
    "Period": (policy.periods, lambda row, _: Period.from_row(row)),
    "Employer": (policy.employers, lambda row, _: Employer.from_row(row)),
    "AllocationRun": (allocation.runs, lambda row, _: AllocationRun.from_row(row)),
}


@strawberry.type(description="Who is asking.")
class Viewer:
    kind: ViewerKind
    role: Role | None
    actor: strawberry.Private[Actor]

    @strawberry.field(description="The person's or the API token's name.")
    async def name(self) -> str | None:
        if self.actor.kind == "user":
            user = await models.User.get_or_none(id=self.actor.id)
            return user.name if user else None
        if self.actor.kind == "token":
            token = await models.ApiToken.get_or_none(id=self.actor.id)
            return token.name if token else None
        return None

    @strawberry.field(graphql_type=Pupil | None)
    def pupil(self, info: Info) -> Awaitable[Pupil] | None:
        if self.actor.pupil_id is None:
            return None
        return info.context.loaders.pupil.load(self.actor.pupil_id)

    @strawberry.field(graphql_type=School | None)
    def school(self, info: Info) -> Awaitable[School] | None:
        if self.actor.school_id is None:
            return None
        return info.context.loaders.school.load(self.actor.school_id)

    @strawberry.field(graphql_type=Employer | None)
    def employer(self, info: Info) -> Awaitable[Employer] | None:
        if self.actor.employer_id is None:
            return None
        return info.context.loaders.employer.load(self.actor.employer_id)


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global id; null when it is not yours to see.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        decoded = ids.decode(id)
        if decoded is None or decoded[0] not in NODE_TYPES:
            return None
        type_name, pk = decoded
        actor = info.context.actor
        scope, build = NODE_TYPES[type_name]
        row = await scope(actor).get_or_none(id=pk)
        if row is None:
            return None
        if type_name == "Pupil":
            await audit.pupils_read(actor, 1, via="graphql", source="node")
        return build(row, actor)

    @strawberry.field
    def viewer(self, info: Info) -> Viewer:
        actor = info.context.actor
        return Viewer(
            kind=ViewerKind(actor.kind),
            role=Role(actor.role) if actor.role is not None else None,
            actor=actor,
        )

    @strawberry.field(description="Slots the caller may see, in a stable order.")
    async def slots(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        filter: SlotFilter | None = None,
    ) -> SlotConnection:
        flt = filter.to_domain() if filter else catalogue.SlotFilter()
        queryset = catalogue.filtered_slots(info.context.actor, flt)
        return await connection(SlotConnection, queryset, first, after, Slot.from_row)

    @strawberry.field(description="Bookings the caller may see.")
    async def bookings(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        filter: BookingFilter | None = None,
    ) -> BookingConnection:
        flt = filter.to_domain() if filter else lookup.BookingFilter()
        queryset = lookup.listed_bookings(info.context.actor, flt)
        return await connection(BookingConnection, queryset, first, after, Booking.from_row)

    @strawberry.field(description="Pupil records: school staff and API tokens only.")
    async def pupils(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        filter: PupilFilter | None = None,
    ) -> PupilConnection:
        actor = info.context.actor
        flt = filter.to_domain() if filter else lookup.PupilFilter()
        queryset = lookup.listed_pupils(actor, flt)
        result = await connection(
            PupilConnection, queryset, first, after, lambda row: Pupil.from_row(row, actor)
        )
        await audit.pupils_read(actor, len(result.edges), via="graphql", source="pupils")
        return result

    @strawberry.field(description="Prao periods the caller may see, earliest first.")
    async def periods(self, info: Info) -> list[Period]:
        rows = await policy.periods(info.context.actor).order_by("start_date", "id")
        return [Period.from_row(row) for row in rows]
