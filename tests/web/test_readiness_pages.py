"""'Klar för prao' on the coordinator's period page: counts per step and a filter per step."""

from __future__ import annotations

from prao import clock
from prao.models import (
    AssessmentReview,
    AssessmentStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    ReviewDecision,
    RiskAssessment,
)
from tests import factories
from tests.callers import main_text
from tests.factories import World


async def _booked(world: World) -> None:
    ready_slot = await factories.slot(world.employer, title="Kock")
    approved = await RiskAssessment.create(
        slot_id=ready_slot.id,
        version=1,
        status=AssessmentStatus.SUBMITTED,
        submitted_at=clock.now(),
        submitted_by="user:test",
    )
    await AssessmentReview.create(
        assessment_id=approved.id,
        organiser_id=world.organiser.id,
        school_id=None,
        decision=ReviewDecision.APPROVED,
        decided_by="test",
    )
    for pupil, slot in ((world.pupil_a, ready_slot), (world.pupil_a2, world.slot)):
        await Booking.create(
            pupil_id=pupil.id,
            slot_id=slot.id,
            period_id=world.period_a.id,
            status=BookingStatus.CONFIRMED,
            origin=BookingOrigin.STAFF,
        )


async def test_the_period_page_counts_each_step_and_filters_by_it(
    world: World, browser_for
) -> None:
    await _booked(world)
    page = f"/oversikt/perioder/{world.period_a.id}"
    async with browser_for(world.coordinator_a) as c:
        whole = await c.get(page)
        assert whole.status_code == 200
        text = main_text(whole.text)
        assert "Inför första dagen" in text
        assert "1 av 2 klar för prao" in " ".join(text.split())
        assert "1 väntar på riskbedömning från arbetsplatsen" in " ".join(text.split())
        assert f'href="{page}?steg=risk_assessment#elever"' in whole.text

        waiting = await c.get(page, params={"steg": "risk_assessment"})
        rows = main_text(waiting.text).split("Åtgärd", 1)[1]
        assert "Hugo" in rows and "Alva" not in rows
        ready = await c.get(page, params={"steg": "klar"})
        rows = main_text(ready.text).split("Åtgärd", 1)[1]
        assert "Alva" in rows and "Hugo" not in rows
        # A made-up step shows every pupil, as without a filter.
        odd = await c.get(page, params={"steg": "<script>"})
        assert odd.status_code == 200 and "<script>" not in odd.text
        rows = main_text(odd.text).split("Åtgärd", 1)[1]
        assert "Alva" in rows and "Hugo" in rows


async def test_the_pupil_and_the_card_show_the_next_step_in_plain_swedish(
    world: World, browser_for
) -> None:
    await _booked(world)
    alva = await Booking.get(pupil_id=world.pupil_a.id)
    async with browser_for(world.pupil_a_user) as c:
        mine = " ".join(main_text((await c.get("/mina-bokningar")).text).split())
        assert "Klar för prao" in mine and "Nästa steg" not in mine
        card = " ".join(main_text((await c.get(f"/bokningar/{alva.id}/kort")).text).split())
        assert "Klar för prao" in card
    hugo = await Booking.get(pupil_id=world.pupil_a2.id)
    async with browser_for(world.coordinator_a) as c:
        card = " ".join(main_text((await c.get(f"/bokningar/{hugo.id}/kort")).text).split())
        assert "Nästa steg: Väntar på riskbedömning från arbetsplatsen." in card
    async with browser_for(world.employer_user) as c:
        card = " ".join(main_text((await c.get(f"/bokningar/{hugo.id}/kort")).text).split())
        assert "Nästa steg: Väntar på riskbedömning från arbetsplatsen." in card


async def test_the_employer_sees_what_each_confirmed_pupil_waits_for(
    world: World, browser_for
) -> None:
    await _booked(world)
    async with browser_for(world.employer_user) as c:
        page = " ".join(
            main_text((await c.get(f"/arbetsgivare/platser/{world.slot.id}")).text).split()
        )
        assert "Hugo" in page
        assert "Nästa steg: Väntar på riskbedömning från arbetsplatsen." in page
        ready = await Booking.get(pupil_id=world.pupil_a.id).prefetch_related("slot")
        page = " ".join(
            main_text((await c.get(f"/arbetsgivare/platser/{ready.slot_id}")).text).split()
        )
        assert "Klar för prao" in page and "Nästa steg" not in page
