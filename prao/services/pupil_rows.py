"""A pupil as the school's admin system describes her: one row of a class list or of an upsert,
and the checks every row passes before it is compared with what is stored and written
(prao.services.pupil_store), the same way for both ways in.

Protected identity is lifted only on purpose: a row that does not say (security_marking None: a
class list without the column, or with the cell empty) leaves a stored marking, and the e-mail it
protects, as they are; only an explicit "no" lifts it, and callers audit each lift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from prao.errors import DomainError, ErrorCode
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
    field: str  # the row's attribute, as DomainError.field names it
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
            "first_name": row.first_name,
            "last_name": row.last_name,
            "class_name": row.class_name,
            "external_id": row.external_id,
            "email": row.email,
            "guardian_email": row.guardian_email,
        }
    ):
        row.flag(error.field or "", error.message)
    row.first_name, row.last_name = clean_text(row.first_name), clean_text(row.last_name)
    row.class_name, row.external_id = clean_text(row.class_name), clean_text(row.external_id)
    row.email = clean_text(row.email).lower()
    row.guardian_email = clean_text(row.guardian_email).lower()
    _check_text(
        row, "first_name", row.first_name, NAME_LENGTH, "Förnamn saknas.", "Förnamnet är för långt."
    )
    _check_text(
        row,
        "last_name",
        row.last_name,
        NAME_LENGTH,
        "Efternamn saknas.",
        "Efternamnet är för långt.",
    )
    if len(row.class_name) > CLASS_LENGTH:
        row.flag("class_name", f"Klassnamnet är för långt (högst {CLASS_LENGTH} tecken).")
    if row.year_group is None:
        if not row.flagged("year_group"):  # a year the reader could not parse is flagged already
            row.flag("year_group", "Årskurs saknas.")
    elif not MIN_YEAR_GROUP <= row.year_group <= MAX_YEAR_GROUP:
        row.flag("year_group", year_group_problem())
    if row.email and (problem := email_problem(row.email, "Elevens e-post")):
        row.flag("email", problem)
    if row.guardian_email and (
        problem := email_problem(row.guardian_email, "Vårdnadshavarens e-post")
    ):
        row.flag("guardian_email", problem)
    _check_text(
        row, "external_id", row.external_id, ID_LENGTH, "Elev-ID saknas.", "Elev-ID är för långt."
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
    _mark(rows, "external_id", "external_id", "Elev-ID {} finns på flera rader.")
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
