"""Risk assessments for tests: a complete input, and a slot's assessment submitted by its
employer."""

from __future__ import annotations

from typing import Any

from prao import hazards
from prao.actor import Actor
from prao.models import RiskAssessment, Slot
from prao.services import risk_assessment
from prao.services.risk_assessment import AssessmentInput, HazardAnswer


def complete(*, yes: tuple[str, ...] = (), **changes: Any) -> AssessmentInput:
    """Every question answered ("no" unless named in `yes`, with a measure), every field set."""
    answers = {
        h.code: HazardAnswer(
            h.code in yes, "Handledaren visar och är med." if h.code in yes else ""
        )
        for h in hazards.HAZARDS
    }
    values: dict[str, Any] = {
        "tasks": "Plocka varor, prata med kunder",
        "hazards": answers,
        "supervisor_name": "Sara Handledare",
        "supervisor_phone": "0340-123 45",
        "supervisor_email": "sara@example.se",
        "supervisor_years": 4,
        "meeting_place": "Personalingången, Storgatan 1",
        "ask_for": "Sara",
        "clothing": "Bekväma skor",
        "lunch": "Eleven tar med egen lunch",
        "emergency_name": "Butikschefen",
        "emergency_phone": "070-123 45 67",
    }
    values.update(changes)
    return AssessmentInput(**values)


async def submitted(employer: Actor, slot: Slot, **changes: Any) -> RiskAssessment:
    outcome = await risk_assessment.submit(employer, slot.id, complete(**changes))
    assert outcome.value is not None, outcome.errors
    return outcome.value


def graphql_input(slot_id: str, **changes: Any) -> dict[str, Any]:
    """submitRiskAssessment's input for a complete assessment of the slot (a global id)."""
    data = complete()
    values: dict[str, Any] = {
        "slotId": slot_id,
        "tasks": data.tasks,
        "hazards": [
            {"code": code, "present": bool(a.present), "measure": a.measure}
            for code, a in data.hazards.items()
        ],
        "supervisorName": data.supervisor_name,
        "supervisorPhone": data.supervisor_phone,
        "supervisorEmail": data.supervisor_email,
        "supervisorYears": data.supervisor_years,
        "meetingPlace": data.meeting_place,
        "askFor": data.ask_for,
        "clothing": data.clothing,
        "lunch": data.lunch,
        "emergencyName": data.emergency_name,
        "emergencyPhone": data.emergency_phone,
    }
    return {**values, **changes}
