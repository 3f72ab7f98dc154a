"""What an employer fills in for a slot's risk assessment, and the rules it must follow: a draft
may be incomplete but never unstorable; a submitted version must be complete. Every refusal
names its field (`hazard_<code>` for a checklist answer, `hazard_<code>_measure` for its
measure), so a form shows it beside that field."""

from __future__ import annotations

from dataclasses import dataclass, field

from prao import hazards as checklist
from prao.errors import DomainError, ErrorCode
from prao.models import RiskAssessment
from prao.services.employers import email_refusal
from prao.validation import clean_text, column_length, text_problem

MAX_TEXT = 5000  # tasks, clothing, lunch (text columns)
MAX_YEARS = 80
PHONE_CHARACTERS = frozenset("0123456789 +-()")
MIN_PHONE_DIGITS = 6

# The short text fields and what a missing one is called ("Skriv …").
REQUIRED = {
    "tasks": "vad eleven ska göra",
    "supervisor_name": "handledarens namn",
    "supervisor_phone": "handledarens telefonnummer",
    "supervisor_email": "handledarens e-postadress",
    "meeting_place": "var eleven ska möta upp första dagen",
    "ask_for": "vem eleven ska fråga efter",
    "emergency_name": "vem skolan kontaktar vid en nödsituation",
    "emergency_phone": "telefonnummer vid en nödsituation",
}
OPTIONAL = ("clothing", "lunch")
TEXT_FIELDS = (*REQUIRED, *OPTIONAL)
_TEXT_COLUMNS = frozenset({"tasks", "clothing", "lunch"})


@dataclass
class HazardAnswer:
    present: bool | None = None  # None: not answered yet
    measure: str = ""


@dataclass
class AssessmentInput:
    tasks: str = ""
    hazards: dict[str, HazardAnswer] = field(default_factory=dict)
    supervisor_name: str = ""
    supervisor_phone: str = ""
    supervisor_email: str = ""
    supervisor_years: int | None = None
    meeting_place: str = ""
    ask_for: str = ""
    clothing: str = ""
    lunch: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""

    @classmethod
    def of(cls, row: RiskAssessment) -> AssessmentInput:
        """A stored version as its form shows it (a draft's unanswered questions stay so)."""
        answers = {
            code: HazardAnswer(
                given.get("present") if isinstance(given.get("present"), bool) else None,  # type: ignore[arg-type]
                str(given.get("measure") or ""),
            )
            for code, given in (row.hazards or {}).items()
            if code in checklist.BY_CODE and isinstance(given, dict)
        }
        values = {name: getattr(row, name) for name in TEXT_FIELDS}
        return cls(hazards=answers, supervisor_years=row.supervisor_years, **values)

    def answers(self) -> dict[str, checklist.Answer]:
        """The checklist as prao.hazards reads it: an unanswered question counts as "no"."""
        return {
            h.code: checklist.Answer(
                bool(self.answer(h.code).present), clean_text(self.answer(h.code).measure)
            )
            for h in checklist.HAZARDS
        }

    def answer(self, code: str) -> HazardAnswer:
        return self.hazards.get(code) or HazardAnswer()

    def texts(self) -> dict[str, str]:
        found = {name: getattr(self, name) for name in TEXT_FIELDS}
        for code, answer in self.hazards.items():
            found[f"hazard_{code}_measure"] = answer.measure
        return found


def limit(name: str) -> int:
    return MAX_TEXT if name in _TEXT_COLUMNS else column_length(RiskAssessment, name)


def storable_errors(data: AssessmentInput) -> list[DomainError]:
    """What no draft may hold either: unstorable characters, over-long text, unknown hazards."""
    errors: list[DomainError] = []
    for name in TEXT_FIELDS:
        if problem := text_problem(getattr(data, name), limit(name)):
            errors.append(DomainError.of(ErrorCode.INVALID, name, problem))
    for code, answer in data.hazards.items():
        if code not in checklist.BY_CODE:
            errors.append(DomainError.of(ErrorCode.INVALID, "hazards", "Okänd fråga."))
        elif problem := text_problem(answer.measure, checklist.MEASURE_MAX):
            errors.append(DomainError.of(ErrorCode.INVALID, f"hazard_{code}_measure", problem))
    years = data.supervisor_years
    if years is not None and not 0 <= years <= MAX_YEARS:
        errors.append(
            DomainError.of(
                ErrorCode.INVALID, "supervisor_years", f"Ange ett antal år från 0 till {MAX_YEARS}."
            )
        )
    return errors


def _phone_problem(value: str) -> str | None:
    digits = sum(c.isdigit() for c in value)
    if any(c not in PHONE_CHARACTERS for c in value) or digits < MIN_PHONE_DIGITS:
        return "Skriv ett telefonnummer med siffror, till exempel 0340-123 45."
    return None


def complete_errors(data: AssessmentInput) -> list[DomainError]:
    """What a version needs to be submitted, every rule at once (after storable_errors)."""
    errors = [
        DomainError.of(ErrorCode.INVALID, name, f"Skriv {what}.")
        for name, what in REQUIRED.items()
        if not clean_text(getattr(data, name))
    ]
    for hazard in checklist.HAZARDS:
        if data.answer(hazard.code).present is None:
            errors.append(
                DomainError.of(ErrorCode.INVALID, f"hazard_{hazard.code}", "Svara ja eller nej.")
            )
    errors += checklist.answer_errors(data.answers())
    if data.supervisor_years is None:
        errors.append(
            DomainError.of(
                ErrorCode.INVALID,
                "supervisor_years",
                "Skriv hur många år handledaren har arbetat här.",
            )
        )
    for name in ("supervisor_phone", "emergency_phone"):
        value = clean_text(getattr(data, name))
        if value and (problem := _phone_problem(value)):
            errors.append(DomainError.of(ErrorCode.INVALID, name, problem))
    email = clean_text(data.supervisor_email)
    if email and (refusal := email_refusal(email, "supervisor_email")):
        errors.append(refusal)
    return errors


def columns(data: AssessmentInput) -> dict[str, object]:
    """The row's values, cleaned; a draft keeps its unanswered questions unanswered."""
    values: dict[str, object] = {name: clean_text(getattr(data, name)) for name in TEXT_FIELDS}
    values["supervisor_email"] = str(values["supervisor_email"]).lower()
    values["supervisor_years"] = data.supervisor_years
    values["hazards"] = {
        h.code: {
            "present": data.answer(h.code).present,
            "measure": clean_text(data.answer(h.code).measure, checklist.MEASURE_MAX),
        }
        for h in checklist.HAZARDS
        if h.code in data.hazards
    }
    return values


def same_content(row: RiskAssessment, values: dict[str, object]) -> bool:
    return all(getattr(row, name) == value for name, value in values.items())
