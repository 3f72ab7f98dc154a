"""Prao periods, the slots employers offer, who may see a slot, and the bookings of pupils."""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from prao.models.allocation import AllocationPolicy

if TYPE_CHECKING:
    from prao.models.people import Employer, Pupil, School, User


class PeriodMode(StrEnum):
    FIRST_COME = "first_come"
    ALLOCATION = "allocation"


class SlotStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


ACTIVE_BOOKING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class BookingOrigin(StrEnum):
    PUPIL = "pupil"
    STAFF = "staff"
    API = "api"
    SELF_FOUND = "self_found"
    ALLOCATION = "allocation"


class Period(Model):
    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="periods", on_delete=fields.RESTRICT
    )
    school_id: int
    name = fields.CharField(max_length=200)
    # Annotated: Tortoise types SmallIntField and BigIntField values as Any.
    year_group: int = fields.SmallIntField()
    start_date = fields.DateField()
    end_date = fields.DateField()
    booking_opens_at = fields.DatetimeField()
    booking_closes_at = fields.DatetimeField()
    cancel_deadline = fields.DatetimeField()
    mode = fields.CharEnumField(PeriodMode, max_length=20, default=PeriodMode.FIRST_COME)
    max_wishes: int = fields.SmallIntField(default=5)
    allocation_policy = fields.CharEnumField(
        AllocationPolicy, max_length=30, default=AllocationPolicy.CONVEX
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "period"
        indexes = (("school_id",),)


def free_places(capacity: int, taken: int) -> int:
    """A slot's free places (never negative, even if capacity was lowered below taken)."""
    return max(capacity - taken, 0)


class Slot(Model):
    id = fields.IntField(primary_key=True)
    employer: fields.ForeignKeyRelation[Employer] = fields.ForeignKeyField(
        "models.Employer", related_name="slots", on_delete=fields.RESTRICT
    )
    employer_id: int
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    tasks = fields.TextField(default="")
    address = fields.CharField(max_length=200, default="")
    city = fields.CharField(max_length=100, default="", db_index=True)
    trade = fields.CharField(max_length=100, default="", db_index=True)
    start_date = fields.DateField()
    end_date = fields.DateField()
    # Wall-clock working hours as minutes after midnight (no time zone applies to them).
    starts_minute: int = fields.SmallIntField()
    ends_minute: int = fields.SmallIntField()
    break_minutes: int = fields.SmallIntField(default=30)
    capacity = fields.IntField()
    # Pending + confirmed bookings; changed only by conditional UPDATEs in prao.services.booking.
    taken = fields.IntField(default=0)
    min_age: int = fields.SmallIntField(default=0)
    visible_to_all = fields.BooleanField(default=True)
    status = fields.CharEnumField(SlotStatus, max_length=20, default=SlotStatus.DRAFT)
    requires_approval = fields.BooleanField(default=False)
    supervisor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="supervised_slots", null=True, on_delete=fields.SET_NULL
    )
    supervisor_id: int | None
    copied_from: fields.ForeignKeyNullableRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="copies", null=True, on_delete=fields.SET_NULL
    )
    copied_from_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "slot"
        indexes = (("employer_id",), ("supervisor_id",), ("copied_from_id",))

    @property
    def day_starts_at(self) -> time:
        return time(self.starts_minute // 60, self.starts_minute % 60)

    @property
    def day_ends_at(self) -> time:
        return time(self.ends_minute // 60, self.ends_minute % 60)

    @property
    def places_left(self) -> int:
        return free_places(self.capacity, self.taken)


class SlotVisibility(Model):
    """A school that may see a slot whose `visible_to_all` is false."""

    id = fields.IntField(primary_key=True)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="visibility", on_delete=fields.CASCADE
    )
    slot_id: int
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="visible_slots", on_delete=fields.CASCADE
    )
    school_id: int

    class Meta:
        table = "slot_visibility"
        indexes = (("school_id",),)
        unique_together = (("slot", "school"),)


class Booking(Model):
    id = fields.IntField(primary_key=True)
    pupil: fields.ForeignKeyRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="bookings", on_delete=fields.RESTRICT
    )
    pupil_id: int
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="bookings", on_delete=fields.RESTRICT
    )
    slot_id: int
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "models.Period", related_name="bookings", on_delete=fields.RESTRICT
    )
    period_id: int
    status = fields.CharEnumField(BookingStatus, max_length=20)
    origin = fields.CharEnumField(BookingOrigin, max_length=20)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="bookings_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="bookings_decided", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)
    decided_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    reminder_sent_at = fields.DatetimeField(null=True)
    # The first-day brief to the pupil and her guardians (prao.services.first_day_brief).
    brief_sent_at = fields.DatetimeField(null=True)
    # Set when a pending booking has waited too long for the employer (shown to the coordinator).
    flagged_at = fields.DatetimeField(null=True)
    # Set when its personal fields were erased: an anonymous row of school, slot, period and
    # how it was placed, for the statistics (prao.services.erasure).
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "booking"
        # A pupil's, a slot's and a period's bookings are read on every page and booking
        # check. created_by and decided_by stay unindexed: nothing filters by them and users
        # are deactivated, never deleted (see tests/domain/test_indexes.py).
        indexes = (("pupil_id",), ("slot_id",), ("period_id",))
        # "One active booking per pupil per period" is a partial unique index created in
        # migration 0002 (Tortoise cannot declare partial indexes portably).
