"""The risk assessment's pages: the employer's form on her slot (draft, submit, each refusal
beside its field, the age explained beside the forbidden answers, the schools' change
requests), and the reviewer's list and page (approve; a change request needs a comment)."""

from __future__ import annotations

from typing import Any

import httpx

from prao import hazards
from prao.models import (
    AssessmentReview,
    AssessmentStatus,
    OutboxMessage,
    ReviewDecision,
    RiskAssessment,
    Slot,
)
from prao.services.assessment_input import TEXT_FIELDS
from prao.services.booking import book_slot
from tests import assessments
from tests.callers import main_text, token_of
from tests.factories import World


def form(**changes: str) -> dict[str, str]:
    data = assessments.complete()
    values = {name: str(getattr(data, name)) for name in TEXT_FIELDS}
    values["supervisor_years"] = "4"
    for h in hazards.HAZARDS:
        values[f"hazard_{h.code}"] = "nej"
        values[f"hazard_{h.code}_measure"] = ""
    values["action"] = "submit"
    values.update(changes)
    return values


async def post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = await token_of(client, "/oversikt")
    return await client.post(path, data={"csrf_token": token, **data})


def path(world: World) -> str:
    return f"/arbetsgivare/platser/{world.slot.id}/riskbedomning"


async def test_the_form_explains_the_age_beside_forbidden_answers(
    world: World, browser_for: Any
) -> None:
    async with browser_for(world.employer_user) as c:
        slot_page = await c.get(f"/arbetsgivare/platser/{world.slot.id}")
        assert "Fyll i riskbedömningen" in slot_page.text
        page = await c.get(path(world))
    assert page.status_code == 200
    text = main_text(page.text)
    assert "Farliga maskiner eller verktyg" in text
    assert "Svarar ni ja får bara elever som har fyllt 16 år boka platsen." in text
    assert 'name="hazard_machines" value="ja"' in page.text
    assert 'aria-describedby="hazard_machines-alder"' in page.text
    # The slot's tasks are where the form starts.
    assert "Uppgifter" in text


async def test_submitting_raises_the_age_and_says_why(world: World, browser_for: Any) -> None:
    async with browser_for(world.employer_user) as c:
        done = await post(
            c,
            path(world),
            form(hazard_heights="ja", hazard_heights_measure="Bara på marken med sele"),
        )
        assert done.status_code == 303, done.text
        page = await c.get(done.headers["location"])
    text = main_text(page.text)
    assert "Riskbedömningen är inskickad (version 1)" in text
    assert "Platsens lägsta ålder är nu 16 år" in text
    assert "Lägsta ålder 16 år enligt riskbedömningen." in text
    assert "Elever under 16 år får inte arbeta där det finns risk att falla." in text
    assert (await Slot.get(id=world.slot.id)).min_age == 16


async def test_a_draft_keeps_what_is_written(world: World, browser_for: Any) -> None:
    async with browser_for(world.employer_user) as c:
        done = await post(c, path(world), {"action": "draft", "tasks": "Bara början"})
        assert done.status_code == 303
        page = await c.get(path(world))
    assert "Utkastet är sparat" in page.text and "Bara början" in page.text
    [row] = await RiskAssessment.all()
    assert row.status == AssessmentStatus.DRAFT


async def test_a_refused_form_shows_each_error_beside_its_field(
    world: World, browser_for: Any
) -> None:
    async with browser_for(world.employer_user) as c:
        refused = await post(
            c,
            path(world),
            form(
                supervisor_name="",
                supervisor_years="många",
                hazard_noise="ja",
                emergency_phone="ring",
                ask_for="A\x00",
                lunch="l" * 5001,
                hazard_public="",
            ),
        )
    assert refused.status_code == 422
    page = refused.text
    assert "error-summary" in page and "Det finns 7 fel att rätta" in page
    for field in (
        "supervisor_name",
        "supervisor_years",
        "hazard_noise_measure",
        "emergency_phone",
        "ask_for",
        "lunch",
        "hazard_public",
    ):
        assert f'href="#{field}"' in page and f'id="{field}-fel"' in page, field
    assert "Skriv antalet år med siffror" in page
    assert "Texten innehåller tecken som inte går att spara." in page
    assert "Högst 5000 tecken." in page
    assert await RiskAssessment.all().count() == 0


async def test_another_employer_gets_no_form(world: World, browser_for: Any) -> None:
    async with browser_for(world.other_employer_user) as c:
        assert (await c.get(path(world))).status_code == 404
        refused = await post(c, path(world), form())
        assert refused.status_code == 404
    async with browser_for(world.coordinator_a) as c:
        assert (await c.get(path(world))).status_code == 403
    assert await RiskAssessment.all().count() == 0


