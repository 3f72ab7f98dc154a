"""Guardians' consent over GraphQL: `Booking.guardianConsents`, the `guardianConsents`
connection for school systems, and `recordPaperConsent`. Thin calls into
prao.services.consent, which holds the rules and decides who may see and do what."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry import relay

from api import ids
from api.connections import (
    After,
    First,
    PageArgs,
    UpdatedSince,
    _CountedConnection,
    bad_input,
    connection,
)
from api.consent_objects import ConsentDecision, GuardianConsent
from api.context import Info
from api.inputs import moment
from api.mutation_errors import MutationError, pk_of
from prao import models, policy
from prao.errors import DomainError, ErrorCode
from prao.services import consent


@strawberry.type
class GuardianConsentConnection(relay.Connection[GuardianConsent], _CountedConnection):
    @strawberry.field
    def nodes(self) -> list[GuardianConsent]:
        return [edge.node for edge in self.edges]


@strawberry.type
class ConsentQuery:
    @strawberry.field(
        description="Guardians' consents of the caller's pupils, for school systems (staff and "
        "tokens); by period, incrementally with updatedSince.",
        graphql_type=GuardianConsentConnection,
    )
    async def guardian_consents(
        self,
        info: Info,
        period_id: strawberry.ID | None = None,
        updated_since: UpdatedSince = None,
        first: First = None,
        after: After = None,
    ) -> GuardianConsentConnection:
        actor = info.context.actor
        queryset = consent.consents(actor)
        if period_id is not None:
            pk = ids.decode_as(str(period_id), "Period")
            if pk is None:
                raise bad_input("periodId is not a period's id")
            queryset = queryset.filter(booking__period_id=pk)

        async def audited(rows: list[models.GuardianConsent]) -> None:
            pupils = len({r.booking_id for r in rows})
            await policy.audit_read(actor, pupils, purpose="graphql:guardianConsents")

        # api.connections types its builder for its own connections; this one is built alike.
        built: Any = cast(Any, GuardianConsentConnection)
        page: GuardianConsentConnection = await connection(
            built,
            queryset,
            PageArgs(first, after),
            GuardianConsent.for_staff,
            moment(updated_since) if updated_since is not None else None,
            loaded=audited,
        )
        return page


@strawberry.type(description="Why recording a consent was refused.")
class ConsentError(MutationError):
    pass


@strawberry.input
class RecordPaperConsentInput:
    booking_id: strawberry.ID
    decision: ConsentDecision = strawberry.field(description="GIVEN or REFUSED.")
    guardian_id: strawberry.ID | None = strawberry.field(
        default=None, description="A guardian listed for the pupil; else give guardianName."
    )
    guardian_name: str = ""
    message: str = strawberry.field(default="", description="A note, at most 1000 characters.")


@strawberry.type
class RecordPaperConsentPayload:
    consent: GuardianConsent | None
    errors: list[ConsentError]


def _refused(error: DomainError) -> RecordPaperConsentPayload:
    return RecordPaperConsentPayload(consent=None, errors=[ConsentError.from_domain(error)])


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        description="Record a guardian's signed paper, given or refused (school staff, tokens "
        "with WRITE). Replaces what a listed guardian answered by link. Audited."
    )
    async def record_paper_consent(
        self, info: Info, input: RecordPaperConsentInput
    ) -> RecordPaperConsentPayload:
        actor = info.context.actor
        if refusal := policy.lacks_write(actor):
            return _refused(refusal)
        booking_id = pk_of(input.booking_id, "Booking", "bookingId")
        if isinstance(booking_id, DomainError):
            return _refused(booking_id)
        guardian_id: int | None = None
        if input.guardian_id is not None:
            guardian = pk_of(input.guardian_id, "Guardian", "guardianId")
            if isinstance(guardian, DomainError):
                return _refused(guardian)
            guardian_id = guardian
        if input.decision is ConsentDecision.PENDING:
            return _refused(
                DomainError.of(ErrorCode.INVALID, "decision", "Välj GIVEN eller REFUSED.")
            )
        data = consent.PaperConsent(
            booking_id=booking_id,
            given=input.decision is ConsentDecision.GIVEN,
            guardian_id=guardian_id,
            guardian_name=input.guardian_name,
            message=input.message,
        )
        outcome = await consent.record_paper(actor, data)
        if outcome.value is None:
            return RecordPaperConsentPayload(
                consent=None, errors=ConsentError.all_from(outcome.errors)
            )
        return RecordPaperConsentPayload(
            consent=GuardianConsent.for_staff(outcome.value), errors=[]
        )
