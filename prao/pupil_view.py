"""The one rule for what a reader may see of a pupil (DESIGN.md §7), and the audit of the read.

Every adapter (GraphQL types and loaders, web pages, e-mails, the placement card, exports,
allocation pages) shows a pupil only through a `PupilView` made here; a field that is None is
one this reader may not see. Employers see a booked pupil's first name, school and year group;
of a pupil with protected identity the first name only. Protected pupils are never exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from prao import audit
from prao.actor import Actor
from prao.models import Pupil, Role, School


class Reader(StrEnum):
    """Who reads, as far as a pupil's data is concerned."""

    SELF = "self"  # the pupil herself
    STAFF = "staff"  # her school's or organiser's staff and tokens
    GUARDIAN = "guardian"  # a guardian, in a message to them
    EMPLOYER = "employer"  # the workplace: signed in, or in a message to it
    OTHER = "other"  # anyone else: the first name only, like the least trusted reader


@dataclass(frozen=True)
class PupilView:
    """What one reader may see of one pupil; None where they may not."""

    id: int
    first_name: str
    last_name: str | None = None
    year_group: int | None = None
    class_name: str | None = None
    email: str | None = None
    external_id: str | None = None
    updated_at: datetime | None = None
    protected: bool | None = None  # only readers who see everything learn of the marking
    school_id: int | None = None
    school_name: str | None = None  # None also when the school row was not at hand
    school_email: str | None = None
    # Her personal data is erased (a tombstone): every reader may know it, nothing is left.
    erased: bool = False

    @property
    def name(self) -> str:
        """Full name where the reader may see it, else the first name."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def sees_school(self) -> bool:
        return self.school_id is not None


class PupilRef(Protocol):
    """What telling the kind of reader reads of a pupil."""

    @property
    def id(self) -> int: ...
    @property
    def school_id(self) -> int: ...


class PupilFacts(PupilRef, Protocol):
    """What the rule reads of a pupil: a Pupil, or a list page's row of the same columns."""

    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def year_group(self) -> int: ...
    @property
    def class_name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def security_marking(self) -> bool: ...
    @property
    def erased_at(self) -> datetime | None: ...


class SchoolRef(Protocol):
    """What telling the kind of reader reads of the pupil's school."""

    @property
    def organiser_id(self) -> int: ...


class SchoolFacts(SchoolRef, Protocol):
    """What the rule reads of the pupil's school."""

    @property
    def name(self) -> str: ...
    @property
    def contact_email(self) -> str | None: ...


def _school_of(pupil: PupilRef, school: SchoolFacts | None) -> SchoolFacts | None:
    """The pupil's school if the caller passed it or select_related fetched it (never a query)."""
    if school is not None:
        return school
    fetched = getattr(pupil, "__dict__", {}).get("_school")
    return fetched if isinstance(fetched, School) else None


def reader_of(actor: Actor, pupil: PupilRef, school: SchoolRef | None = None) -> Reader:
    """The kind of reader this actor is for this pupil."""
    if actor.is_pupil:
        return Reader.SELF if actor.pupil_id == pupil.id else Reader.OTHER
    if actor.is_school_staff:
        if actor.school_id is not None:
            return Reader.STAFF if actor.school_id == pupil.school_id else Reader.OTHER
        known = school if school is not None else _school_of(pupil, None)
        if actor.organiser_id is None or (known and known.organiser_id != actor.organiser_id):
            return Reader.OTHER
        # Organiser-wide staff reached the pupil through policy's organiser scope.
        return Reader.STAFF
    if actor.role is Role.EMPLOYER:
        return Reader.EMPLOYER
    return Reader.OTHER


# The PupilView fields a reader may see beyond the id and the first name; "school" stands for
# the school's id, name and e-mail.
EVERYTHING = frozenset(
    {
        "last_name",
        "year_group",
        "class_name",
        "email",
        "external_id",
        "updated_at",
        "protected",
        "school",
    }
)
WORKPLACE = frozenset({"year_group", "school"})
FIRST_NAME_ONLY: frozenset[str] = frozenset()


