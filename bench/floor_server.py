"""The floor of the booking rush: the least a Strawberry server must do for `bookSlot`.

Strawberry with its parser and validation caches, asyncpg, no ORM, on Prao's own tables and the
same request and answer shape as Prao's `bookSlot`. It makes the same checks Prao makes for a
school's API token (the token, then the pupil, the slot and its employer, the slot's listing,
the period and whether the pupil is booked in it already) and writes the same rows: the place
reserved by a conditional UPDATE, the booking, and one outbox event. Three statements a booking:
the token, the checks in one query, the writes in one data-modifying CTE (atomic by itself).

    FLOOR_DATABASE_URL=postgres://... python -m uvicorn bench.floor_server:app --workers 1
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time
from typing import Any

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import Info

POOL_MAX = 20  # as prao.db.POSTGRES_POOL_MAX

TOKEN_SQL = """
SELECT t.school_id, t.permissions FROM api_token t
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
"""

# One row when the pupil is the token's school's; the slot's columns are null for no slot.
CHECK_SQL = """
SELECT p.year_group, p.birth_date, sc.organiser_id AS school_organiser,
  sl.id AS slot_id, sl.status, sl.taken, sl.capacity, sl.min_age, sl.requires_approval,
  sl.title, sl.address, sl.city, sl.start_date, sl.end_date, sl.starts_minute,
  sl.ends_minute, sl.tasks, e.organiser_id AS employer_organiser,
  e.status AS employer_status,
  sl.visible_to_all OR EXISTS (
    SELECT 1 FROM slot_visibility v WHERE v.slot_id = sl.id AND v.school_id = p.school_id
  ) AS listed,
  EXISTS (
    SELECT 1 FROM period pe WHERE pe.school_id = p.school_id AND pe.year_group = p.year_group
      AND pe.mode = 'first_come'
  ) AS has_periods,
  op.id AS period_id, op.open AS period_open,
  EXISTS (
    SELECT 1 FROM booking b WHERE b.pupil_id = p.id AND b.period_id = op.id
      AND b.status IN ('pending', 'confirmed')
  ) AS booked
