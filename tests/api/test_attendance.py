"""Attendance over GraphQL: Booking.attendance lists every working day, recordAttendance writes
for the school's staff and systems with typed Swedish errors, and a school system's
`bookings(updatedSince:)` sync sees the change."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from prao import sync
from prao.config import TIMEZONE
from prao.models import AttendanceDay, AuditEvent, OutboxMessage
from prao.services import certificate
from prao.services.after_the_end import send_after_the_end
from prao.services.booking import book_slot
from tests.callers import Caller, gid
from tests.factories import World

RECORD = """mutation($input: RecordAttendanceInput!) {
  recordAttendance(input: $input) {
    booking { id updatedAt attendance { date status note confirmed } }
    errors { code field message }
  }
}"""
SYNC = """query($since: DateTime!) {
  bookings(first: 10, updatedSince: $since) { nodes { id attendance { date status } } syncedUntil }
}"""


async def placed(world: World) -> str:
    outcome = await book_slot(
        await world.actor(world.coordinator_a), world.slot.id, world.pupil_a.id
    )
    assert outcome.value is not None, outcome.errors
    return gid("Booking", outcome.value.id)


async def test_a_school_system_records_and_syncs_attendance(
    world: World, as_token: Callable[..., Awaitable[Caller]]
) -> None:
    booking = await placed(world)
    api = await as_token(world.school_a)
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    first = await api.data(SYNC, {"since": "2000-01-01T00:00:00+00:00"})
    [node] = first["bookings"]["nodes"]
    assert len(node["attendance"]) == 10 and {d["status"] for d in node["attendance"]} == {None}
    since = first["bookings"]["syncedUntil"]
    day = world.slot.start_date.isoformat()
    data = await api.data(
        RECORD,
        {"input": {"bookingId": booking, "days": [{"date": day, "status": "LATE", "note": "Tåg"}]}},
    )
    payload = data["recordAttendance"]
    assert payload["errors"] == []
    assert payload["booking"]["attendance"][0] == {
        "date": day, "status": "LATE", "note": "Tåg", "confirmed": False
    }  # fmt: skip
    await asyncio.sleep(sync.MARGIN.total_seconds() + 0.05)
    synced = await api.data(SYNC, {"since": since})
    assert [n["id"] for n in synced["bookings"]["nodes"]] == [booking]
    assert synced["bookings"]["nodes"][0]["attendance"][0]["status"] == "LATE"
    assert await AuditEvent.filter(action="read", object_type="attendance").exists()


async def test_bad_attendance_is_refused_in_swedish_and_changes_nothing(
    world: World, as_token: Callable[..., Awaitable[Caller]]
) -> None:
    booking = await placed(world)
    api = await as_token(world.school_a)
    start = world.slot.start_date
    saturday = start + timedelta(days=5)
    for days, message in (
        ([{"date": start.isoformat(), "status": "ABSENT", "note": "a\u0000b"}], "tecken"),
        ([{"date": start.isoformat(), "status": "ABSENT", "note": "x" * 301}], "Högst 300"),
        ([{"date": saturday.isoformat(), "status": "ABSENT"}], "inte en arbetsdag"),
        ([{"date": "2031-01-01", "status": "ABSENT"}], "inte en arbetsdag"),
        ([{"date": start.isoformat(), "status": "ABSENT"}] * 32, "Högst 31"),
        ([], "minst en dag"),
    ):
        data = await api.data(RECORD, {"input": {"bookingId": booking, "days": days}})
        payload = data["recordAttendance"]
        assert payload["booking"] is None
        [error] = payload["errors"][:1]
        assert error["code"] == "INVALID" and error["field"] == "days", error
        assert message in error["message"], error
    assert await AttendanceDay.all().count() == 0
    bad_id = await api.data(RECORD, {"input": {"bookingId": "bm9wZQ==", "days": []}})
    assert bad_id["recordAttendance"]["errors"][0]["field"] == "bookingId"


CERTIFICATE = """query($id: ID!) { node(id: $id) { ... on Booking {
  certificate { verificationCode daysAttended daysTotal punctuality signedBy } } } }"""


async def test_the_signed_certificate_is_read_by_who_sees_the_booking(
    world: World, as_token: Callable[..., Awaitable[Caller]]
) -> None:
    booking = await placed(world)
    api = await as_token(world.school_a)
    assert (await api.data(CERTIFICATE, {"id": booking}))["node"]["certificate"] is None
    end = world.slot.end_date
    await send_after_the_end(datetime.combine(end, time(14), TIMEZONE))
    await send_after_the_end(datetime.combine(end + timedelta(days=1), time(8), TIMEZONE))
    message = await OutboxMessage.get(kind="certificate_request")
    booking_id, raw = message.body.split("/handledare/intyg/")[1].split()[0].split("/")
    scores = {"punctuality": "4", "initiative": "3", "cooperation": "4", "interest": "2"}
    signed = await certificate.sign(
        int(booking_id), raw, certificate.Signing("Bakade", scores, "", "Sara")
    )
    assert signed.value is not None, signed.errors
    got = (await api.data(CERTIFICATE, {"id": booking}))["node"]["certificate"]
    assert got == {
        "verificationCode": signed.value.certificate.code,
        "daysAttended": 0,
        "daysTotal": 10,
        "punctuality": 4,
        "signedBy": "Sara",
    }
    assert await AuditEvent.filter(action="read", object_type="certificate").exists()
    other = await as_token(world.school_b)
    assert (await other.data(CERTIFICATE, {"id": booking}))["node"] is None