def shown(reader: Reader, protected: bool) -> frozenset[str]:
    """The rule itself: what this kind of reader sees of a pupil (`protected`: one with
    protected identity), beyond her id and first name."""
    if reader in (Reader.SELF, Reader.STAFF, Reader.GUARDIAN):
        return EVERYTHING
    if reader is Reader.EMPLOYER and not protected:
        return WORKPLACE
    return FIRST_NAME_ONLY


def view_as(reader: Reader, pupil: PupilFacts, school: SchoolFacts | None = None) -> PupilView:
    """The view `shown` allows a kind of reader; no audit (e-mails are recorded in the
    outbox)."""
    sees = shown(reader, pupil.security_marking)
    erased = pupil.erased_at is not None
    if not sees:
        return PupilView(id=pupil.id, first_name=pupil.first_name, erased=erased)
    known = _school_of(pupil, school) if "school" in sees else None
    return PupilView(
        id=pupil.id,
        first_name=pupil.first_name,
        last_name=pupil.last_name if "last_name" in sees else None,
        year_group=pupil.year_group if "year_group" in sees else None,
        class_name=pupil.class_name if "class_name" in sees else None,
        email=pupil.email if "email" in sees else None,
        external_id=pupil.external_id if "external_id" in sees else None,
        updated_at=pupil.updated_at if "updated_at" in sees else None,
        protected=pupil.security_marking if "protected" in sees else None,
        school_id=pupil.school_id if "school" in sees else None,
        school_name=known.name if known else None,
        school_email=known.contact_email if known else None,
        erased=erased,
    )


def workplace_view(pupil: Pupil, school: School | None = None) -> PupilView:
    """The pupil as a message to a workplace may name her."""
    return view_as(Reader.EMPLOYER, pupil, school)


def see(actor: Actor, pupil: PupilFacts, school: SchoolFacts | None = None) -> PupilView:
    """The view without the audit, for callers that audit the whole read once themselves
    through `audit_read` (a page built row by row)."""
    return view_as(reader_of(actor, pupil, school), pupil, school)


async def audit_read(
    actor: Actor,
    count: int,
    *,
    purpose: str,
    connection: BaseDBAsyncClient | None = None,
    **detail: Any,
) -> None:
    """One audit event for a read of `count` pupils (a pupil reading herself is not audited)."""
    await audit.pupils_read(actor, count, connection=connection, view=purpose, **detail)


async def pupil_views(
    actor: Actor,
    pupils: Sequence[PupilFacts],
    *,
    purpose: str,
    connection: BaseDBAsyncClient | None = None,
    **detail: Any,
) -> list[PupilView]:
    """What `actor` may see of each pupil, in order; one audit event for the whole list."""
    views = [see(actor, pupil) for pupil in pupils]
    await audit_read(actor, len(views), purpose=purpose, connection=connection, **detail)
    return views


async def pupil_view(
    actor: Actor,
    pupil: Pupil,
    *,
    purpose: str,
    school: School | None = None,
    connection: BaseDBAsyncClient | None = None,
    **detail: Any,
) -> PupilView:
    """What `actor` may see of this pupil; the read is audited."""
    view = see(actor, pupil, school)
    await audit_read(actor, 1, purpose=purpose, connection=connection, **detail)
    return view


async def export_views(
    actor: Actor, pupils: Sequence[Pupil], **detail: Any
) -> tuple[list[PupilView], int]:
    """The pupils an export may list, as the actor sees them, and how many were left out:
    pupils with protected identity never appear in an export. Audited as one export."""
    listed = [pupil for pupil in pupils if pupil.erased_at is None]  # nothing left to export
    shown = [see(actor, pupil) for pupil in listed if not pupil.security_marking]
    await audit.record(actor, "export", "pupil", len(shown), **detail)
    return shown, len(listed) - len(shown)
