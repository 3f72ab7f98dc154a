"""Class lists from the school's admin system: upload a CSV, preview every row's problem, confirm.

Rows are keyed by (school, external id): importing the same file twice changes nothing, and a
pupil missing from a later file is listed for the coordinator, never deleted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import audit, clock
from prao.actor import Actor
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import ClassListImport, Guardian, Pupil, Role, User
from prao.services.periods import may_manage
from prao.validation import clean_text, valid_id

MAX_FILE_BYTES = 2_000_000
MAX_ROWS = 5000
NAME_LENGTH = 100
CLASS_LENGTH = 20
EMAIL_LENGTH = 254
ID_LENGTH = 100

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
NO = {"", "nej", "n", "no", "0", "falskt", "false"}


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


def email_problem(value: str, label: str) -> str | None:
    local, at, domain = value.partition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or len(value) > EMAIL_LENGTH
        or any(c.isspace() for c in value)
        or "@" in domain
    ):
        return f"{label} ser inte ut som en e-postadress."
    return None


@dataclass
class ImportRow:
    line: int
    first_name: str = ""
    last_name: str = ""
    class_name: str = ""
    year_group: int | None = None
    email: str = ""
    guardian_email: str = ""
    external_id: str = ""
    security_marking: bool = False
    problems: list[str] = field(default_factory=list)
    action: str = ""  # "ny", "ändrad", "oförändrad" once compared with the database

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


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
    if not row.first_name:
        row.problems.append("Förnamn saknas.")
    if not row.last_name:
        row.problems.append("Efternamn saknas.")
    if len(row.first_name) > NAME_LENGTH or len(row.last_name) > NAME_LENGTH:
        row.problems.append("Namnet är för långt.")
    _check_rest(row, cell)
    return row


def _check_rest(row: ImportRow, cell: Callable[[str], str]) -> None:
    row.class_name = cell("class_name")
    if len(row.class_name) > CLASS_LENGTH:
        row.problems.append("Klassnamnet är för långt (högst 20 tecken).")
    year = cell("year_group").lower().removeprefix("åk").strip()
    if year.isdigit() and 1 <= int(year) <= 10:
        row.year_group = int(year)
    else:
        row.problems.append(
            "Årskursen ska vara ett tal mellan 1 och 10." if year else "Årskurs saknas."
        )
    row.email = cell("email").lower()
    if row.email and (problem := email_problem(row.email, "Elevens e-post")):
        row.problems.append(problem)
    row.guardian_email = cell("guardian_email").lower()
    if row.guardian_email and (
        problem := email_problem(row.guardian_email, "Vårdnadshavarens e-post")
    ):
        row.problems.append(problem)
    row.external_id = cell("external_id")
    if not row.external_id:
        row.problems.append("Elev-ID saknas.")
    elif len(row.external_id) > ID_LENGTH:
        row.problems.append("Elev-ID är för långt.")
    marking = cell("security_marking").lower()
    if marking in YES:
        row.security_marking = True
    elif marking not in NO:
        row.problems.append("Skyddad identitet: skriv Ja eller Nej.")


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
    _mark_duplicates(rows, "external_id", "Elev-ID {} finns på flera rader.")
    _mark_duplicates(rows, "email", "E-postadressen {} finns på flera rader.")
    return rows, []


def _mark_duplicates(rows: list[ImportRow], attr: str, message: str) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value = getattr(row, attr).lower()
        if value:
            seen[value] = seen.get(value, 0) + 1
    for row in rows:
        value = getattr(row, attr).lower()
        if value and seen[value] > 1:
            row.problems.append(message.format(getattr(row, attr)))


def _changes(row: ImportRow, pupil: Pupil) -> dict[str, object]:
    wanted: dict[str, object] = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "class_name": row.class_name,
        "year_group": row.year_group,
        "email": row.email or None,
        "security_marking": row.security_marking,
    }
    return {k: v for k, v in wanted.items() if getattr(pupil, k) != v}


async def _compare(school_id: int, rows: list[ImportRow]) -> tuple[dict[str, Pupil], list[Pupil]]:
    """Mark each row new / changed / unchanged; find e-mail clashes and missing pupils."""
    existing = {
        p.external_id: p
        for p in await Pupil.filter(school_id=school_id, external_id__isnull=False)
        if p.external_id
    }
    emails = [r.email for r in rows if r.email]
    owners = {u.email.lower(): u for u in (await User.filter(email__in=emails) if emails else [])}
    for row in rows:
        pupil = existing.get(row.external_id)
        if pupil is None:
            row.action = "ny"
        else:
            changed = _changes(row, pupil) or await _user_change(row, pupil)
            guardian_new = row.guardian_email and not await Guardian.exists(
                pupil_id=pupil.id, email=row.guardian_email
            )
            row.action = "ändrad" if changed or guardian_new else "oförändrad"
        owner = owners.get(row.email)
        if owner is not None and (pupil is None or owner.pupil_id != pupil.id):
            row.problems.append("E-postadressen används redan av en annan person i Prao.")
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
    return existing, missing


async def _user_change(row: ImportRow, pupil: Pupil) -> bool:
    if not row.email:
        return False
    user = await User.filter(pupil_id=pupil.id).order_by("id").first()
    return user is None or user.email != row.email or user.name != row.name


async def upload(actor: Actor, filename: str, data: bytes) -> Outcome[ImportPreview]:
    """Keep the file for the preview; nothing about any pupil is saved yet."""
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
    _, missing = await _compare(record.school_id, rows)
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
        existing = {
            p.external_id: p
            for p in await Pupil.filter(school_id=school_id, external_id__isnull=False).using_db(
                conn
            )
        }
        for row in checked.rows:
            pupil = existing.get(row.external_id)
            if pupil is None:
                pupil = await Pupil.create(
                    school_id=school_id,
                    external_id=row.external_id,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    class_name=row.class_name,
                    year_group=row.year_group,
                    email=row.email or None,
                    security_marking=row.security_marking,
                    using_db=conn,
                )
                created += 1
                touched = True
            else:
                changes = _changes(row, pupil)
                if changes:
                    await (
                        Pupil.filter(id=pupil.id)
                        .using_db(conn)
                        .update(**changes, updated_at=clock.now())
                    )
                touched = bool(changes)
            touched = await _upsert_contacts(row, pupil, conn) or touched
            if touched and row.action != "ny":
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
    return Outcome(
        value=ImportResult(
            created=created,
            updated=updated,
            unchanged=len(checked.rows) - created - updated,
            missing=checked.missing,
        )
    )


async def _upsert_contacts(row: ImportRow, pupil: Pupil, conn: BaseDBAsyncClient) -> bool:
    """Guardian by e-mail; the pupil's own sign-in account when the list gives her e-mail."""
    touched = False
    guardians = Guardian.filter(pupil_id=pupil.id, email=row.guardian_email).using_db(conn)
    if row.guardian_email and not await guardians.exists():
        await Guardian.create(pupil_id=pupil.id, email=row.guardian_email, using_db=conn)
        touched = True
    if row.email:
        user = await User.filter(pupil_id=pupil.id).using_db(conn).order_by("id").first()
        if user is None:
            await User.create(
                email=row.email, name=row.name, role=Role.PUPIL, pupil_id=pupil.id, using_db=conn
            )
            touched = True
        elif user.email != row.email or user.name != row.name:
            await User.filter(id=user.id).using_db(conn).update(email=row.email, name=row.name)
            touched = True
    return touched
