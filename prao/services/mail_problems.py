"""E-mail that could not be delivered ("e-postadressen fungerar inte"), for the coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Subquery

from prao import policy
from prao.actor import Actor
from prao.models import OutboxMessage, OutboxStatus

MAIL_PROBLEMS_LIMIT = 50


@dataclass(frozen=True)
class MailProblem:
    pupil_name: str
    address: str
    reason: str
    subject: str
    when: datetime


async def mail_problems(actor: Actor) -> list[MailProblem]:
    """Refused messages about the bookings of the coordinator's pupils, newest first."""
    if not actor.is_school_staff or actor.is_token:
        return []
    scope = policy.bookings(actor).values("id")
    rows = (
        await OutboxMessage.filter(
            status=OutboxStatus.FAILED,
            to_address__isnull=False,
            booking_id__in=Subquery(scope),
        )
        .select_related("booking__pupil")
        .order_by("-created_at", "-id")
        .limit(MAIL_PROBLEMS_LIMIT)
    )
    shown = [(m, m.booking) for m in rows if m.booking is not None]
    views = await policy.pupil_views(
        actor, [b.pupil for _, b in shown], purpose="web:oversikt:epostproblem"
    )
    return [
        MailProblem(
            pupil_name=view.name,
            address=m.to_address or "",
            reason=m.last_error,
            subject=m.subject,
            when=m.sent_at or m.created_at,
        )
        for (m, _), view in zip(shown, views, strict=True)
    ]
