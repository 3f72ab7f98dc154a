"""Applying a proposal: bookings and their messages in one transaction, refused when the data
changed since the dry run."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from prao import audit, clock, outbox, policy
from prao.actor import Actor
from prao.allocation import data
from prao.allocation.access import CHUNK, visible_run
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import (
    AllocationRun,
    AllocationStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    Guardian,
    OutboxMessage,
    Permission,
    School,
    Slot,
    SlotStatus,
    User,
)


async def apply_run(actor: Actor, run_id: int) -> Outcome[AllocationRun]:
    if refusal := policy.lacks(actor, Permission.ALLOCATE, "run_id"):
        return Outcome(errors=[refusal])
    run = await visible_run(actor, run_id)
    if run is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "run_id", "Fördelningen finns inte.")
    outcome = await apply_proposal(run, AllocationStatus.DONE)
    if outcome.ok:
        await audit.record(actor, "apply", "allocation_run", run_id=run.id)
    return outcome


async def apply_proposal(run: AllocationRun, expected: AllocationStatus) -> Outcome[AllocationRun]:
    """`expected` is DONE for a reviewed proposal, RUNNING inside a run that applies at once."""
    if run.status == AllocationStatus.APPLIED:
        return Outcome.fail(ErrorCode.INVALID, "run_id", "Förslaget är redan tillämpat.")
    if run.status == AllocationStatus.STALE:
        return Outcome.fail(ErrorCode.STALE_PROPOSAL, "run_id")
    if run.status != expected or not run.result:
        return Outcome.fail(ErrorCode.INVALID, "run_id", "Fördelningen är inte klar än.")
    assignments = [tuple(row) for row in run.result.get("assignments", [])]  # type: ignore[attr-defined]
    started = time.perf_counter()
    try:
        async with in_transaction() as conn:
            now = clock.now()
            locked = (
                await AllocationRun.filter(id=run.id, status=expected)
                .using_db(conn)
                .update(status=AllocationStatus.APPLIED, applied_at=now)
            )
            if not locked:
                raise Refused(
                    DomainError.of(ErrorCode.INVALID, "run_id", "Förslaget är redan tillämpat.")
                )
            current = await data.load(run.period_id, run.policy, conn)
            if current.fingerprint != run.fingerprint:
                raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "run_id"))
            before = await OutboxMessage.all().using_db(conn).order_by("-id").first()
            await _write(conn, run, current, assignments, now)
    except Refused as refused:
        if refused.error.code == ErrorCode.STALE_PROPOSAL:
            await AllocationRun.filter(id=run.id).update(
                status=AllocationStatus.STALE, error=refused.error.message
            )
        return Outcome(errors=[refused.error])
    write_seconds = round(time.perf_counter() - started, 4)
    result = dict(run.result)
    result["timings"] = {**dict(result.get("timings") or {}), "write_seconds": write_seconds}  # type: ignore[call-overload]
    await AllocationRun.filter(id=run.id).update(result=result)
    ids = await OutboxMessage.filter(
        id__gt=before.id if before else 0,
        kind="booking_created",
        booking__period_id=run.period_id,
        booking__origin=BookingOrigin.ALLOCATION,
    ).values_list("id", flat=True)
    await jobs.deliver(list(ids))  # type: ignore[arg-type]
    return Outcome(value=await AllocationRun.get(id=run.id))


async def _write(
    conn: Any,
    run: AllocationRun,
    current: data.Loaded,
    assignments: list[tuple[int, int, int]],
    now: Any,
) -> None:
    """Places by conditional UPDATEs in slot-id order, then the bookings and their messages."""
    per_slot = Counter(slot_id for _, slot_id, _ in assignments)
    for slot_id, count in sorted(per_slot.items()):
        reserved = (
            await Slot.filter(
                id=slot_id, status=SlotStatus.PUBLISHED, taken__lte=F("capacity") - count
            )
            .using_db(conn)
            .update(taken=F("taken") + count, updated_at=clock.now())
        )
        if not reserved:
            raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "run_id"))
    try:
        await Booking.bulk_create(
            [
                Booking(
                    pupil_id=pupil_id,
                    slot_id=slot_id,
                    period_id=run.period_id,
                    status=BookingStatus.CONFIRMED,
                    origin=BookingOrigin.ALLOCATION,
                    decided_at=now,
                )
                for pupil_id, slot_id, _ in assignments
            ],
            batch_size=1000,
            using_db=conn,
        )
    except IntegrityError as exc:  # someone got a booking in between
        raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "run_id")) from exc
    ours = {pupil_id for pupil_id, _, _ in assignments}
    school = await School.get(id=current.period.school_id, using_db=conn)
    users: dict[int, list[str | None]] = defaultdict(list)
    for pupil_id, email in (
        await User.filter(pupil__school_id=school.id)
        .using_db(conn)
        .values_list("pupil_id", "email")
    ):
        users[pupil_id].append(email)
    guardians: dict[int, list[str | None]] = defaultdict(list)
    for pupil_id, email in (
        await Guardian.filter(pupil__school_id=school.id)
        .using_db(conn)
        .values_list("pupil_id", "email")
    ):
        guardians[pupil_id].append(email)
    slot_ids = sorted(per_slot)
    slots: dict[int, Slot] = {}
    for i in range(0, len(slot_ids), CHUNK):
        chunk = slot_ids[i : i + CHUNK]
        found = await Slot.filter(id__in=chunk).select_related("employer").using_db(conn)
        slots.update({s.id: s for s in found})
    bookings = await Booking.filter(
        period_id=run.period_id, status=BookingStatus.CONFIRMED, origin=BookingOrigin.ALLOCATION
    ).using_db(conn)
    messages: list[OutboxMessage] = []
    for booking in bookings:
        if booking.pupil_id not in ours:  # an earlier run's booking
            continue
        pupil = current.pupils[booking.pupil_id]
        slot = slots[booking.slot_id]
        messages += outbox.booking_messages(
            kind="booking_created",
            booking=booking,
            pupil=pupil,
            slot=slot,
            recipients=[pupil.email, *users.get(pupil.id, [])],
            guardian_emails=guardians.get(pupil.id, []),
            employer=slot.employer,
            school=school,
        )
        if len(messages) >= CHUNK:  # bounded memory on big runs
            await OutboxMessage.bulk_create(messages, batch_size=1000, using_db=conn)
            messages = []
    await OutboxMessage.bulk_create(messages, batch_size=1000, using_db=conn)
