"""Tortoise models: the persistent shape of the domain (see DESIGN.md §1 for the words)."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    PUPIL = "pupil"
    EMPLOYER = "employer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Permission(StrEnum):
    """What an API token may do; people get theirs from their role."""

    READ = "read"
    WRITE = "write"
    ALLOCATE = "allocate"


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


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; a stale claim is swept back to pending
    SENT = "sent"
    FAILED = "failed"  # bounced or refused for good: shown to the coordinator


class AllocationPolicy(StrEnum):
    CONVEX = "convex"
    LINEAR = "linear"
    MOST_FIRST_WISHES = "most_first_wishes"
    FEWEST_LAST_WISHES = "fewest_last_wishes"


class AllocationStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # a proposal (dry run) or a finished run
    APPLIED = "applied"
    FAILED = "failed"
    STALE = "stale"  # the data changed after the dry run: apply refused


class EmployerStatus(StrEnum):
    """Self-registered employers wait for an organiser's vetting before they reach pupils."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class LinkPurpose(StrEnum):
    CONFIRM_SELF_FOUND = "confirm_self_found"


class Organiser(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organiser"


class School(Model):
    id = fields.IntField(primary_key=True)
    organiser: fields.ForeignKeyRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="schools", on_delete=fields.RESTRICT
    )
    organiser_id: int
    name = fields.CharField(max_length=200)
    contact_email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "school"
        unique_together = (("organiser", "name"),)


class Pupil(Model):
    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="pupils", on_delete=fields.RESTRICT
    )
    school_id: int
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    year_group = fields.SmallIntField()
    class_name = fields.CharField(max_length=20, default="")
    email = fields.CharField(max_length=254, null=True)
    birth_date = fields.DateField(null=True)
    security_marking = fields.BooleanField(default=False)
    external_id = fields.CharField(max_length=100, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    class Meta:
        table = "pupil"
        unique_together = (("school", "external_id"),)

    def age_on(self, day: date) -> int:
        """Age in whole years. Without a birth date, the youngest age usual for the year group."""
        if self.birth_date is None:
            # Swedish pupils start year 1 the autumn they turn 7: year N is at least N + 5.
            return self.year_group + 5
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Guardian(Model):
    id = fields.IntField(primary_key=True)
    pupil: fields.ForeignKeyRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="guardians", on_delete=fields.CASCADE
    )
    pupil_id: int
    name = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=254, null=True)

    class Meta:
        table = "guardian"


class Employer(Model):
    id = fields.IntField(primary_key=True)
    organiser: fields.ForeignKeyRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="employers", on_delete=fields.RESTRICT
    )
    organiser_id: int
    name = fields.CharField(max_length=200)
    org_number = fields.CharField(max_length=20, null=True)
    contact_email = fields.CharField(max_length=254, null=True)
    address = fields.CharField(max_length=200, default="")
    city = fields.CharField(max_length=100, default="")
    # Staff-created and demo employers are approved; self-registration sets PENDING.
    status = fields.CharEnumField(EmployerStatus, max_length=20, default=EmployerStatus.APPROVED)
    decline_reason = fields.TextField(default="")
    decided_by = fields.CharField(max_length=100, default="")  # actor label, as in the audit log
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "employer"
        # One organisation number per organiser: a unique index in migration 0005
        # (NULLs stay distinct, so employers without a number are not affected).


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(Role, max_length=20)
    pupil: fields.ForeignKeyNullableRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="users", null=True, on_delete=fields.CASCADE
    )
    pupil_id: int | None
    employer: fields.ForeignKeyNullableRelation[Employer] = fields.ForeignKeyField(
        "models.Employer", related_name="users", null=True, on_delete=fields.CASCADE
    )
    employer_id: int | None
    school: fields.ForeignKeyNullableRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="staff", null=True, on_delete=fields.CASCADE
    )
    school_id: int | None
    organiser: fields.ForeignKeyNullableRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="admins", null=True, on_delete=fields.CASCADE
    )
    organiser_id: int | None
    is_active = fields.BooleanField(default=True)
    # Stamped into the session on sign-in and checked on every request: bumping it ends
    # every session of the user at once (sign-out, deactivation, "logga ut överallt").
    session_version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"


