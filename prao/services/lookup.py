"""Pupil and booking lists for school staff and school systems, always within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from prao import clock, policy
from prao.actor import Actor
from prao.models import Booking, BookingStatus, Pupil
from prao.validation import clean_text, contains_any, filter_value, fits

MAX_TEXT_LENGTH = 200


@dataclass(frozen=True)
class PupilFilter:
    text: str = ""
    class_name: str = ""
    school_id: int | None = None


@dataclass(frozen=True)
class BookingFilter:
    status: BookingStatus | None = None
    period_id: int | None = None
    updated_since: datetime | None = None  # changed at or after this moment (incremental sync)


def listed_pupils(actor: Actor, flt: PupilFilter) -> QuerySet[Pupil]:
    """Pupil lists are for school staff and tokens; a pupil or an employer gets an empty list."""
    if not actor.is_school_staff:
        return Pupil.filter(policy.NOTHING)
    qs = policy.pupils(actor)
    text = clean_text(flt.text, MAX_TEXT_LENGTH)
    if text:
        columns = [(Pupil, name, name) for name in ("first_name", "last_name", "email")]
        qs = qs.filter(
            contains_any(text, columns)
            | (Q(external_id=text) if fits(text, Pupil, "external_id") else policy.NOTHING)
        )
    if flt.class_name:
        class_name = filter_value(flt.class_name, Pupil, "class_name")
        qs = (
            qs.filter(class_name=class_name)
            if class_name is not None
            else qs.filter(policy.NOTHING)
        )
    if flt.school_id is not None:
        qs = qs.filter(school_id=flt.school_id)
    return qs


def listed_bookings(actor: Actor, flt: BookingFilter) -> QuerySet[Booking]:
    qs = policy.bookings(actor)
    if flt.status is not None:
        qs = qs.filter(status=flt.status)
    if flt.period_id is not None:
        qs = qs.filter(period_id=flt.period_id)
    if flt.updated_since is not None:
        # SQLite compares the stored local-time text: the bound must be in the same zone.
        qs = qs.filter(updated_at__gte=clock.local(flt.updated_since))
    return qs
