"""What the system keeps about its own work: mail to send, the audit trail, and the mail
throttle's counts."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from prao.models.placements import Booking


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; a stale claim is swept back to pending
    SENT = "sent"
    FAILED = "failed"  # bounced or refused for good: shown to the coordinator


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
        indexes = (("booking_id",),)


class OutboxEvent(Model):
    """A fact about a booking, written in the transaction of the change: what happened, to which
    booking, and a snapshot of what its messages describe that may change later (the booking's
    status, reason and time, the slot's details). A worker expands it into the messages, with
    their recipients, bodies and calendars (prao.outbox.expand_event)."""

    id: int = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=50)
    # No constraint in the database (migration 0009): an event is written in the transaction
    # that wrote or changed its booking, and checking each one cost an allocation of 100,000
    # pupils 0.4 s of database CPU. An event outlives its booking, keeping the id it had.
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "models.Booking",
        related_name="events",
        null=True,
        on_delete=fields.NO_ACTION,
        db_constraint=False,
    )
    booking_id: int | None
    snapshot: dict[str, object] = fields.JSONField(default=dict)
    # Set in the transaction that writes the event's messages: each event is expanded once.
    expanded_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_event"
        indexes = (("booking_id",),)


class AuditEvent(Model):
    """Who read or changed what. Every read of pupil data by staff or API clients lands here."""

    # Annotated: Tortoise types SmallIntField and BigIntField values as Any.
    id: int = fields.BigIntField(primary_key=True)
    actor = fields.CharField(max_length=100)
    # Whose log it is: organiser admins see and export their organiser's events.
    organiser_id = fields.IntField(null=True, db_index=True)
    action = fields.CharField(max_length=100)
    object_type = fields.CharField(max_length=50)
    object_count = fields.IntField(default=0)
    detail: dict[str, object] = fields.JSONField(default=dict)
    # The address the request came from (server.client_address); empty outside a request.
    client = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_event"
        indexes = (("organiser_id", "created_at"),)


class MailThrottle(Model):
    """One mail-sending action by a key (an address, a caller, a pupil): counted over a window
    to throttle sign-in links, sign-ups, invites and reminders across every web process."""

    id: int = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=300)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mail_throttle"
        indexes = (("key", "created_at"),)
