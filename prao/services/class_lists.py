"""Class lists from the school's admin system: upload a CSV, preview every row's problem, confirm.

Rows are keyed by (school, external id): importing the same file twice changes nothing, and a
pupil missing from a later file is listed for the coordinator, never deleted. Checking, comparing
and writing a row is shared with the API's upsertPupils (prao.services.pupil_rows).

Protected identity (skyddad identitet) is lifted only on purpose. A file without the column, or a
row whose cell is empty, says nothing about it: a new pupil is not protected, a protected one stays
protected and keeps her stored e-mail (many systems leave a protected pupil's contact cells blank;
an empty cell is not a decision). Only "Nej" in the column lifts a marking; the preview warns about
each such row and the confirmed import audits the lift.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import ClassListImport, Pupil
from prao.services import pupil_rows
from prao.services.periods import may_manage
from prao.services.pupil_rows import CHANGED, NEW, PupilRow
from prao.validation import clean_text, valid_id

MAX_FILE_BYTES = 2_000_000
MAX_ROWS = 5000

# Header names as school systems and people write them, compared after _key().
HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": ("fornamn", "tilltalsnamn", "firstname", "givenname", "first"),
    "last_name": ("efternamn", "lastname", "surname", "familyname", "last"),
    "full_name": ("namn", "name", "elev", "elevnamn", "fullname", "elevensnamn"),
    "class_name": ("klass", "class", "klassnamn", "grupp", "classname"),
    "year_group": ("arskurs", "ak", "year", "yeargroup", "grade", "arskursnummer"),
    "email": ("epost", "email", "mejl", "mail", "elevensepost", "elevepost", "epostadress"),
    "guardian_email": (
        "vardnadshavaresepost",
        "vardnadshavareepost",
        "vardnadshavaresmejl",
        "vhepost",
        "guardianemail",
        "parentemail",
        "foraldersepost",
    ),
    "external_id": ("elevid", "id", "externalid", "externtid", "personid", "studentid", "elevnr"),
    "security_marking": (
        "skyddadidentitet",
        "skyddadepersonuppgifter",
        "sekretessmarkering",
        "securitymarking",
        "protectedidentity",
        "skyddad",
    ),
}
YES = {"ja", "j", "yes", "y", "1", "x", "sant", "true"}
NO = {"nej", "n", "no", "0", "falskt", "false"}


def _key(header: str) -> str:
    folded = header.strip().lower().translate(str.maketrans("åäöéü", "aaoeu"))
    return re.sub(r"[^a-z0-9]", "", folded)


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1252 (what Excel writes on Swedish Windows)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


@dataclass
class ImportRow(PupilRow):
    line: int = 0  # in the file, for the preview


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
        return len(self.file_problems) + sum(1 for r in self.rows if r.problems)

    @property
    def can_confirm(self) -> bool:
        return not self.applied and self.problem_count == 0 and bool(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

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


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _key(name)
        for column, names in HEADERS.items():
            if key in names and column not in columns:
                columns[column] = index
    problems = []
    if not ({"first_name", "last_name"} <= columns.keys() or "full_name" in columns):
        problems.append("Kolumner för namn saknas (Förnamn och Efternamn, eller Namn).")
    if "year_group" not in columns:
        problems.append("Kolumnen Årskurs saknas.")
    if "external_id" not in columns:
        problems.append("Kolumnen Elev-ID saknas: den behövs för att känna igen eleven nästa gång.")
    return columns, problems


def _cell(values: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    if index is None or index >= len(values):
        return ""
    return clean_text(values[index])


def _split_name(full: str) -> tuple[str, str]:
    """ "Efternamn, Förnamn" as many systems export it, else the last word is the surname."""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return (first, last) if first else (last, "")


def _row(line: int, values: list[str], columns: dict[str, int]) -> ImportRow:
    row = ImportRow(line=line)
    cell = lambda column: _cell(values, columns, column)  # noqa: E731
    row.first_name, row.last_name = cell("first_name"), cell("last_name")
    if not (row.first_name or row.last_name) and "full_name" in columns:
        row.first_name, row.last_name = _split_name(cell("full_name"))
    _read_rest(row, cell)
    pupil_rows.check(row)
    return row


def _read_rest(row: ImportRow, cell: Callable[[str], str]) -> None:
    """The columns whose text is read here; pupil_rows.check() judges the values."""
    row.class_name = cell("class_name")
    year = cell("year_group").lower().removeprefix("åk").strip()
    if year.isdecimal() and len(year) <= 2:
        row.year_group = int(year)
    elif year:
        row.flag("yearGroup", pupil_rows.year_group_problem())
    row.email = cell("email")
    row.guardian_email = cell("guardian_email")
    row.external_id = cell("external_id")
    marking = cell("security_marking").lower()
    if not marking:  # no column, or an empty cell: the file does not say
        row.security_marking = None
    elif marking in YES:
        row.security_marking = True
    elif marking in NO:
        row.security_marking = False
    else:
        row.flag("securityMarking", "Skyddad identitet: skriv Ja eller Nej.")


def parse(text: str) -> tuple[list[ImportRow], list[str]]:
    """The rows with their own problems, and problems with the file as a whole."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return [], ["Filen är tom."]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        lines = [(reader.line_num, values) for values in reader]
    except csv.Error:
        return [], ["Filen kunde inte läsas som CSV."]
    columns, problems = _columns(lines[0][1])
    if problems:
        return [], problems
    body = [(n, v) for n, v in lines[1:] if any(c.strip() for c in v)]
    if not body:
        return [], ["Filen har inga elever, bara rubrikraden."]
    if len(body) > MAX_ROWS:
        return [], [f"Filen har fler än {MAX_ROWS} elever. Dela upp den."]
    rows = [_row(n, v, columns) for n, v in body]
    pupil_rows.mark_duplicates(rows)
    return rows, []


async def _compare(school_id: int, rows: list[ImportRow]) -> list[Pupil]:
    """Mark each row new / changed / unchanged, flag e-mail clashes; the missing pupils."""
    stored = await pupil_rows.load(school_id)
    await pupil_rows.compare(rows, stored)
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
        return DomainError.of(ErrorCode.NOT_FOUND, "importId", "Inläsningen finns inte.")
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
        return Outcome.fail(ErrorCode.NOT_ACTIVE, "importId", "Listan är redan inläst.")
    if not checked.can_confirm:
        return Outcome.fail(
            ErrorCode.INVALID,
            "importId",
            "Listan har fel. Rätta filen och läs in den igen; ingenting sparades.",
        )
    now = clock.now()
    school_id = actor.school_id
    assert school_id is not None
    created = updated = 0
    async with in_transaction() as conn:
        # Claim the import first, so a double-clicked confirmation writes once.
        claimed = (
            await ClassListImport.filter(id=import_id, applied_at__isnull=True)
            .using_db(conn)
            .update(applied_at=now)
        )
        if not claimed:
            return Outcome.fail(ErrorCode.NOT_ACTIVE, "importId", "Listan är redan inläst.")
        stored = await pupil_rows.load(school_id, conn)
        lifted = pupil_rows.lifted(checked.rows, stored)
        for row in checked.rows:
            _, action = await pupil_rows.write(row, stored, school_id, conn)
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
    return Outcome(
        value=ImportResult(
            created=created,
            updated=updated,
            unchanged=len(checked.rows) - created - updated,
            missing=checked.missing,
        )
    )