FROM pupil p
JOIN school sc ON sc.id = p.school_id
LEFT JOIN slot sl ON sl.id = $2
LEFT JOIN employer e ON e.id = sl.employer_id
LEFT JOIN LATERAL (
  SELECT pe.id, pe.booking_opens_at <= $4 AND $4 < pe.booking_closes_at AS open
  FROM period pe
  WHERE pe.school_id = p.school_id AND pe.year_group = p.year_group AND pe.mode = 'first_come'
    AND pe.start_date <= sl.end_date AND sl.start_date <= pe.end_date
  ORDER BY 2 DESC, pe.start_date, pe.id
  LIMIT 1
) op ON true
WHERE p.id = $1 AND p.school_id = $3
"""

# No row when the slot filled up meanwhile; a unique violation when the pupil got booked.
BOOK_SQL = """
WITH place AS (
  UPDATE slot SET taken = taken + 1, updated_at = $5
  WHERE id = $2 AND status = 'published' AND taken < capacity
  RETURNING id
), booking AS (
  INSERT INTO booking (pupil_id, slot_id, period_id, status, origin, reason, created_at,
    updated_at)
  SELECT $1, place.id, $3, $4, 'api', '', $5, $5 FROM place
  RETURNING id
), event AS (
  INSERT INTO outbox_event (kind, booking_id, snapshot, created_at)
  SELECT 'booking_created', booking.id, $6::jsonb, $5 FROM booking
)
SELECT id FROM booking
"""


@strawberry.type
class Booking:
    id: strawberry.ID
    status: str


@strawberry.type
class BookingError:
    code: str
    field: str | None
    message: str


@strawberry.type
class BookSlotPayload:
    booking: Booking | None
    errors: list[BookingError]


@strawberry.input
class BookSlotInput:
    slot_id: strawberry.ID
    pupil_id: strawberry.ID | None = None


def refused(code: str, field: str | None = "slotId") -> BookSlotPayload:
    return BookSlotPayload(
        booking=None, errors=[BookingError(code=code, field=field, message=code)]
    )


def pk_of(value: str, type_name: str) -> int | None:
    try:
        kind, _, pk = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(pk) if kind == type_name and pk.isdigit() and 0 < int(pk) < 2**31 else None


def age_on(day: date, birth_date: date | None, year_group: int) -> int:
    if birth_date is None:
        return year_group + 5  # as Pupil.age_on: the youngest usual for the year group
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def refusal(row: asyncpg.Record | None) -> BookSlotPayload | None:
    """Prao's rules for a booking, in Prao's order; None when the booking may go ahead."""
    if row is None:
        return refused("NOT_FOUND", "pupilId")
    if (
        row["slot_id"] is None
        or row["employer_organiser"] != row["school_organiser"]
        or row["status"] == "draft"
        or row["employer_status"] != "approved"
    ):
        return refused("NOT_FOUND")
    if not row["listed"]:
        return refused("NOT_VISIBLE")
    if row["status"] != "published":
        return refused("NOT_PUBLISHED")
    if row["period_id"] is None and row["has_periods"]:
        return refused("DATES_DO_NOT_MATCH")
    if not row["period_open"]:
        return refused("BOOKING_CLOSED")
    if age_on(row["start_date"], row["birth_date"], row["year_group"]) < row["min_age"]:
        return refused("TOO_YOUNG")
    if row["booked"]:
        return refused("ALREADY_BOOKED")
    if row["taken"] >= row["capacity"]:
        return refused("SLOT_FULL")
    return None


def snapshot(row: asyncpg.Record, status: str, now: datetime) -> str:
    """What prao.outbox.event_snapshot records, from the row the checks read."""
    slot = {name: row[name] for name in ("title", "address", "city", "tasks")}
    slot["start_date"] = row["start_date"].isoformat()
    slot["end_date"] = row["end_date"].isoformat()
    for name, minute in (
        ("day_starts_at", row["starts_minute"]),
        ("day_ends_at", row["ends_minute"]),
    ):
        slot[name] = time(minute // 60, minute % 60).isoformat()
    return json.dumps({"status": status, "reason": "", "updated_at": now.isoformat(), "slot": slot})


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def book_slot(
        self, info: Info[dict[str, Any], None], input: BookSlotInput
    ) -> BookSlotPayload:
        request: Request = info.context["request"]
        pool: asyncpg.Pool = request.app.state.pool
        slot_id = pk_of(input.slot_id, "Slot")
        pupil_id = pk_of(input.pupil_id, "Pupil") if input.pupil_id is not None else None
        if slot_id is None:
            return refused("NOT_FOUND")
        if pupil_id is None:
            return refused("NOT_FOUND", "pupilId")
        raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        now = datetime.now(UTC)
        async with pool.acquire() as conn:
            token = await conn.fetchrow(TOKEN_SQL, hashlib.sha256(raw.encode()).hexdigest(), now)
            if token is None or token["school_id"] is None:
                raise PermissionError("Okänd API-token.")
            if "write" not in token["permissions"].split(","):
                return refused("FORBIDDEN")
            row = await conn.fetchrow(CHECK_SQL, pupil_id, slot_id, token["school_id"], now)
            if (why := refusal(row)) is not None:
                return why
            assert row is not None
            status = "pending" if row["requires_approval"] else "confirmed"
            try:
                booking_id = await conn.fetchval(
                    BOOK_SQL,
                    pupil_id,
                    slot_id,
                    row["period_id"],
                    status,
                    now,
                    snapshot(row, status, now),
                )
            except asyncpg.UniqueViolationError:  # booked a moment ago by another request
                return refused("ALREADY_BOOKED")
        if booking_id is None:
            return refused("SLOT_FULL")
        global_id = base64.b64encode(f"Booking:{booking_id}".encode()).decode()
        return BookSlotPayload(
            booking=Booking(id=strawberry.ID(global_id), status=status.upper()), errors=[]
        )


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[lambda: ParserCache(maxsize=100), lambda: ValidationCache(maxsize=100)],
)


class FloorGraphQL(GraphQL[dict[str, Any], None]):
    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response}


async def keep_session(conn: asyncpg.Connection) -> None:
    """The floor leaves no session state behind (no LISTEN, no SET, no advisory lock), so a
    connection goes back to the pool without asyncpg's reset round trip, as Tortoise's do."""


def create_app(database_url: str | None = None) -> Starlette:
    """Serves POST /graphql; without `database_url`, FLOOR_DATABASE_URL at start-up."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = database_url or os.environ["FLOOR_DATABASE_URL"]
        dsn = url.replace("postgres://", "postgresql://", 1)
        app.state.pool = await asyncpg.create_pool(
            dsn, min_size=1, max_size=POOL_MAX, reset=keep_session
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    async def ready(request: Request) -> Response:
        return Response("ok")

    routes = [Route("/graphql", FloorGraphQL(schema, graphql_ide=None)), Route("/", ready)]
    return Starlette(routes=routes, lifespan=lifespan)


app = create_app()