async def test_no_post_without_the_csrf_token(world: World, browser_for: Any) -> None:
    async with browser_for(world.employer_user) as c:
        refused = await c.post(path(world), data=form())
    assert refused.status_code == 403
    assert await RiskAssessment.all().count() == 0


async def _booked_and_submitted(world: World) -> RiskAssessment:
    employer = await world.actor(world.employer_user)
    row = await assessments.submitted(employer, world.slot)
    booked = await book_slot(
        await world.actor(world.coordinator_a), world.slot.id, world.pupil_a.id
    )
    assert booked.ok, booked.errors
    return row


async def test_the_coordinator_approves_from_her_list(world: World, browser_for: Any) -> None:
    row = await _booked_and_submitted(world)
    async with browser_for(world.coordinator_a) as c:
        start = await c.get("/oversikt")
        assert 'href="/oversikt/riskbedomningar"' in start.text
        listing = await c.get("/oversikt/riskbedomningar")
        assert listing.status_code == 200
        text = main_text(listing.text)
        assert "Bagare" in text and "Väntar på granskning" in text
        review = await c.get(f"/oversikt/riskbedomningar/{row.id}")
        assert "Sara Handledare" in review.text and "Personalingången" in review.text
        done = await post(c, f"/oversikt/riskbedomningar/{row.id}/godkann", {})
        assert done.status_code == 303
        after = await c.get(done.headers["location"])
    assert "Riskbedömningen är godkänd för er skola." in after.text
    [review_row] = await AssessmentReview.all()
    assert (review_row.decision, review_row.school_id) == (
        ReviewDecision.APPROVED,
        world.school_a.id,
    )


async def test_a_change_request_needs_a_comment_and_reaches_the_employer(
    world: World, browser_for: Any
) -> None:
    row = await _booked_and_submitted(world)
    async with browser_for(world.coordinator_a) as c:
        refused = await post(c, f"/oversikt/riskbedomningar/{row.id}/andring", {"comment": " "})
        assert refused.status_code == 422
        assert 'href="#comment"' in refused.text and "Skriv vad arbetsplatsen" in refused.text
        assert await AssessmentReview.all().count() == 0
        done = await post(
            c, f"/oversikt/riskbedomningar/{row.id}/andring", {"comment": "Ange nödnummer"}
        )
        assert done.status_code == 303
    assert await OutboxMessage.filter(kind="assessment_change_requested").count() == 2
    async with browser_for(world.employer_user) as c:
        page = await c.get(f"/arbetsgivare/platser/{world.slot.id}")
    text = main_text(page.text)
    assert "Ni har ombetts ändra riskbedömningen" in text
    assert "En skola" in text and "Ange nödnummer" in text
    # The request names no school (the pupils' own list may, as prao.pupil_view decides).
    assert "Skola A" not in text.split("Elever som bokat")[0]


async def test_the_organiser_admin_approves_for_every_school(
    world: World, browser_for: Any
) -> None:
    row = await assessments.submitted(await world.actor(world.employer_user), world.slot)
    async with browser_for(world.admin) as c:
        listing = await c.get("/oversikt/riskbedomningar")
        assert "alla kommunens skolor" in listing.text and "Bagare" in listing.text
        page = await c.get(f"/oversikt/riskbedomningar/{row.id}")
        assert "Godkänn för alla skolor" in page.text
        done = await post(c, f"/oversikt/riskbedomningar/{row.id}/godkann", {})
        assert done.status_code == 303
    [review] = await AssessmentReview.all()
    assert review.school_id is None


async def test_reviewers_only_see_what_is_theirs(world: World, browser_for: Any) -> None:
    hidden = await assessments.submitted(await world.actor(world.employer_user), world.slot_b_only)
    async with browser_for(world.coordinator_a) as c:
        assert (await c.get(f"/oversikt/riskbedomningar/{hidden.id}")).status_code == 404
        refused = await post(c, f"/oversikt/riskbedomningar/{hidden.id}/godkann", {})
        assert refused.status_code == 404
    for user in (world.employer_user, world.pupil_a_user):
        async with browser_for(user) as c:
            page = await c.get("/oversikt/riskbedomningar", follow_redirects=False)
            assert page.status_code == 403
    async with browser_for(None) as c:
        page = await c.get("/oversikt/riskbedomningar", follow_redirects=False)
        assert page.status_code in (302, 303)
    assert await AssessmentReview.all().count() == 0
