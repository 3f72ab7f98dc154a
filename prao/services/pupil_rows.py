"""A pupil as the school's admin system describes her: one row of a class list or of an upsert.

Both ways in check a row, compare it with what is stored and write it the same way, so the same
list sent twice changes nothing. Rows are keyed by (school, external id).

Protected identity is lifted only on purpose: a row that does not say (security_marking None: a
class list without the column, or with the cell empty) leaves a stored marking, and the e-mail it
protects, as they are; only an explicit "no" lifts it, and callers audit each lift.

A sign-in address already used in another organiser is answered like a new one, so no caller
learns who has an account elsewhere; the pupil keeps the address on her record but gets no
sign-in account of her own, since addresses are unique across Prao and another organiser's
account is never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from tortoise.backends.base.client import BaseDBAsyncClient

from prao import clock
from prao.errors import DomainError, ErrorCode
from prao.models import Employer, Guardian, Pupil, Role, School, User
from prao.validation import character_errors, clean_text

NAME_LENGTH = 100
CLASS_LENGTH = 20
EMAIL_LENGTH = 254
ID_LENGTH = 100
MIN_YEAR_GROUP, MAX_YEAR_GROUP = 1, 10

# What a row does to the stored pupil; Swedish, since the class-list preview shows them.
NEW, CHANGED, UNCHANGED = "ny", "ändrad", "oförändrad"

EMAIL_TAKEN = "E-postadressen används redan av en annan person i Prao."


@dataclass(frozen=True)
class RowProblem:
    field: str  # the input field, as the API names it
    message: str
    code: ErrorCode = ErrorCode.INVALID


@dataclass(frozen=True)
class RowError(DomainError):
    """A problem with one row of a list, by its position (0-based)."""

    index: int | None = None


@dataclass
class PupilRow:
    first_name: str = ""
    last_name: str = ""
    class_name: str = ""
    year_group: int | None = None
    email: str = ""
    guardian_email: str = ""
    external_id: str = ""
    security_marking: bool | None = False  # None: the row does not say (keep what is stored)
    issues: list[RowProblem] = field(default_factory=list)
    action: str = ""  # NEW, CHANGED or UNCHANGED once compared with the database
    # Set by compare(): what the row does to a stored marking, for the preview and the audit.
    lifts_marking: bool = False
    sets_marking: bool = False
    keeps_marking: bool = False  # the row did not say; the stored marking and e-mail stay
    # The address belongs to someone in another organiser: stored, but no sign-in account.
    address_elsewhere: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def problems(self) -> list[str]:
        return [issue.message for issue in self.issues]

    def flag(self, field: str, message: str, code: ErrorCode = ErrorCode.INVALID) -> None:
        self.issues.append(RowProblem(field, message, code))

    def flagged(self, field: str) -> bool:
        return any(issue.field == field for issue in self.issues)

    def errors(self, index: int) -> list[RowError]:
        return [
            RowError(code=i.code, message=i.message, field=i.field, index=index)
            for i in self.issues
        ]


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


def check(row: PupilRow) -> None:
    """Normalise the row's text and flag every problem with its field."""
    for error in character_errors(
        {
            "firstName": row.first_name,
            "lastName": row.last_name,
            "className": row.class_name,
            "externalId": row.external_id,
            "email": row.email,
            "guardianEmail": row.guardian_email,
        }
    ):
        row.flag(error.field or "", error.message)
    row.first_name, row.last_name = clean_text(row.first_name), clean_text(row.last_name)
    row.class_name, row.external_id = clean_text(row.class_name), clean_text(row.external_id)
    row.email = clean_text(row.email).lower()
    row.guardian_email = clean_text(row.guardian_email).lower()
    _check_text(
        row, "firstName", row.first_name, NAME_LENGTH, "Förnamn saknas.", "Förnamnet är för långt."
    )
    _check_text(
        row,
        "lastName",
        row.last_name,
        NAME_LENGTH,
        "Efternamn saknas.",
        "Efternamnet är för långt.",
    )
    if len(row.class_name) > CLASS_LENGTH:
        row.flag("className", f"Klassnamnet är för långt (högst {CLASS_LENGTH} tecken).")
    if row.year_group is None:
        if not row.flagged("yearGroup"):  # a year the reader could not parse is flagged already
            row.flag("yearGroup", "Årskurs saknas.")
    elif not MIN_YEAR_GROUP <= row.year_group <= MAX_YEAR_GROUP:
        row.flag("yearGroup", year_group_problem())
    if row.email and (problem := email_problem(row.email, "Elevens e-post")):
        row.flag("email", problem)
    if row.guardian_email and (
        problem := email_problem(row.guardian_email, "Vårdnadshavarens e-post")
    ):
        row.flag("guardianEmail", problem)
    _check_text(
        row, "externalId", row.external_id, ID_LENGTH, "Elev-ID saknas.", "Elev-ID är för långt."
    )


