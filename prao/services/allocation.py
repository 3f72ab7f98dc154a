"""Allocation runs: who may start and apply them, the run itself (a job), and applying a
proposal in one transaction that refuses when the data changed since the dry run."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from prao import audit, clock, outbox, policy
from prao.actor import Actor
from prao.allocation import data
from prao.allocation.solver import Solution, solve
from prao.errors import DomainError, ErrorCode, Outcome, Refused
from prao.jobs import jobs
from prao.models import (
    AllocationPolicy,
    AllocationRun,
    AllocationStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    Guardian,
    OutboxMessage,
    Period,
    Permission,
    Pupil,
    School,
    Slot,
    SlotStatus,
    User,
)
from prao.pupil_view import PupilView
from prao.validation import valid_id

log = logging.getLogger(__name__)

MAX_SEED = 2**31 - 1  # a GraphQL Int
SUGGESTIONS = 3
SUGGESTION_SCAN = 500  # slots with most places left looked at per unplaced pupil
CHUNK = 5000  # ids per IN list: PostgreSQL takes at most 32767 parameters
Progress = Callable[[int, str], Awaitable[None]]
ACTIVE = (AllocationStatus.QUEUED, AllocationStatus.RUNNING)

STAGES = {
    "loading": (5, "Läser in elever, önskemål och platser"),
    "solving": (30, "Beräknar fördelningen"),
    "lottery": (70, "Lottning och sammanställning"),
    "writing": (85, "Sparar resultatet"),
    "done": (100, "Klar"),
}


def may_allocate(actor: Actor) -> bool:
    """The school's coordinator, the organiser's admin, or a school system's token; which
    periods is up to policy.periods."""
    return actor.is_school_staff


async def allowed_period(actor: Actor, period_id: int) -> Period | DomainError:
    if not may_allocate(actor):
        return DomainError.of(ErrorCode.FORBIDDEN, "periodId")
    period = await policy.periods(actor).get_or_none(id=period_id) if valid_id(period_id) else None
    if period is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "periodId", "Praoperioden finns inte.")
    return period


async def visible_run(actor: Actor, run_id: int) -> AllocationRun | None:
    if not may_allocate(actor) or not valid_id(run_id):
        return None
    found: AllocationRun | None = await runs(actor).get_or_none(id=run_id)
    return found


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


async def start_run(
    actor: Actor,
    period_id: int,
    *,
    seed: int | None = None,
    dry_run: bool = True,
    policy_name: str | None = None,
    enqueue: bool = True,
) -> Outcome[AllocationRun]:
    if refusal := policy.lacks(actor, Permission.ALLOCATE, "periodId"):
        return Outcome(errors=[refusal])
    period = await allowed_period(actor, period_id)
    if isinstance(period, DomainError):
        return Outcome(errors=[period])
    if seed is None:
        seed = new_seed()
    if not 0 <= seed <= MAX_SEED:
        return Outcome.fail(ErrorCode.INVALID, "seed", f"Fröet ska vara ett tal 0–{MAX_SEED}.")
    chosen = policy_name or period.allocation_policy
    if chosen not in {p.value for p in AllocationPolicy}:
        return Outcome.fail(ErrorCode.INVALID, "policy", "Okänd fördelningsprincip.")
    async with in_transaction() as conn:
        # Concurrent starts of one period wait here for each other (row lock on PostgreSQL;
        # SQLite runs one write transaction at a time), so the second sees the first's run.
        await Period.filter(id=period.id).using_db(conn).select_for_update().first()
        active = (
            await AllocationRun.filter(period_id=period.id, status__in=ACTIVE)
            .using_db(conn)
            .order_by("id")
            .first()
        )
        if active is not None:
            return Outcome(value=active)  # one run at a time: the one already on its way
        run = await AllocationRun.create(
            period_id=period.id,
            seed=seed,
            policy=AllocationPolicy(chosen),
            dry_run=dry_run,
            started_by=actor.label,
            parameters={"seed": seed, "policy": chosen, "dry_run": dry_run, "balance": True},
            progress_text="I kö",
            using_db=conn,
        )
        await audit.record(
            actor, "start", "allocation_run", connection=conn, period_id=period.id, run_id=run.id
        )
    if enqueue:
        await jobs.run_allocation(run.id)
    return Outcome(value=run)


async def _progress(run_id: int, stage: str, on_progress: Progress | None) -> None:
    percent, text = STAGES[stage]
    await AllocationRun.filter(id=run_id).update(progress=percent, progress_text=text)
    if on_progress is not None:
        await on_progress(percent, text)


async def execute_run(run_id: int, on_progress: Progress | None = None) -> bool:
    """The job: solve, store the proposal, and apply it unless a dry run. Idempotent: a run
    that is not queued any more is left alone (arq may deliver a job twice)."""
    now = clock.now()
    claimed = await AllocationRun.filter(id=run_id, status=AllocationStatus.QUEUED).update(
        status=AllocationStatus.RUNNING, started_at=now
    )
    if not claimed:
        return False
    run = await AllocationRun.get(id=run_id)
    try:
        await _progress(run_id, "loading", on_progress)
        t0 = time.perf_counter()
        loaded = await data.load(run.period_id, run.policy)
        t1 = time.perf_counter()
        await _progress(run_id, "solving", on_progress)
        # In a thread: in the embedded mode the web process keeps answering meanwhile.
        solution = await asyncio.to_thread(solve, loaded.instance, run.seed)
        await _progress(run_id, "lottery", on_progress)
        result = await asyncio.to_thread(summarise, loaded, solution)
        t2 = time.perf_counter()
        result["timings"] = {"load_seconds": round(t1 - t0, 4), "solve_seconds": round(t2 - t1, 4)}
        await _progress(run_id, "writing", on_progress)
        await AllocationRun.filter(id=run_id).update(result=result, fingerprint=loaded.fingerprint)
        finished: dict[str, Any] = {"status": AllocationStatus.DONE, "finished_at": clock.now()}
        if not run.dry_run:
            applied = await _apply(await AllocationRun.get(id=run_id), AllocationStatus.RUNNING)
            finished["status"] = AllocationStatus.APPLIED
            if applied.errors:
                finished.update(status=AllocationStatus.STALE, error=applied.errors[0].message)
        await AllocationRun.filter(id=run_id).update(**finished)
        await _progress(run_id, "done", on_progress)
    except Exception as exc:  # a failed run is recorded, not lost
        log.exception("allocation run %s failed", run_id)
        await AllocationRun.filter(id=run_id).update(
            status=AllocationStatus.FAILED, error=str(exc)[:1000], finished_at=clock.now()
        )
        return False
    return True


def summarise(loaded: data.Loaded, solution: Solution) -> dict[str, Any]:
    """The proposal as stored on the run: figures overall and per school, the unplaced with
    suggestions, the assignment and the published lottery."""
    instance = loaded.instance
    max_rank = len(solution.rank_counts)
    left = {s.id: s.places for s in instance.slots}
    for row in loaded.slots.values():
        left.setdefault(int(row["id"]), max(int(row["capacity"]) - int(row["taken"]), 0))  # type: ignore[call-overload]
    for slot_id, _ in solution.assignment.values():
        left[slot_id] -= 1
    open_slots = sorted((sid for sid, n in left.items() if n > 0), key=lambda s: (-left[s], s))
    schools: dict[int, dict[str, Any]] = {}
    unplaced = []
    for p in instance.pupils:
        school = schools.setdefault(
            p.school_id,
            {
                "school_id": p.school_id,
                "name": loaded.school_names.get(p.school_id, ""),
                "pupils": 0,
                "placed": 0,
                "rank_counts": [0] * max_rank,
                "unplaced": 0,
            },
        )
        school["pupils"] += 1
        placed = solution.assignment.get(p.id)
        if placed is not None:
            school["placed"] += 1
            school["rank_counts"][placed[1] - 1] += 1
            continue
        school["unplaced"] += 1
        pupil = loaded.pupils[p.id]
        suggestions = []
        for sid in open_slots[:SUGGESTION_SCAN]:
            if data.eligible(pupil, loaded.slots[sid], loaded.period, loaded.listed):
                suggestions.append(sid)
                if len(suggestions) == SUGGESTIONS:
                    break
        unplaced.append(
            {
                "pupil_id": p.id,
                "school_id": p.school_id,
                "wishes": len(p.wishes),
                "suggestions": [
                    {"slot_id": s, "title": loaded.slots[s]["title"], "places_left": left[s]}
                    for s in suggestions
                ],
            }
        )
    return {
        "pupils": len(instance.pupils),
        "placed": solution.placed,
        "unplaced_count": len(unplaced),
        "max_rank": max_rank,
        "rank_counts": list(solution.rank_counts),
        "skipped_booked": loaded.skipped_booked,
        "dropped_wishes": loaded.dropped_wishes,
        "schools": sorted(schools.values(), key=lambda s: s["school_id"]),
        "unplaced": unplaced,
        "assignments": sorted([pid, sid, r] for pid, (sid, r) in solution.assignment.items()),
        "lottery": solution.lottery,
        "solver_seconds": round(solution.seconds, 4),
    }


async def apply_run(actor: Actor, run_id: int) -> Outcome[AllocationRun]:
    if refusal := policy.lacks(actor, Permission.ALLOCATE, "runId"):
        return Outcome(errors=[refusal])
    run = await visible_run(actor, run_id)
    if run is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "runId", "Fördelningen finns inte.")
    outcome = await _apply(run, AllocationStatus.DONE)
    if outcome.ok:
        await audit.record(actor, "apply", "allocation_run", run_id=run.id)
    return outcome


async def _apply(run: AllocationRun, expected: AllocationStatus) -> Outcome[AllocationRun]:
    """`expected` is DONE for a reviewed proposal, RUNNING inside a run that applies at once."""
    if run.status == AllocationStatus.APPLIED:
        return Outcome.fail(ErrorCode.INVALID, "runId", "Förslaget är redan tillämpat.")
    if run.status == AllocationStatus.STALE:
        return Outcome.fail(ErrorCode.STALE_PROPOSAL, "runId")
    if run.status != expected or not run.result:
        return Outcome.fail(ErrorCode.INVALID, "runId", "Fördelningen är inte klar än.")
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
                    DomainError.of(ErrorCode.INVALID, "runId", "Förslaget är redan tillämpat.")
                )
            current = await data.load(run.period_id, run.policy, conn)
            if current.fingerprint != run.fingerprint:
                raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "runId"))
            before = await OutboxMessage.all().using_db(conn).order_by("-id").first()
            await _write(conn, run, current, assignments, now)  # type: ignore[arg-type]
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
            raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "runId"))
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
        raise Refused(DomainError.of(ErrorCode.STALE_PROPOSAL, "runId")) from exc
    ours = {pupil_id for pupil_id, _, _ in assignments}
    school = await School.get(id=current.period.school_id, using_db=conn)
    users: dict[int, list[str | None]] = defaultdict(list)
    for pupil_id, email in (
        await User.filter(pupil__school_id=school.id)
        .using_db(conn)
        .values_list("pupil_id", "email")
    ):
        users[pupil_id].append(email)  # type: ignore[index]
    guardians: dict[int, list[str | None]] = defaultdict(list)
    for pupil_id, email in (
        await Guardian.filter(pupil__school_id=school.id)
        .using_db(conn)
        .values_list("pupil_id", "email")
    ):
        guardians[pupil_id].append(email)  # type: ignore[index]
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


POLICY_NAMES = {
    AllocationPolicy.CONVEX: "Konvex (få får sitt sista önskemål)",
    AllocationPolicy.LINEAR: "Linjär (summan av önskemålens ordning)",
    AllocationPolicy.MOST_FIRST_WISHES: "Flest förstahandsönskemål",
    AllocationPolicy.FEWEST_LAST_WISHES: "Färst sista önskemål",
}


async def unplaced_pupils(actor: Actor, run: AllocationRun) -> dict[int, PupilView]:
    """The unplaced pupils of a proposal as the actor may see them (one audited read)."""
    wanted = [u["pupil_id"] for u in run.result.get("unplaced", [])]  # type: ignore[attr-defined]
    rows: list[Pupil] = []
    for i in range(0, len(wanted), CHUNK):
        rows += await policy.pupils(actor).filter(id__in=wanted[i : i + CHUNK])
    views = await policy.pupil_views(
        actor, rows, purpose="allocation_run", context="allocation_run", run_id=run.id
    )
    return {view.id: view for view in views}


async def recent_runs(actor: Actor, period_id: int, limit: int = 10) -> list[AllocationRun]:
    period = await allowed_period(actor, period_id)
    if isinstance(period, DomainError):
        return []
    return await AllocationRun.filter(period_id=period.id).order_by("-id").limit(limit)


def runs(actor: Actor) -> Any:
    """Runs the actor may see: those of periods she may allocate for."""
    if not may_allocate(actor):
        return AllocationRun.filter(id__lt=0)
    return AllocationRun.filter(period_id__in=Subquery(policy.periods(actor).values("id")))
