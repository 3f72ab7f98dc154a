"""Pupils pushed by a school's admin system: create or update by external id, all or nothing.

The rows are checked, compared and written exactly as a confirmed class list is
(prao.services.pupil_rows, pupil_store); pupils left out of a call are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from prao import audit, policy
from prao.actor import Actor
from prao.db import WriteConflict, retry_on_conflict
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import Permission, Pupil, Role, School
from prao.services import pupil_rows, pupil_store
from prao.services.pupil_rows import CHANGED, NEW, PupilRow
from prao.validation import valid_id

MAX_ROWS = 500
TOO_MANY = f"Högst {MAX_ROWS} elever per anrop. Dela upp listan; ingenting sparades."
CONFLICT = pupil_store.CONFLICT


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int
    pupil_ids: list[int]  # in the order of the rows
    # The saved pupils, in the order of the rows; empty for a caller without READ, which gets
    # ids and counts only (writing must not become a way to read pupil data).
    pupils: list[Pupil]


def may_write_pupils(actor: Actor, school: School) -> bool:
    """The school's own staff: its coordinator, an admin of its organiser, a token of either."""
    if actor.is_token:
        if actor.school_id is not None:
            return actor.school_id == school.id
        return actor.organiser_id == school.organiser_id
    if actor.kind != "user":
        return False
    if actor.role is Role.COORDINATOR:
        return actor.school_id == school.id
    if actor.role is Role.ADMIN:
        return actor.organiser_id == school.organiser_id
    return False


async def upsert_pupils(
    actor: Actor, school_id: int, rows: list[PupilRow]
) -> Outcome[UpsertResult]:
    """Save every row or none: any row's problem comes back with its index and field."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not actor.is_school_staff:
        return Outcome.fail(ErrorCode.FORBIDDEN)
    # Another organiser's schools do not exist for this caller: no probing which ids are taken.
    school = (
        await School.get_or_none(id=school_id, organiser_id=actor.organiser_id)
        if valid_id(school_id) and actor.organiser_id is not None
        else None
    )
    if school is None:
        return Outcome.fail(ErrorCode.NOT_FOUND, "school_id", "Skolan finns inte.")
    if not may_write_pupils(actor, school):
        return Outcome.fail(ErrorCode.FORBIDDEN, "school_id")
    if len(rows) > MAX_ROWS:
        return Outcome.fail(ErrorCode.INVALID, "pupils", TOO_MANY)
    if not rows:
        return Outcome(
            value=UpsertResult(created=0, updated=0, unchanged=0, pupil_ids=[], pupils=[])
        )
    for row in rows:
        pupil_rows.check(row)
    pupil_rows.mark_duplicates(rows)
    try:
        return await retry_on_conflict(lambda: _save(actor, school, rows))
    except IntegrityError:  # a concurrent call created the same pupil or address first
        return Outcome.fail(ErrorCode.DUPLICATE, "pupils", CONFLICT)
    except WriteConflict:  # lost to concurrent calls twice: nothing was saved
        return Outcome.fail(ErrorCode.DUPLICATE, "pupils", CONFLICT)


async def _save(actor: Actor, school: School, rows: list[PupilRow]) -> Outcome[UpsertResult]:
    async with in_transaction() as conn:
        # A value the checks refused (a 300-character id) is never looked up.
        wanted = {r.external_id for r in rows if r.external_id and not r.flagged("external_id")}
        stored = await pupil_store.load(school.id, conn, external_ids=wanted)
        await pupil_store.compare(rows, stored, conn)
        errors: list[DomainError] = [e for i, row in enumerate(rows) for e in row.errors(i)]
        if errors:
            return Outcome(errors=errors)
        lifted = pupil_store.lifted(rows, stored)
        saved: dict[int, Pupil] = {}
        created = updated = 0
        # Written in a stable order, not the caller's, so two calls over the same pupils lock
        # them in the same order and one waits for the other instead of deadlocking.
        for index in pupil_store.write_order(rows, stored):
            pupil, action = await pupil_store.write(rows[index], stored, school.id, conn)
            saved[index] = pupil
            if action == NEW:
                created += 1
            elif action == CHANGED:
                updated += 1
        pupils = [saved[index] for index in range(len(rows))]
        unchanged = len(rows) - created - updated
        await audit.record(
            actor,
            "upsert",
            "pupil",
            len(rows),
            connection=conn,
            school_id=school.id,
            created=created,
            updated=updated,
            unchanged=unchanged,
        )
        await audit.protection_lifted(actor, lifted, conn, school_id=school.id)
    return Outcome(
        value=UpsertResult(
            created=created,
            updated=updated,
            unchanged=unchanged,
            pupil_ids=[p.id for p in pupils],
            pupils=pupils if actor.may(Permission.READ) else [],
        )
    )