def _check_text(
    row: PupilRow, field: str, value: str, limit: int, missing: str, too_long: str
) -> None:
    if not value:
        row.flag(field, missing)
    elif len(value) > limit:
        row.flag(field, too_long)


def year_group_problem() -> str:
    return f"Årskursen ska vara ett tal mellan {MIN_YEAR_GROUP} och {MAX_YEAR_GROUP}."


def mark_duplicates(rows: Sequence[PupilRow]) -> None:
    """The same pupil twice in one list, or two pupils sharing a sign-in address."""
    _mark(rows, "external_id", "externalId", "Elev-ID {} finns på flera rader.")
    _mark(rows, "email", "email", "E-postadressen {} finns på flera rader.")


def _mark(rows: Sequence[PupilRow], attr: str, field: str, message: str) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value = getattr(row, attr).lower()
        if value:
            seen[value] = seen.get(value, 0) + 1
    for row in rows:
        value = getattr(row, attr).lower()
        if value and seen[value] > 1:
            row.flag(field, message.format(getattr(row, attr)), ErrorCode.DUPLICATE)


@dataclass
class Stored:
    """What the database holds for the rows' pupils, read in a few queries."""

    organiser_id: int
    pupils: dict[str, Pupil]  # by external id
    guardian_emails: dict[int, set[str]]  # by pupil id
    users: dict[int, User]  # each pupil's first sign-in account, by pupil id


async def load(
    school_id: int,
    connection: BaseDBAsyncClient | None = None,
    external_ids: Collection[str] | None = None,
) -> Stored:
    """The school's pupils that have an external id (only the given ones, if any are given)."""
    school = await School.get(id=school_id, using_db=connection)
    query = Pupil.filter(school_id=school_id, external_id__isnull=False)
    if external_ids is not None:
        query = query.filter(external_id__in=list(external_ids))
    pupils = {p.external_id: p for p in await query.using_db(connection) if p.external_id}
    ids = [p.id for p in pupils.values()]
    guardian_emails: dict[int, set[str]] = {}
    users: dict[int, User] = {}
    if ids:
        for guardian in await Guardian.filter(pupil_id__in=ids).using_db(connection):
            if guardian.email:
                guardian_emails.setdefault(guardian.pupil_id, set()).add(guardian.email)
        for user in await User.filter(pupil_id__in=ids).using_db(connection).order_by("-id"):
            if user.pupil_id is not None:
                users[user.pupil_id] = user  # descending, so the first account wins
    return Stored(
        organiser_id=school.organiser_id,
        pupils=pupils,
        guardian_emails=guardian_emails,
        users=users,
    )


def keeps_protection(row: PupilRow, pupil: Pupil) -> bool:
    """The row is silent about a protected pupil: her marking and e-mail are left alone."""
    return row.security_marking is None and pupil.security_marking


def changes(row: PupilRow, pupil: Pupil) -> dict[str, object]:
    wanted: dict[str, object] = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "class_name": row.class_name,
        "year_group": row.year_group,
        "email": row.email or None,
        "security_marking": row.security_marking,
    }
    if row.security_marking is None:
        del wanted["security_marking"]
        if pupil.security_marking:
            del wanted["email"]
    return {k: v for k, v in wanted.items() if getattr(pupil, k) != v}


def _manages_account(row: PupilRow, pupil: Pupil | None) -> bool:
    """Whether the row's e-mail decides the pupil's own sign-in account."""
    return (
        bool(row.email)
        and not row.address_elsewhere
        and not (pupil is not None and keeps_protection(row, pupil))
    )


def _user_change(row: PupilRow, pupil: Pupil, user: User | None) -> bool:
    if not _manages_account(row, pupil):
        return False
    return user is None or user.email != row.email or user.name != row.name


def _guardian_new(row: PupilRow, pupil: Pupil, stored: Stored) -> bool:
    return bool(row.guardian_email) and row.guardian_email not in stored.guardian_emails.get(
        pupil.id, set()
    )


