"""The evaluations asked after a placement, each once: the day after the last day, the pupil
(by mail, to answer signed in) and the supervisor (by a one-time link); REMIND_AFTER_DAYS later,
if still unanswered, one reminder each (the supervisor's with a fresh link). Each step is
claimed by a conditional write on a column that must still be empty, so two sweeps at once,
or a sweep run again, send nothing twice. Run by the hourly sweep (workers.reminders)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import notices, policy
from prao.auth import hash_secret
from prao.clock import local
from prao.config import current_settings
from prao.models import Booking, BookingLink, BookingStatus, Evaluation, LinkPurpose, User
from prao.services.after_the_end import supervisor_of
from prao.services.evaluation import ANSWER_DAYS, row_for

CATCH_UP_DAYS = 7  # a sweep missed for days still asks, this long after the end
REMIND_AFTER_DAYS = 4
LINK_DAYS = ANSWER_DAYS


def _base() -> str:
    return current_settings().base_url.rstrip("/")


async def send_evaluation_requests(now: datetime) -> list[int]:
    """Every request and reminder due now; answers the new messages' ids."""
    return [*await _ask(now), *await _remind(now)]


async def _ask(now: datetime) -> list[int]:
    today = local(now).date()
    due = await Booking.filter(
        status=BookingStatus.CONFIRMED,
        slot__end_date__lt=today,
        slot__end_date__gte=today - timedelta(days=CATCH_UP_DAYS),
    ).select_related("pupil__school", "slot__employer")
    if not due:
        return []
    rows = {e.booking_id: e for e in await Evaluation.filter(booking_id__in=[b.id for b in due])}
    ids: list[int] = []
    for booking in sorted(due, key=lambda b: b.id):
        row = rows.get(booking.id)
        if row is not None and row.pupil_asked_at and row.supervisor_asked_at:
            continue
        row = row or await row_for(booking)
        ids += await _to_pupil(row, booking, now, reminder=False)
        ids += await _to_supervisor(row, booking, now, reminder=False)
    return ids


async def _remind(now: datetime) -> list[int]:
    since = now - timedelta(days=REMIND_AFTER_DAYS)
    ids: list[int] = []
    for side in ("pupil", "supervisor"):
        due = await Evaluation.filter(
            booking__status=BookingStatus.CONFIRMED,
            **{
                f"{side}_asked_at__lte": since,
                f"{side}_reminded_at__isnull": True,
                f"{side}_answered_at__isnull": True,
            },
        ).order_by("id")
        for row in due:
            if row.booking_id is None:
                continue
            booking = (
                await Booking.filter(id=row.booking_id)
                .select_related("pupil__school", "slot__employer")
                .get()
            )
            send = _to_pupil if side == "pupil" else _to_supervisor
            ids += await send(row, booking, now, reminder=True)
    return ids


async def _claim(
    row: Evaluation, side: str, reminder: bool, now: datetime, conn: BaseDBAsyncClient
) -> bool:
    column = f"{side}_reminded_at" if reminder else f"{side}_asked_at"
    claimed = (
        await Evaluation.filter(
            id=row.id, **{f"{column}__isnull": True, f"{side}_answered_at__isnull": True}
        )
        .using_db(conn)
        .update(**{column: now})
    )
    return bool(claimed)


async def _to_pupil(row: Evaluation, booking: Booking, now: datetime, reminder: bool) -> list[int]:
    users = await User.filter(pupil_id=booking.pupil_id).values("email")
    addresses: list[str | None] = [booking.pupil.email, *(u["email"] for u in users)]
    async with in_transaction() as conn:
        if not await _claim(row, "pupil", reminder, now, conn):
            return []
        # Without an address she still finds the questions on her booking when she signs in.
        messages = await notices.evaluation_request(
            booking=booking,
            slot=booking.slot,
            pupil=booking.pupil,
            addresses=addresses,
            url=f"{_base()}/bokningar/{booking.id}/utvardering",
            reminder=reminder,
            connection=conn,
        )
    return [m.id for m in messages]


async def _to_supervisor(
    row: Evaluation, booking: Booking, now: datetime, reminder: bool
) -> list[int]:
    supervisor = await supervisor_of(booking.slot)
    raw = secrets.token_urlsafe(32)
    async with in_transaction() as conn:
        if not await _claim(row, "supervisor", reminder, now, conn):
            return []
        if supervisor.address is None:
            return []  # nobody to ask: the coordinator sees it unanswered
        await BookingLink.create(
            booking_id=booking.id,
            purpose=LinkPurpose.EVALUATE_PLACEMENT,
            token_hash=hash_secret(raw),
            email=supervisor.address,
            expires_at=now + timedelta(days=LINK_DAYS),
            using_db=conn,
        )
        message = await notices.host_evaluation_request(
            booking=booking,
            slot=booking.slot,
            pupil=policy.workplace_view(booking.pupil, booking.pupil.school),
            to_address=supervisor.address,
            supervisor_name=supervisor.name,
            url=f"{_base()}/handledare/utvardering/{booking.id}/{raw}",
            link_days=LINK_DAYS,
            reminder=reminder,
            connection=conn,
        )
    return [message.id]
