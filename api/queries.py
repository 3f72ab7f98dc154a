"""Read side: every entry point starts from a prao.policy scope for the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from api import ids, row_pages
from api.allocation_types import AllocationRun
from api.assessment_types import RiskAssessment
from api.connections import (
    After,
    Before,
    BookingConnection,
    First,
    Last,
    PageArgs,
    PupilConnection,
    SlotConnection,
    UpdatedSince,
    bad_input,
    connection,
    item_fields,
)
from api.consent_objects import GuardianConsent
from api.context import Info
from api.execution_plans import Completed
from api.inputs import BookingFilter, PupilFilter, SlotFilter, moment
from api.limits import MAX_NODES
from api.types import Booking, Employer, Period, Pupil, Role, School, Slot, ViewerKind
from prao import models, policy
from prao.actor import Actor
from prao.allocation import access
from prao.services import catalogue, consent, lookup, risk_assessment

Scope = Callable[[Actor], QuerySet[Any]]
Build = Callable[[Any, Actor], relay.Node]

NODE_TYPES: dict[str, tuple[Scope, Build]] = {
    "Slot": (policy.slots, lambda row, _: Slot.from_row(row)),
    "Booking": (policy.bookings, lambda row, _: Booking.from_row(row)),
    "Pupil": (policy.pupils, lambda row, actor: Pupil.from_view(policy.see(actor, row))),
    "School": (policy.schools, lambda row, _: School.from_row(row)),
    "Period": (policy.periods, lambda row, _: Period.from_row(row)),
    "Employer": (policy.employers, lambda row, _: Employer.from_row(row)),
    "AllocationRun": (access.visible_runs, lambda row, _: AllocationRun.from_row(row)),
    "RiskAssessment": (
        risk_assessment.assessments,
        lambda row, _: RiskAssessment.from_row(row),
    ),
    "GuardianConsent": (consent.consents, lambda row, _: GuardianConsent.for_staff(row)),
}


# Fields of Booking whose objects a page can bring along, with the foreign keys that do it.
BOOKING_RELATED = {"slot": ("slot",), "pupil": ("pupil", "pupil__school")}


def _since(value: datetime | None) -> datetime | None:
    return moment(value) if value is not None else None


async def _nodes(actor: Actor, global_ids: list[strawberry.ID]) -> list[relay.Node | None]:
    """One query per type asked for, each through that type's policy scope."""
    wanted: dict[str, list[int]] = {}
    for value in global_ids:
        decoded = ids.decode(value)
        if decoded is not None and decoded[0] in NODE_TYPES:
            wanted.setdefault(decoded[0], []).append(decoded[1])
    found: dict[tuple[str, int], relay.Node] = {}
    for type_name, pks in wanted.items():
        scope, build = NODE_TYPES[type_name]
        rows = await scope(actor).filter(id__in=pks)
        for row in rows:
            found[(type_name, row.pk)] = build(row, actor)
        if type_name == "Pupil" and rows:
            await policy.audit_read(actor, len(rows), purpose="graphql", source="node")
    return [found.get(ids.decode(value) or ("", 0)) for value in global_ids]


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
        found = await _nodes(info.context.actor, [id])
        return found[0]

    @strawberry.field(
        description=f"Objects by global id, in the order asked (at most {MAX_NODES}); null "
        "for each one that does not exist or is not yours to see."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise bad_input(f"ids: at most {MAX_NODES} per request")
        return await _nodes(info.context.actor, ids)

    @strawberry.field
    def viewer(self, info: Info) -> Viewer:
        actor = info.context.actor
        return Viewer(
            kind=ViewerKind(actor.kind),
            role=Role(actor.role) if actor.role is not None else None,
            actor=actor,
        )

    @strawberry.field(
        description="Slots the caller may see, in a stable order.", graphql_type=SlotConnection
    )
    async def slots(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        updated_since: UpdatedSince = None,
        filter: SlotFilter | None = None,
    ) -> SlotConnection | Completed:
        flt = filter.to_domain() if filter else catalogue.SlotFilter()
        queryset = catalogue.filtered_slots(info.context.actor, flt)
        args = PageArgs(first, after, last, before)
        shape = ("slots", info.context.actor, flt)
        if done := await row_pages.answer(info, queryset, args, _since(updated_since), shape):
            return done
        # A slot's employer, when asked for, comes along in the page's own statement.
        related = ["employer"] if "employer" in item_fields(info) else []
        return await connection(
            SlotConnection,
            queryset,
            args,
            Slot.from_row,
            _since(updated_since),
            shape=shape,
            related=related,
            loaded=info.context.loaders.slots_brought,
        )

    @strawberry.field(
        description="Bookings the caller may see; cancelled ones included.",
        graphql_type=BookingConnection,
    )
    async def bookings(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        updated_since: UpdatedSince = None,
        filter: BookingFilter | None = None,
    ) -> BookingConnection | Completed:
        flt = filter.to_domain() if filter else lookup.BookingFilter()
        queryset = lookup.listed_bookings(info.context.actor, flt)
        args = PageArgs(first, after, last, before)
        shape = ("bookings", info.context.actor, flt)
        if done := await row_pages.answer(info, queryset, args, _since(updated_since), shape):
            return done
        # A booking's slot and pupil, when asked for, come along in the page's own statement.
        asked = item_fields(info)
        related = [
            path for name, paths in BOOKING_RELATED.items() if name in asked for path in paths
        ]
        return await connection(
            BookingConnection,
            queryset,
            args,
            Booking.from_row,
            _since(updated_since),
            shape=shape,
            related=related,
            loaded=info.context.loaders.bookings_brought,
        )

    @strawberry.field(description="Pupil records: school staff and API tokens only.")
    async def pupils(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        updated_since: UpdatedSince = None,
        filter: PupilFilter | None = None,
    ) -> PupilConnection:
        actor = info.context.actor
        flt = filter.to_domain() if filter else lookup.PupilFilter()
        queryset = lookup.listed_pupils(actor, flt)
        result = await connection(
            PupilConnection,
            queryset,
            PageArgs(first, after, last, before),
            lambda row: Pupil.from_view(policy.see(actor, row)),
            _since(updated_since),
            shape=("pupils", actor, flt),
        )
        await policy.audit_read(actor, len(result.edges), purpose="graphql", source="pupils")
        return result

    @strawberry.field(description="Prao periods the caller may see, earliest first.")
    async def periods(self, info: Info) -> list[Period]:
        rows = await policy.periods(info.context.actor).order_by("start_date", "id")
        return [Period.from_row(row) for row in rows]
