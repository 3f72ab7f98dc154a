"""Bad input on the web gets a Swedish answer (a 404 page, or the message beside the field),
never a server error, and changes nothing."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from prao.models import AuditEvent, Booking, Period
from prao.services.booking import book_slot
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World

TOO_LARGE = (str(2**31), str(2**63), "0")


@pytest.mark.parametrize("pk", TOO_LARGE)
async def test_an_id_no_key_can_hold_is_a_404_page(
    world: World, browser_for: ClientFactory, pk: str
) -> None:
    async with browser_for(world.pupil_a_user) as pupil:
        csrf = await token_of(pupil)
        page = await pupil.get(f"/platser/{pk}")
        booked = await pupil.post(f"/platser/{pk}/boka", data={"csrf_token": csrf})
        cancel = await pupil.get(f"/bokningar/{pk}/avboka")
    assert (page.status_code, booked.status_code, cancel.status_code) == (404, 404, 404)
    assert "Sidan finns inte" in main_text(page.text)
    assert not await Booking.exists()
    async with browser_for(world.employer_user) as employer:
        csrf = await token_of(employer)
        approve = await employer.post(
            f"/arbetsgivare/bokningar/{pk}/godkann", data={"csrf_token": csrf}
        )
    assert approve.status_code == 404


@pytest.mark.parametrize("field", ["bransch", "ort"])
async def test_a_filter_longer_than_its_column_says_so_and_lists_nothing(
    world: World, browser_for: ClientFactory, field: str
) -> None:
    async with browser_for(world.pupil_a_user) as pupil:
        page = await pupil.get(f"/platser?{field}={'x' * 4000}")
        nul = await pupil.get(f"/platser?{field}=Varberg%00")
    assert page.status_code == 200 and nul.status_code == 200
    label = {"bransch": "Bransch", "ort": "Ort"}[field]
    assert f"{label}: Högst 100 tecken." in main_text(page.text)
    assert f"{label}: Texten innehåller tecken som inte går att spara." in main_text(nul.text)
    assert "Bagare" not in main_text(page.text) and "Bagare" not in main_text(nul.text)


async def test_an_export_for_a_class_with_nul_is_an_empty_list_audited_without_it(
    world: World, browser_for: ClientFactory
) -> None:
    await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    async with browser_for(world.coordinator_a) as coordinator:
        answer = await coordinator.get(
            f"/oversikt/perioder/{world.period_a.id}/placeringar.csv?klass=8A%00"
        )
    assert answer.status_code == 200
    assert "Alva" not in answer.text
    event = await AuditEvent.get(action="export")
    assert event.detail["class_name"] == "8A"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
async def test_the_audit_log_filtered_by_a_far_day_answers(
    world: World, browser_for: ClientFactory, day: str
) -> None:
    async with browser_for(world.admin) as admin:
        page = await admin.get(f"/admin/logg?fran={day}&till={day}&handelse={quote('x')}%00")
        csv = await admin.get(f"/admin/logg.csv?fran={day}&till={day}")
    assert page.status_code == 200 and csv.status_code == 200


async def test_a_period_opening_in_year_1_is_refused_beside_the_field(
    world: World, browser_for: ClientFactory
) -> None:
    path = f"/oversikt/perioder/{world.period_a.id}/andra"
    before = await Period.get(id=world.period_a.id)
    async with browser_for(world.coordinator_a) as coordinator:
        form = await coordinator.get(path)
        assert form.status_code == 200
        csrf = await token_of(coordinator, path)
        answer = await coordinator.post(
            path,
            data={
                "csrf_token": csrf,
                "name": before.name,
                "year_group": "8",
                "start_date": before.start_date.isoformat(),
                "end_date": before.end_date.isoformat(),
                "booking_opens_at": "0001-01-01T00:00",
                "booking_closes_at": "9999-12-31T23:59",
                "cancel_deadline": before.cancel_deadline.strftime("%Y-%m-%dT%H:%M"),
                "mode": "first_come",
                "max_wishes": "5",
                "allocation_policy": "convex",
            },
        )
    assert answer.status_code == 422
    assert main_text(answer.text).count("Ange ett datum mellan 2000-01-01 och 2100-12-31.") >= 2
    after = await Period.get(id=world.period_a.id)
    assert after.booking_opens_at == before.booking_opens_at
    assert after.booking_closes_at == before.booking_closes_at
