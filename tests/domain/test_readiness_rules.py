"""The readiness rule and the hazard checklist's age rule, one by one, without a database."""

from __future__ import annotations

import dataclasses

import pytest

from prao import hazards
from prao.models import BookingStatus, ConsentMode, ReviewDecision
from prao.readiness import Facts, Readiness, Step, consents_needed, readiness

READY = Facts(
    status=BookingStatus.CONFIRMED,
    assessment_version=1,
    review=ReviewDecision.APPROVED,
    pupil_age=14,
    required_age=0,
    consent_mode=ConsentMode.ALL_GUARDIANS,
    guardians=2,
    consents_given=2,
    consents_refused=0,
)


def with_(**changes: object) -> Facts:
    return dataclasses.replace(READY, **changes)  # type: ignore[arg-type]


def test_a_confirmed_approved_consented_booking_is_ready() -> None:
    state = readiness(READY)
    assert state.readiness is Readiness.READY and state.ready and state.missing == ()
    assert state.next_step == "Klar för prao"


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.CANCELLED])
def test_an_unconfirmed_booking_waits_for_confirmation_only(status: BookingStatus) -> None:
    state = readiness(with_(status=status, assessment_version=None, consents_given=0))
    assert state.readiness is Readiness.NOT_CONFIRMED and state.missing == (Step.CONFIRMATION,)


def test_no_assessment_and_an_unapproved_one_both_wait_for_the_risk_assessment() -> None:
    none = readiness(with_(assessment_version=None, review=None))
    assert none.readiness is Readiness.WAITING_RISK_ASSESSMENT
    assert none.missing == (Step.RISK_ASSESSMENT,)
    unapproved = readiness(with_(review=None))
    assert unapproved.readiness is Readiness.WAITING_RISK_ASSESSMENT
    assert unapproved.missing == (Step.ASSESSMENT_APPROVAL,)
    assert "väntar på riskbedömning" in unapproved.text.lower()


def test_a_change_request_is_its_own_state() -> None:
    state = readiness(with_(review=ReviewDecision.CHANGE_REQUESTED))
    assert state.readiness is Readiness.ASSESSMENT_CHANGE_REQUESTED


def test_a_pupil_below_the_assessments_age_is_not_ready() -> None:
    state = readiness(with_(required_age=16))
    assert state.readiness is Readiness.TOO_YOUNG and state.missing == (Step.AGE,)
    assert readiness(with_(required_age=16, pupil_age=16)).ready


def test_one_guardian_versus_all_guardians() -> None:
    assert readiness(with_(consent_mode=ConsentMode.ONE_GUARDIAN, consents_given=1)).ready
    waiting = readiness(with_(consents_given=1))
    assert waiting.readiness is Readiness.WAITING_CONSENT and waiting.missing == (Step.CONSENT,)
    assert readiness(with_(consent_mode=ConsentMode.OFF, consents_given=0)).ready
    assert consents_needed(ConsentMode.ALL_GUARDIANS, 0) == 1  # on paper, then
    assert consents_needed(ConsentMode.OFF, 3) == 0


def test_a_no_outweighs_every_other_missing_step_and_lists_them_all() -> None:
    state = readiness(with_(review=None, consents_given=1, consents_refused=1))
    assert state.readiness is Readiness.CONSENT_REFUSED
    assert state.missing == (Step.ASSESSMENT_APPROVAL, Step.CONSENT_REFUSED)


def test_a_forbidden_hazard_raises_the_age_to_16_and_says_why() -> None:
    answers = hazards.parse_answers(
        {"machines": {"present": True, "measure": "Handledaren kör sågen"}, "noise": {}}
    )
    assert hazards.required_age(answers) == 16
    assert hazards.age_reasons(answers) == [hazards.BY_CODE["machines"].why]
    assert hazards.answer_errors(answers) == []


def test_an_allowed_hazard_keeps_the_age_but_needs_a_measure() -> None:
    answers = hazards.parse_answers({"noise": {"present": True, "measure": " "}, "bogus": {}})
    assert hazards.required_age(answers) == 0
    assert set(answers) == {h.code for h in hazards.HAZARDS}
    assert [e.field for e in hazards.answer_errors(answers)] == ["hazard_noise_measure"]
