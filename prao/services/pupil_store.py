"""Pupil rows against the database: what is stored for the rows' pupils, each row compared with
it (new, changed, unchanged; a sign-in address taken), and the writing of a row with its sign-in
account and guardian. Rows are keyed by (school, external id), so the same list sent twice
changes nothing.

A sign-in address already used in another organiser is answered like a new one, so no caller
learns who has an account elsewhere; the pupil keeps the address on her record but gets no
sign-in account of her own, since addresses are unique across Prao and another organiser's
account is never touched.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from prao import clock
from prao.errors import ErrorCode
from prao.models import Employer, Guardian, Pupil, Role, School, User
from prao.services.pupil_rows import CHANGED, EMAIL_TAKEN, NEW, UNCHANGED, PupilRow

CONFLICT = "Samma elever ändrades samtidigt av någon annan. Försök igen; ingenting sparades."


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


def write_order(rows: Sequence[PupilRow], stored: Stored) -> list[int]:
    """The rows' indexes in the order to write them: stored pupils by primary key, then new
    ones by external id. Every writer of a school's pupils takes its row locks (pupil, sign-in
    account, the unique keys of new rows) in this one order, so concurrent writers of the
    same pupils queue instead of deadlocking."""

    def key(index: int) -> tuple[int, int, str]:
        pupil = stored.pupils.get(rows[index].external_id)
        if pupil is not None:
            return (0, pupil.id, "")
        return (1, 0, rows[index].external_id)

    return sorted(range(len(rows)), key=key)


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