class SignInToken(Model):
    """A one-time sign-in link. Only the SHA-256 of the token is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sign_in_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sign_in_token"


class ApiToken(Model):
    """A bearer token for a school system, scoped to one school or one organiser."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    token_hash = fields.CharField(max_length=64, unique=True)
    school: fields.ForeignKeyNullableRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="api_tokens", null=True, on_delete=fields.CASCADE
    )
    school_id: int | None
    organiser: fields.ForeignKeyNullableRelation[Organiser] = fields.ForeignKeyField(
        "models.Organiser", related_name="api_tokens", null=True, on_delete=fields.CASCADE
    )
    organiser_id: int | None
    # Comma-separated Permission values, e.g. "read,write".
    # Tokens made before permissions existed keep the rights they had.
    permissions = fields.CharField(max_length=100, default="read,write,allocate")
    created_by = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class Period(Model):
    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="periods", on_delete=fields.RESTRICT
    )
    school_id: int
    name = fields.CharField(max_length=200)
    year_group = fields.SmallIntField()
    start_date = fields.DateField()
    end_date = fields.DateField()
    booking_opens_at = fields.DatetimeField()
    booking_closes_at = fields.DatetimeField()
    cancel_deadline = fields.DatetimeField()
    mode = fields.CharEnumField(PeriodMode, max_length=20, default=PeriodMode.FIRST_COME)
    max_wishes = fields.SmallIntField(default=5)
    allocation_policy = fields.CharEnumField(
        AllocationPolicy, max_length=30, default=AllocationPolicy.CONVEX
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "period"


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
    starts_minute = fields.SmallIntField()
    ends_minute = fields.SmallIntField()
    break_minutes = fields.SmallIntField(default=30)
    capacity = fields.IntField()
    # Pending + confirmed bookings; changed only by conditional UPDATEs in prao.services.booking.
    taken = fields.IntField(default=0)
    min_age = fields.SmallIntField(default=0)
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

    @property
    def day_starts_at(self) -> time:
        return time(self.starts_minute // 60, self.starts_minute % 60)

    @property
    def day_ends_at(self) -> time:
        return time(self.ends_minute // 60, self.ends_minute % 60)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.taken, 0)


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
    # Set when a pending booking has waited too long for the employer (shown to the coordinator).
    flagged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "booking"
        # "One active booking per pupil per period" is a partial unique index created in
        # migration 0002 (Tortoise cannot declare partial indexes portably).


class OutboxMessage(Model):
    """An e-mail to send, written in the same transaction as the change it reports."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=50)
    to_address = fields.CharField(max_length=254, null=True)
    subject = fields.CharField(max_length=300)
    body = fields.TextField()
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    booking_id: int | None
    status = fields.CharEnumField(
        OutboxStatus, max_length=20, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    attachment_name = fields.CharField(max_length=100, null=True)
    attachment_type = fields.CharField(max_length=100, null=True)
    attachment = fields.TextField(null=True)  # e.g. the .ics of a confirmed placement
    next_attempt_at = fields.DatetimeField(null=True)
    claimed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"


class AuditEvent(Model):
    """Who read or changed what. Every read of pupil data by staff or API clients lands here."""

    id = fields.BigIntField(primary_key=True)
    actor = fields.CharField(max_length=100)
    # Whose log it is: organiser admins see and export their organiser's events.
    organiser_id = fields.IntField(null=True, db_index=True)
    action = fields.CharField(max_length=100)
    object_type = fields.CharField(max_length=50)
    object_count = fields.IntField(default=0)
    detail: dict[str, object] = fields.JSONField(default=dict)
    # The address the request came from (prao.http.client_address); empty outside a request.
    client = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_event"


class MailThrottle(Model):
    """One mail-sending action by a key (an address, a caller, a pupil): counted over a window
    to throttle sign-in links, sign-ups, invites and reminders across every web process."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=300)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mail_throttle"
        indexes = (("key", "created_at"),)


class BookingLink(Model):
    """A one-time link for someone without an account (an employer confirming a self-found
    placement). Only the SHA-256 of the token is stored."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "models.Booking", related_name="links", on_delete=fields.CASCADE
    )
    booking_id: int
    purpose = fields.CharEnumField(LinkPurpose, max_length=30)
    token_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_link"


class Wish(Model):
    """A pupil's ranked wish (1 = first) for a slot in an allocation period."""

    id = fields.IntField(primary_key=True)
    pupil: fields.ForeignKeyRelation[Pupil] = fields.ForeignKeyField(
        "models.Pupil", related_name="wishes", on_delete=fields.CASCADE
    )
    pupil_id: int
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "models.Period", related_name="wishes", on_delete=fields.CASCADE
    )
    period_id: int
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "models.Slot", related_name="wishes", on_delete=fields.CASCADE
    )
    slot_id: int
    rank = fields.SmallIntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wish"
        unique_together = (("pupil", "period", "rank"), ("pupil", "period", "slot"))


class AllocationRun(Model):
    """One allocation run: its seed and parameters, progress, proposal and outcome."""

    id = fields.IntField(primary_key=True)
    period: fields.ForeignKeyRelation[Period] = fields.ForeignKeyField(
        "models.Period", related_name="allocation_runs", on_delete=fields.CASCADE
    )
    period_id: int
    seed = fields.BigIntField()
    policy = fields.CharEnumField(AllocationPolicy, max_length=30)
    dry_run = fields.BooleanField(default=True)
    status = fields.CharEnumField(AllocationStatus, max_length=20, default=AllocationStatus.QUEUED)
    progress = fields.SmallIntField(default=0)  # percent
    progress_text = fields.CharField(max_length=200, default="")
    started_by = fields.CharField(max_length=100)  # actor label, as in the audit log
    parameters: dict[str, object] = fields.JSONField(default=dict)
    result: dict[str, object] = fields.JSONField(default=dict)
    fingerprint = fields.CharField(max_length=64, default="")  # of the data the run saw
    error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    applied_at = fields.DatetimeField(null=True)

    class Meta:
        table = "allocation_run"


class ClassListImport(Model):
    """An uploaded class list, kept between preview and confirmation."""

    id = fields.IntField(primary_key=True)
    school: fields.ForeignKeyRelation[School] = fields.ForeignKeyField(
        "models.School", related_name="imports", on_delete=fields.CASCADE
    )
    school_id: int
    uploaded_by = fields.CharField(max_length=100)
    filename = fields.CharField(max_length=255, default="")
    content = fields.TextField()  # decoded to text on upload
    created_at = fields.DatetimeField(auto_now_add=True)
    applied_at = fields.DatetimeField(null=True)

    class Meta:
        table = "class_list_import"
