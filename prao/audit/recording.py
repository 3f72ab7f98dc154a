"""Recording the audit trail: reads of pupil data and changes (DESIGN.md §7)."""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from prao import clock
from prao.actor import Actor
from prao.models import AuditEvent
from prao.validation import safe_detail

# Set for each HTTP request by the server (server.client_address), read when an event is written.
client: ContextVar[str] = ContextVar("audit_client", default="")

# A pupil's protected identity lifted by an import or upsert; detail names the pupil ids.
LIFT_PROTECTION = "lift_protection"


async def record(
    actor: Actor,
    action: str,
    object_type: str,
    count: int = 1,
    connection: BaseDBAsyncClient | None = None,
    **detail: Any,
) -> None:
    conn = connection or AuditEvent._meta.db
    if conn.capabilities.dialect == "postgres":
        # Every page of pupils read writes one: the ORM's insert cost more than the page's own
        # statement. SQLite keeps the ORM, which stores datetimes in its own text form.
        values = [*fields(actor, action, object_type, count, **detail), clock.now()]
        await conn.execute_query(_INSERT, values)
        return
    await AuditEvent.create(
        actor=actor.label,
        organiser_id=actor.organiser_id,
        action=action,
        object_type=object_type,
        object_count=count,
        detail=safe_detail(detail),  # free text may carry NUL, which jsonb refuses
        client=client.get(),
        using_db=connection,
    )


# An event's columns as hand-written SQL writes them (a hot path's data-modifying CTE), in the
# order of fields(); created_at is the change's own time.
COLUMNS = "actor, organiser_id, action, object_type, object_count, detail, client, created_at"


_INSERT = f"INSERT INTO audit_event ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)"


def fields(
    actor: Actor, action: str, object_type: str, count: int = 1, **detail: Any
) -> tuple[str, int | None, str, str, int, str, str]:
    """What record() writes, for SQL that writes the event itself: the detail as JSON text."""
    return (
        actor.label,
        actor.organiser_id,
        action,
        object_type,
        count,
        json.dumps(safe_detail(detail), separators=(",", ":")),
        client.get(),
    )


async def pupils_read(
    actor: Actor, count: int, connection: BaseDBAsyncClient | None = None, **detail: Any
) -> None:
    """Staff, employer and API reads of pupil data; a pupil reading herself is not audited.
    Callers go through prao.pupil_view, which decides what the read showed."""
    if count and (actor.is_school_staff or actor.role is not None and not actor.is_pupil):
        await record(actor, "read", "pupil", count, connection=connection, **detail)


async def protection_lifted(
    actor: Actor, pupil_ids: list[int], connection: BaseDBAsyncClient, **detail: Any
) -> None:
    """Protected identity lifted on purpose (a class list or an upsert saying "no")."""
    if pupil_ids:
        await record(
            actor,
            LIFT_PROTECTION,
            "pupil",
            len(pupil_ids),
            connection,
            pupil_ids=pupil_ids,
            **detail,
        )
