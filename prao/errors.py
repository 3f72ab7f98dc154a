"""Expected outcomes of domain operations, returned as data (never raised to adapters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar


class ErrorCode(StrEnum):
    SLOT_FULL = "SLOT_FULL"
    ALREADY_BOOKED = "ALREADY_BOOKED"
    BOOKING_CLOSED = "BOOKING_CLOSED"
    DATES_DO_NOT_MATCH = "DATES_DO_NOT_MATCH"
    NOT_PUBLISHED = "NOT_PUBLISHED"
    NOT_VISIBLE = "NOT_VISIBLE"
    TOO_YOUNG = "TOO_YOUNG"
    CANCEL_DEADLINE_PASSED = "CANCEL_DEADLINE_PASSED"
    NOT_ACTIVE = "NOT_ACTIVE"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    HOURS_NOT_ALLOWED = "HOURS_NOT_ALLOWED"
    END_BEFORE_START = "END_BEFORE_START"
    CAPACITY_BELOW_TAKEN = "CAPACITY_BELOW_TAKEN"
    NOT_PENDING = "NOT_PENDING"
    LINK_USED = "LINK_USED"
    LINK_EXPIRED = "LINK_EXPIRED"
    TOO_MANY_WISHES = "TOO_MANY_WISHES"
    DUPLICATE = "DUPLICATE"
    STALE_PROPOSAL = "STALE_PROPOSAL"
    EMPLOYER_NOT_APPROVED = "EMPLOYER_NOT_APPROVED"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    ASSESSMENT_OUTDATED = "ASSESSMENT_OUTDATED"


# Swedish first: these texts reach pupils unchanged, in the web pages and the API payloads.
MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.SLOT_FULL: "Platsen är fullbokad.",
    ErrorCode.ALREADY_BOOKED: "Du har redan en bokning under den här praoperioden.",
    ErrorCode.BOOKING_CLOSED: "Bokningen är inte öppen för din praoperiod just nu.",
    ErrorCode.DATES_DO_NOT_MATCH: "Platsens datum passar inte din praoperiod.",
    ErrorCode.NOT_PUBLISHED: "Platsen är inte publicerad.",
    ErrorCode.NOT_VISIBLE: "Platsen är inte öppen för din skola.",
    ErrorCode.TOO_YOUNG: "Du är för ung för den här platsen.",
    ErrorCode.CANCEL_DEADLINE_PASSED: "Sista dag för avbokning har passerat.",
    ErrorCode.NOT_ACTIVE: "Bokningen är redan avbokad eller avslutad.",
    ErrorCode.FORBIDDEN: "Du har inte behörighet att göra det.",
    ErrorCode.NOT_FOUND: "Hittades inte.",
    ErrorCode.INVALID: "Ogiltig uppgift.",
    ErrorCode.HOURS_NOT_ALLOWED: "Tiderna följer inte reglerna för minderåriga.",
    ErrorCode.END_BEFORE_START: "Slutet måste komma efter början.",
    ErrorCode.CAPACITY_BELOW_TAKEN: "Antalet platser kan inte bli färre än de som redan är bokade.",
    ErrorCode.NOT_PENDING: "Bokningen väntar inte längre på beslut.",
    ErrorCode.LINK_USED: "Länken har redan använts.",
    ErrorCode.LINK_EXPIRED: "Länken har slutat gälla.",
    ErrorCode.TOO_MANY_WISHES: "Du har redan så många önskemål som perioden tillåter.",
    ErrorCode.DUPLICATE: "Den finns redan med.",
    ErrorCode.STALE_PROPOSAL: (
        "Uppgifterna har ändrats sedan förslaget togs fram. Kör fördelningen igen."
    ),
    ErrorCode.EMPLOYER_NOT_APPROVED: "Arbetsplatsen är inte godkänd av kommunen än.",
    ErrorCode.TOO_MANY_REQUESTS: (
        "Det har skickats för många e-postmeddelanden på kort tid. Vänta en stund och försök igen."
    ),
    ErrorCode.ASSESSMENT_OUTDATED: "Riskbedömningen har ändrats. Läs den nya versionen.",
}


@dataclass(frozen=True)
class DomainError:
    """`field` names what the error is about in the domain's own words: the snake_case name of
    the attribute or argument (`slot_id`, `day_starts_at`). Each adapter maps it to its own
    names in one place (GraphQL camelCase, the web form's field names)."""

    code: ErrorCode
    message: str
    field: str | None = None

    @classmethod
    def of(
        cls, code: ErrorCode, field: str | None = None, message: str | None = None
    ) -> DomainError:
        return cls(code=code, message=message or MESSAGES[code], field=field)


T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """The result of a domain command: the value, or the errors that explain why not."""

    value: T | None = None
    errors: list[DomainError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def fail(
        cls, code: ErrorCode, field: str | None = None, message: str | None = None
    ) -> Outcome[T]:
        return cls(errors=[DomainError.of(code, field, message)])


class Refused(Exception):
    """Raised inside a transaction to roll it back; turned into an Outcome by the caller."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error
