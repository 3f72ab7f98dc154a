"""Query filters as GraphQL inputs, turned into the domain's filters."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api import ids
from api.connections import bad_input
from api.types import BookingStatus
from prao import models
from prao.config import TIMEZONE
from prao.services import catalogue, lookup


def text_of(text: str | None) -> str:
    """Text as sent: the domain refuses what no column can store (NUL, lone surrogates)
    with INVALID on the field, rather than the adapter changing it silently."""
    return text or ""


def _id_of(value: strawberry.ID | None, type_name: str, argument: str) -> int | None:
    if value is None:
        return None
    pk = ids.decode_as(value, type_name)
    if pk is None:
        raise bad_input(f"{argument} is not a {type_name} id")
    return pk


id_of = _id_of  # for the root fields that take an id argument of their own


# A day inside datetime's range at both ends, so time-zone conversions cannot overflow.
EARLIEST = datetime(1, 1, 2, tzinfo=TIMEZONE)
LATEST = datetime(9999, 12, 30, tzinfo=TIMEZONE)


def moment(value: datetime) -> datetime:
    """Aware and inside the range every database can compare; naive means Swedish time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=TIMEZONE)
    try:
        moment = value.astimezone(TIMEZONE)
    except OverflowError:
        return EARLIEST if value.year == 1 else LATEST
    return min(max(moment, EARLIEST), LATEST)


@strawberry.input
class SlotFilter:
    text: str | None = strawberry.field(default=None, description="Words in title, tasks, …")
    trade: str | None = None
    city: str | None = None
    date_from: date | None = strawberry.field(
        default=None, description="Slots still running on or after this day."
    )
    date_to: date | None = strawberry.field(
        default=None, description="Slots starting on or before this day."
    )
    available_only: bool | None = strawberry.field(
        default=False, description="Only slots with places left."
    )

    def to_domain(self) -> catalogue.SlotFilter:
        return catalogue.SlotFilter(
            # Left as sent: the domain decides what a value no column can hold matches.
            text=self.text or "",
            trade=self.trade or "",
            city=self.city or "",
            date_from=self.date_from,
            date_to=self.date_to,
            available_only=bool(self.available_only),
        )


@strawberry.input
class BookingFilter:
    status: BookingStatus | None = None
    period_id: strawberry.ID | None = None
    updated_since: datetime | None = strawberry.field(
        default=None,
        description="Bookings changed at or after this moment, in id order.",
        deprecation_reason=(
            "Use the updatedSince argument of bookings: it orders by (updatedAt, id) and holds "
            "back changes that are not yet committed."
        ),
    )

    def to_domain(self) -> lookup.BookingFilter:
        return lookup.BookingFilter(
            status=models.BookingStatus(self.status) if self.status is not None else None,
            period_id=_id_of(self.period_id, "Period", "periodId"),
            updated_since=moment(self.updated_since) if self.updated_since else None,
        )


@strawberry.input
class PupilFilter:
    text: str | None = strawberry.field(
        default=None, description="Part of a name or e-mail address, or an exact external id."
    )
    class_name: str | None = None
    school_id: strawberry.ID | None = None

    def to_domain(self) -> lookup.PupilFilter:
        return lookup.PupilFilter(
            text=self.text or "",
            class_name=self.class_name or "",
            school_id=_id_of(self.school_id, "School", "schoolId"),
        )
