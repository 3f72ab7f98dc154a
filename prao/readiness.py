"""'Klar för prao': whether a booking may start, and which steps it still waits for.

A booking is ready when it is confirmed, the current version of its slot's risk assessment is
approved for the pupil's school (by the school or once for the whole organiser), the pupil is
old enough for what the assessment found, and the guardians have consented where the organiser
asks for it (DESIGN.md §8). The rule is written once, as a function of the facts; the period
page computes those facts for every booking in one query (prao.services.readiness)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prao.models import BookingStatus, ConsentMode, ReviewDecision


class Step(StrEnum):
    """What a booking waits for, in the order the steps are usually taken."""

    CONFIRMATION = "confirmation"  # the employer has not said yes, or it is no longer active
    RISK_ASSESSMENT = "risk_assessment"  # the employer has not submitted one
    ASSESSMENT_APPROVAL = "assessment_approval"  # submitted, not approved for this school
    ASSESSMENT_CHANGE = "assessment_change"  # the school asked the employer for a change
    AGE = "age"  # the assessment requires an older pupil
    CONSENT = "consent"  # a guardian's consent is missing
    CONSENT_REFUSED = "consent_refused"  # a guardian said no: the coordinator decides


class Readiness(StrEnum):
    """The one word for a booking's state before the first day (GraphQL `Booking.readiness`)."""

    READY = "ready"
    NOT_CONFIRMED = "not_confirmed"
    WAITING_RISK_ASSESSMENT = "waiting_risk_assessment"
    ASSESSMENT_CHANGE_REQUESTED = "assessment_change_requested"
    TOO_YOUNG = "too_young"
    WAITING_CONSENT = "waiting_consent"
    CONSENT_REFUSED = "consent_refused"


# The headline of the first missing step (a refusal outweighs everything after confirmation).
_HEADLINE: dict[Step, Readiness] = {
    Step.CONFIRMATION: Readiness.NOT_CONFIRMED,
    Step.RISK_ASSESSMENT: Readiness.WAITING_RISK_ASSESSMENT,
    Step.ASSESSMENT_APPROVAL: Readiness.WAITING_RISK_ASSESSMENT,
    Step.ASSESSMENT_CHANGE: Readiness.ASSESSMENT_CHANGE_REQUESTED,
    Step.AGE: Readiness.TOO_YOUNG,
    Step.CONSENT: Readiness.WAITING_CONSENT,
    Step.CONSENT_REFUSED: Readiness.CONSENT_REFUSED,
}

# Plain Swedish for pupils, guardians, employers and coordinators alike.
STEP_TEXT: dict[Step, str] = {
    Step.CONFIRMATION: "Väntar på att arbetsplatsen bekräftar",
    Step.RISK_ASSESSMENT: "Väntar på riskbedömning från arbetsplatsen",
    Step.ASSESSMENT_APPROVAL: "Väntar på att skolan godkänner riskbedömningen",
    Step.ASSESSMENT_CHANGE: "Skolan har bett arbetsplatsen ändra riskbedömningen",
    Step.AGE: "Riskbedömningen kräver att eleven har fyllt 16 år",
    Step.CONSENT: "Väntar på vårdnadshavares godkännande",
    Step.CONSENT_REFUSED: "En vårdnadshavare har inte godkänt: skolan tar kontakt",
}
READINESS_TEXT: dict[Readiness, str] = {
    Readiness.READY: "Klar för prao",
    Readiness.NOT_CONFIRMED: "Inte bekräftad",
    Readiness.WAITING_RISK_ASSESSMENT: "Väntar på riskbedömning",
    Readiness.ASSESSMENT_CHANGE_REQUESTED: "Riskbedömningen ska ändras",
    Readiness.TOO_YOUNG: "För ung för platsen",
    Readiness.WAITING_CONSENT: "Väntar på vårdnadshavare",
    Readiness.CONSENT_REFUSED: "Vårdnadshavare har inte godkänt",
}


@dataclass(frozen=True)
class Facts:
    """What the rule needs to know of one booking."""

    status: BookingStatus
    # The current (latest submitted) version of the slot's assessment: None when none is.
    assessment_version: int | None
    # The latest review of that version that applies to the pupil's school, if any.
    review: ReviewDecision | None
    pupil_age: int  # on the slot's first day
    required_age: int  # the slot's minimum age, raised by the assessment's answers
    consent_mode: ConsentMode
    guardians: int  # listed guardians of the pupil
    consents_given: int
    consents_refused: int


@dataclass(frozen=True)
class State:
    readiness: Readiness
    missing: tuple[Step, ...]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def text(self) -> str:
        return READINESS_TEXT[self.readiness]

    @property
    def next_step(self) -> str:
        """What happens next, in a sentence; 'Klar för prao' when nothing does."""
        return STEP_TEXT[self.missing[0]] if self.missing else READINESS_TEXT[Readiness.READY]


def consents_needed(mode: ConsentMode, guardians: int) -> int:
    """How many guardians must say yes. With 'all guardians', every listed one; a pupil with
    no listed guardian needs one consent (on paper) in either mode."""
    if mode is ConsentMode.OFF:
        return 0
    if mode is ConsentMode.ONE_GUARDIAN:
        return 1
    return max(guardians, 1)


def missing_steps(facts: Facts) -> tuple[Step, ...]:
    if facts.status is not BookingStatus.CONFIRMED:
        return (Step.CONFIRMATION,)
    steps: list[Step] = []
    if facts.assessment_version is None:
        steps.append(Step.RISK_ASSESSMENT)
    elif facts.review is ReviewDecision.CHANGE_REQUESTED:
        steps.append(Step.ASSESSMENT_CHANGE)
    elif facts.review is not ReviewDecision.APPROVED:
        steps.append(Step.ASSESSMENT_APPROVAL)
    if facts.pupil_age < facts.required_age:
        steps.append(Step.AGE)
    if facts.consents_refused:
        steps.append(Step.CONSENT_REFUSED)
    elif facts.consents_given < consents_needed(facts.consent_mode, facts.guardians):
        steps.append(Step.CONSENT)
    return tuple(steps)


def readiness(facts: Facts) -> State:
    missing = missing_steps(facts)
    if not missing:
        return State(Readiness.READY, ())
    headline = Step.CONSENT_REFUSED if Step.CONSENT_REFUSED in missing else missing[0]
    return State(_HEADLINE[headline], missing)
