"""The hazard checklist of a risk assessment, and the age each answer allows.

Pupils of 13–15 may do only light work: Arbetsmiljöverket's rules for minors (AFS 2023 series,
in force since 2025) forbid, below 16, dangerous machines and tools, hazardous chemicals, work at
height, heavy lifting, work with a risk of violence or threat, lone work with risk, and selling
tobacco, alcohol or medicines. A "yes" to any of those raises the slot's minimum age to 16, so
that year-8 and year-9 pupils cannot book it. The other questions are asked because a school
wants to know, and a "yes" with a measure is fine at any age."""

from __future__ import annotations

from dataclasses import dataclass

from prao.errors import DomainError, ErrorCode
from prao.validation import clean_text

ADULT_WORK_AGE = 16  # the age the forbidden answers raise a slot to


@dataclass(frozen=True)
class Hazard:
    code: str
    question: str
    # The minimum age a "yes" requires (0: none), and why, shown beside the answer.
    min_age: int = 0
    why: str = ""


HAZARDS: tuple[Hazard, ...] = (
    Hazard(
        "machines",
        "Farliga maskiner eller verktyg (t.ex. sågar, pressar, truckar)",
        ADULT_WORK_AGE,
        "Elever under 16 år får inte arbeta med farliga maskiner eller verktyg.",
    ),
    Hazard(
        "chemicals",
        "Farliga kemikalier (märkta med faropiktogram)",
        ADULT_WORK_AGE,
        "Elever under 16 år får inte hantera farliga kemikalier.",
    ),
    Hazard(
        "heights",
        "Arbete på höjd (stegar, ställningar, tak)",
        ADULT_WORK_AGE,
        "Elever under 16 år får inte arbeta där det finns risk att falla.",
    ),
    Hazard(
        "heavy_lifting",
        "Tunga lyft eller påfrestande arbetsställningar",
        ADULT_WORK_AGE,
        "Elever under 16 år får bara göra lätta lyft.",
    ),
    Hazard(
        "violence",
        "Risk för våld eller hot",
        ADULT_WORK_AGE,
        "Elever under 16 år får inte arbeta där det finns risk för våld eller hot.",
    ),
    Hazard(
        "lone_work",
        "Ensamarbete med risk",
        ADULT_WORK_AGE,
        "Elever under 16 år får inte arbeta ensamma där det innebär risk.",
    ),
    Hazard(
        "restricted_sales",
        "Försäljning av tobak, alkohol eller läkemedel",
        ADULT_WORK_AGE,
        "Elever under 16 år får inte sälja tobak, alkohol eller läkemedel.",
    ),
    Hazard("noise", "Buller, värme, kyla eller damm"),
    Hazard("public", "Kontakt med kunder, patienter eller allmänhet"),
)
BY_CODE = {h.code: h for h in HAZARDS}
MEASURE_MAX = 1000


@dataclass(frozen=True)
class Answer:
    present: bool
    measure: str = ""


def parse_answers(raw: dict[str, dict[str, object]]) -> dict[str, Answer]:
    """Stored or submitted answers by code; unknown codes are dropped, missing ones are 'no'."""
    answers: dict[str, Answer] = {}
    for hazard in HAZARDS:
        given = raw.get(hazard.code) or {}
        present = given.get("present") is True
        measure = given.get("measure")
        answers[hazard.code] = Answer(present, str(measure) if isinstance(measure, str) else "")
    return answers


def answer_errors(answers: dict[str, Answer]) -> list[DomainError]:
    """Each "yes" needs the measure taken against it."""
    return [
        DomainError.of(
            ErrorCode.INVALID,
            f"hazard_{code}_measure",
            "Beskriv vilken åtgärd ni vidtar när svaret är ja.",
        )
        for code, answer in answers.items()
        if answer.present and not answer.measure.strip()
    ]


def stored(answers: dict[str, Answer]) -> dict[str, dict[str, object]]:
    return {
        code: {"present": a.present, "measure": clean_text(a.measure, MEASURE_MAX)}
        for code, a in answers.items()
    }


def required_age(answers: dict[str, Answer]) -> int:
    """The youngest age the answers allow (0: any)."""
    return max((BY_CODE[c].min_age for c, a in answers.items() if a.present), default=0)


def age_reasons(answers: dict[str, Answer]) -> list[str]:
    """Why the answers raise the age, one sentence per answer that does."""
    return [BY_CODE[c].why for c, a in answers.items() if a.present and BY_CODE[c].min_age]
