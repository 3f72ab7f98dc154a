"""Class lists from the school's admin system: upload a CSV, preview every row's problem, confirm.

Rows are keyed by (school, external id): importing the same file twice changes nothing, and a
pupil missing from a later file is listed for the coordinator, never deleted. Checking, comparing
and writing a row is shared with the API's upsertPupils (prao.services.pupil_rows, pupil_store).

Protected identity (skyddad identitet) is lifted only on purpose. A file without the column, or a
row whose cell is empty, says nothing about it: a new pupil is not protected, a protected one stays
protected and keeps her stored e-mail (many systems leave a protected pupil's contact cells blank;
an empty cell is not a decision). Only "Nej" in the column lifts a marking; the preview warns about
each such row and the confirmed import audits the lift.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.db import WriteConflict, retry_on_conflict
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import ClassListImport, Pupil
from prao.services import pupil_store
from prao.services.class_list_file import ImportRow, decode, parse
from prao.services.periods import may_manage
from prao.services.pupil_rows import CHANGED, NEW
from prao.services.pupil_store import CONFLICT
from prao.validation import clean_text, valid_id

MAX_FILE_BYTES = 2_000_000


@dataclass
class ImportPreview:
    import_id: int
    filename: str
    rows: list[ImportRow]
    file_problems: list[str]
    missing: list[Pupil]  # in the school (same year groups) but not in the file
    applied: bool = False

    @property
    def problem_count(self) -> int:
        """Every problem, not every row with one: a row can have several to fix."""
        return len(self.file_problems) + sum(len(r.issues) for r in self.rows)

    @property
    def problem_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if r.issues]

    @property
    def can_confirm(self) -> bool:
        return not self.applied and self.problem_count == 0 and bool(self.rows)

    def count(self, action: str) -> int:
        """Rows that would do `action`; a row with a problem does nothing until it is fixed."""
        return sum(1 for r in self.rows if r.action == action and not r.issues)

    @property
    def lifting(self) -> list[ImportRow]:
        """Rows whose "Nej" lifts a stored protected identity: shown as their own warning."""
        return [r for r in self.rows if r.lifts_marking]

    @property
    def lift_warning(self) -> str | None:
        rows = self.lifting
        if not rows:
            return None
        pupils = "elev" if len(rows) == 1 else "elever"
        lines = ", ".join(str(r.line) for r in rows)
        return (
            f"Observera: skyddad identitet tas bort för {len(rows)} {pupils} "
            f"(rad {lines}). Filen säger Nej i kolumnen Skyddad identitet. Läs bara in listan "
            "om skyddet verkligen har upphört."
        )


async def _compare(school_id: int, rows: list[ImportRow]) -> list[Pupil]:
    """Mark each row new / changed / unchanged, flag e-mail clashes; the missing pupils."""
    stored = await pupil_store.load(school_id)
    await pupil_store.compare(rows, stored)
    existing = stored.pupils
    # A list of one class is compared with that class, not with the whole year group.
    years = {r.year_group for r in rows if r.year_group is not None}
    classes = {r.class_name for r in rows if r.class_name}
    in_file = {r.external_id for r in rows}
    missing = sorted(
        (
            p
            for k, p in existing.items()
            if k not in in_file
            and p.year_group in years
            and (not classes or p.class_name in classes)
        ),
        key=lambda p: (p.class_name, p.last_name, p.first_name, p.id),
    )
    return missing


async def upload(actor: Actor, filename: str, data: bytes) -> Outcome[ImportPreview]:
    """Keep the file for the preview; nothing about any pupil is saved yet."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not may_manage(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    if not data:
        return Outcome.fail(ErrorCode.INVALID, "file", "Välj en CSV-fil att läsa in.")
    if len(data) > MAX_FILE_BYTES:
        return Outcome.fail(ErrorCode.INVALID, "file", "Filen är för stor (högst 2 MB).")
    text = decode(data).replace("\x00", "")
    record = await ClassListImport.create(
        school_id=actor.school_id,
        uploaded_by=actor.label,
        filename=clean_text(filename, 255),
        content=text,
    )
    return await preview(actor, record.id)


async def _own_import(actor: Actor, import_id: int) -> ClassListImport | DomainError:
    if not may_manage(actor):
        return DomainError.of(ErrorCode.FORBIDDEN)
    record = (
        await ClassListImport.get_or_none(id=import_id, school_id=actor.school_id)
        if valid_id(import_id)
        else None
    )
    if record is None:
        return DomainError.of(ErrorCode.NOT_FOUND, "import_id", "Inläsningen finns inte.")
    return record


async def preview(actor: Actor, import_id: int) -> Outcome[ImportPreview]:
    record = await _own_import(actor, import_id)
    if isinstance(record, DomainError):
        return Outcome(errors=[record])
    rows, file_problems = parse(record.content)
    missing = await _compare(record.school_id, rows)
    await audit.pupils_read(actor, len(rows) + len(missing), view="class-list-preview")
    return Outcome(
        value=ImportPreview(
            import_id=record.id,
            filename=record.filename,
            rows=rows,
            file_problems=file_problems,
            missing=missing,
            applied=record.applied_at is not None,
        )
    )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    missing: list[Pupil]


async def confirm(actor: Actor, import_id: int) -> Outcome[ImportResult]:
    """Write the previewed rows in one transaction, only if every row is without problems."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    found = await preview(actor, import_id)
    if not found.ok or found.value is None:
        return Outcome(errors=found.errors)
    checked = found.value
    if checked.applied:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "import_id", "Listan är redan inläst.")
    if not checked.can_confirm:
        return Outcome.fail(
            ErrorCode.INVALID,
            "import_id",
            "Listan har fel. Rätta filen och läs in den igen; ingenting sparades.",
        )
    now = clock.now()
    school_id = actor.school_id
    assert school_id is not None

    async def save() -> tuple[int, int] | None:
        created = updated = 0
        async with in_transaction() as conn:
            # Claim the import first, so a double-clicked confirmation writes once.
            claimed = (
                await ClassListImport.filter(id=import_id, applied_at__isnull=True)
                .using_db(conn)
                .update(applied_at=now)
            )
            if not claimed:
                return None
            stored = await pupil_store.load(school_id, conn)
            lifted = pupil_store.lifted(checked.rows, stored)
            # In the order every writer of pupils uses, so concurrent writers cannot deadlock.
            for index in pupil_store.write_order(checked.rows, stored):
                _, action = await pupil_store.write(checked.rows[index], stored, school_id, conn)
                if action == NEW:
                    created += 1
                elif action == CHANGED:
                    updated += 1
            await audit.record(
                actor,
                "import",
                "pupil",
                len(checked.rows),
                connection=conn,
                import_id=import_id,
                created=created,
                updated=updated,
            )
            await audit.protection_lifted(actor, lifted, conn, import_id=import_id)
        return created, updated

    try:
        counts = await retry_on_conflict(save)
    except WriteConflict:
        return Outcome.fail(ErrorCode.DUPLICATE, "import_id", CONFLICT)
    if counts is None:
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "import_id", "Listan är redan inläst.")
    created, updated = counts
    return Outcome(
        value=ImportResult(
            created=created,
            updated=updated,
            unchanged=len(checked.rows) - created - updated,
            missing=checked.missing,
        )
    )
