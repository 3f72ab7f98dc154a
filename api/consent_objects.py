"""The GraphQL object of a guardian's consent, and its enums: a leaf the booking type and the
consent queries both import."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from api import ids
from prao import models
from prao.services import consent

ConsentDecision = models.ConsentDecision
ConsentMethod = models.ConsentMethod
strawberry.enum(ConsentDecision, description="A guardian's answer; PENDING until she answers.")
strawberry.enum(
    ConsentMethod,
    description="How the answer was given: LINK (the e-mailed one-time link) or PAPER "
    "(recorded by the school).",
)

_booking = ids.encoder("Booking")
_guardian = ids.encoder("Guardian")


@strawberry.type(description="A guardian's consent to a booking (vårdnadshavares godkännande).")
class GuardianConsent(relay.Node):
    id: relay.NodeID[int]
    booking_id: strawberry.ID
    decision: ConsentDecision
    method: ConsentMethod | None
    decided_at: datetime | None
    text_version: str = strawberry.field(
        description='What the guardian was shown: "info 3, riskbedömning 2" (the organiser\'s '
        "information texts and the risk assessment, by version)."
    )
    guardian_name: str | None = strawberry.field(
        description="Null where the caller may not see the pupil's guardians (an employer)."
    )
    guardian_id: strawberry.ID | None = strawberry.field(
        description="The listed guardian (for recordPaperConsent); null for a paper of an "
        "unlisted guardian, and where guardian_name is."
    )
    updated_at: datetime

    @classmethod
    def from_view(cls, view: consent.ConsentView) -> GuardianConsent:
        row = view.consent
        return cls(
            id=row.id,
            booking_id=strawberry.ID(_booking(row.booking_id)),
            decision=ConsentDecision(row.decision),
            method=ConsentMethod(row.method) if row.method else None,
            decided_at=row.decided_at,
            text_version=row.text_version,
            guardian_name=view.guardian_name,
            guardian_id=(
                strawberry.ID(_guardian(row.guardian_id))
                if row.guardian_id is not None and view.guardian_name is not None
                else None
            ),
            updated_at=row.updated_at,
        )

    @classmethod
    def for_staff(cls, row: models.GuardianConsent) -> GuardianConsent:
        """A consent of a pupil the caller reads as her school's staff (prao.services.consent's
        `consents` scope): the guardian's name shown."""
        return cls.from_view(consent.ConsentView(row, row.guardian_name))