async def compare(
    rows: Sequence[PupilRow], stored: Stored, connection: BaseDBAsyncClient | None = None
) -> None:
    """Mark each row new, changed or unchanged; flag addresses that belong to someone else."""
    emails = [r.email for r in rows if r.email and not r.flagged("email")]
    owners = (
        {u.email.lower(): u for u in await User.filter(email__in=emails).using_db(connection)}
        if emails
        else {}
    )
    homes = await _organisers_of(list(owners.values()), connection)
    for row in rows:
        pupil = stored.pupils.get(row.external_id)
        if pupil is None:
            row.action = NEW
        else:
            row.keeps_marking = keeps_protection(row, pupil)
            row.lifts_marking = pupil.security_marking and row.security_marking is False
            row.sets_marking = not pupil.security_marking and row.security_marking is True
        owner = owners.get(row.email)
        row.address_elsewhere = False
        if owner is not None and (pupil is None or owner.pupil_id != pupil.id):
            if pupil is not None and row.keeps_marking:
                pass  # her e-mail stays as stored: the row's address is not used
            elif homes.get(owner.id) == stored.organiser_id:
                row.flag("email", EMAIL_TAKEN, ErrorCode.DUPLICATE)
            else:
                row.address_elsewhere = True
        if pupil is not None:
            changed = (
                bool(changes(row, pupil))
                or _user_change(row, pupil, stored.users.get(pupil.id))
                or _guardian_new(row, pupil, stored)
            )
            row.action = CHANGED if changed else UNCHANGED


async def _organisers_of(
    users: Sequence[User], connection: BaseDBAsyncClient | None
) -> dict[int, int | None]:
    """The organiser each account belongs to (by user id), whatever its role."""
    homes: dict[int, int | None] = {u.id: u.organiser_id for u in users}
    by_school = {u.id: u.school_id for u in users if u.school_id is not None}
    by_pupil = {u.id: u.pupil_id for u in users if u.pupil_id is not None}
    by_employer = {u.id: u.employer_id for u in users if u.employer_id is not None}
    if by_pupil:
        pupil_schools = dict(
            await Pupil.filter(id__in=list(by_pupil.values()))
            .using_db(connection)
            .values_list("id", "school_id")
        )
        by_school |= {uid: pupil_schools[pid] for uid, pid in by_pupil.items()}
    if by_school:
        school_orgs = dict(
            await School.filter(id__in=list(set(by_school.values())))
            .using_db(connection)
            .values_list("id", "organiser_id")
        )
        homes |= {uid: school_orgs[sid] for uid, sid in by_school.items()}
    if by_employer:
        employer_orgs = dict(
            await Employer.filter(id__in=list(set(by_employer.values())))
            .using_db(connection)
            .values_list("id", "organiser_id")
        )
        homes |= {uid: employer_orgs[eid] for uid, eid in by_employer.items()}
    return homes


def lifted(rows: Sequence[PupilRow], stored: Stored) -> list[int]:
    """Ids of the stored pupils whose protected identity the rows lift, for the audit."""
    found = (stored.pupils.get(row.external_id) for row in rows if row.security_marking is False)
    return sorted(p.id for p in found if p is not None and p.security_marking)


async def write(
    row: PupilRow, stored: Stored, school_id: int, connection: BaseDBAsyncClient
) -> tuple[Pupil, str]:
    """Create or update the row's pupil and contacts inside the caller's transaction; an
    unchanged pupil is not written at all, so her updated_at stays."""
    pupil = stored.pupils.get(row.external_id)
    if pupil is None:
        pupil = await Pupil.create(
            school_id=school_id,
            external_id=row.external_id,
            first_name=row.first_name,
            last_name=row.last_name,
            class_name=row.class_name,
            year_group=row.year_group,
            email=row.email or None,
            security_marking=bool(row.security_marking),
            using_db=connection,
        )
        await _write_contacts(row, pupil, stored, connection)
        return pupil, NEW
    wanted = changes(row, pupil)
    contacts = await _write_contacts(row, pupil, stored, connection)
    if not (wanted or contacts):
        return pupil, UNCHANGED
    # Stamped here, inside the transaction: sync readers page by updated_at.
    stamp = clock.now()
    await Pupil.filter(id=pupil.id).using_db(connection).update(**wanted, updated_at=stamp)
    for name, value in {**wanted, "updated_at": stamp}.items():
        setattr(pupil, name, value)
    return pupil, CHANGED


async def _write_contacts(
    row: PupilRow, pupil: Pupil, stored: Stored, connection: BaseDBAsyncClient
) -> bool:
    """Guardian by e-mail; the pupil's own sign-in account when the row gives her e-mail."""
    touched = False
    if _guardian_new(row, pupil, stored):
        await Guardian.create(pupil_id=pupil.id, email=row.guardian_email, using_db=connection)
        touched = True
    if _manages_account(row, pupil):
        user = stored.users.get(pupil.id)
        if user is None:
            await User.create(
                email=row.email,
                name=row.name,
                role=Role.PUPIL,
                pupil_id=pupil.id,
                using_db=connection,
            )
            touched = True
        elif user.email != row.email or user.name != row.name:
            await (
                User.filter(id=user.id).using_db(connection).update(email=row.email, name=row.name)
            )
            touched = True
    return touched
