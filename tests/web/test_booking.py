"""Booking from the slot page, every refusal in Swedish, my bookings, and cancelling."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

import httpx
import pytest

from prao import clock
from prao.errors import DomainError
from prao.models import Booking, BookingStatus, Period, Pupil, Slot
from prao.services import booking
from prao.services.booking import book_slot
from tests import factories
from tests.callers import main_text, token_of
from tests.factories import World


async def book(client: httpx.AsyncClient, slot_id: int, **headers: str) -> httpx.Response:
    token = await token_of(client, "/platser")
    return await client.post(
        f"/platser/{slot_id}/boka", data={"csrf_token": token}, headers=headers
    )


async def state(slot_id: int) -> tuple[int, int]:
    return (await Slot.get(id=slot_id)).taken, await Booking.all().count()


async def test_pupil_books_a_slot_and_sees_it_in_my_bookings(world: World, browser_for):
    async with browser_for(world.pupil_a_user) as c:
        page = await c.get(f"/platser/{world.slot.id}")
        assert page.status_code == 200
        assert f'action="/platser/{world.slot.id}/boka"' in page.text
        done = await book(c, world.slot.id)
        assert done.status_code == 303
        assert done.headers["location"] == "/mina-bokningar"
        mine = await c.get("/mina-bokningar")
        text = main_text(mine.text)
        assert "Bokningen är klar" in text
        assert "Bagare" in text and "Café Solen" in text and "Bekräftad" in text
        assert 'hx-history="false"' in mine.text
        # The confirmation is shown once.
        assert "Bokningen är klar" not in main_text((await c.get("/mina-bokningar")).text)
        # The slot page now says she has booked it, without a second button.
        again = await c.get(f"/platser/{world.slot.id}")
        assert "Du har bokat den här platsen" in again.text
        assert f'action="/platser/{world.slot.id}/boka"' not in again.text
    assert await state(world.slot.id) == (1, 1)


async def test_slot_needing_approval_sends_a_request(world: World, browser_for):
    slot = await factories.slot(world.employer, title="Djurskötare", requires_approval=True)
    async with browser_for(world.pupil_a_user) as c:
        page = await c.get(f"/platser/{slot.id}")
        assert "Arbetsplatsen godkänner varje elev" in page.text
        done = await book(c, slot.id)
        assert done.status_code == 303
        text = main_text((await c.get("/mina-bokningar")).text)
        assert "Din förfrågan är skickad" in text
        assert "Väntar på arbetsplatsens godkännande" in text
    assert (await Booking.get()).status == BookingStatus.PENDING


async def test_booking_with_the_htmx_header_token(world: World, browser_for):
    async with browser_for(world.pupil_a_user) as c:
        token = await token_of(c, "/platser")
        done = await c.post(
            f"/platser/{world.slot.id}/boka",
            headers={"X-CSRF-Token": token, "HX-Request": "true", "HX-Boosted": "true"},
        )
        assert done.status_code == 303
    assert await state(world.slot.id) == (1, 1)


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
async def test_booking_without_the_right_csrf_token_changes_nothing(
    world: World, browser_for, token: str | None
):
    async with browser_for(world.pupil_a_user) as c:
        data = {} if token is None else {"csrf_token": token}
        refused = await c.post(f"/platser/{world.slot.id}/boka", data=data)
        assert refused.status_code == 403
        assert "ingenting ändrades" in main_text(refused.text)
        wrong_header = await c.post(
            f"/platser/{world.slot.id}/boka", headers={"X-CSRF-Token": "fel"}
        )
        assert wrong_header.status_code == 403
    assert await state(world.slot.id) == (0, 0)


async def test_another_sessions_token_is_refused(world: World, browser_for):
    async with browser_for(world.pupil_b_user) as other:
        foreign = await token_of(other, "/platser")
    async with browser_for(world.pupil_a_user) as c:
        refused = await c.post(f"/platser/{world.slot.id}/boka", data={"csrf_token": foreign})
        assert refused.status_code == 403
    assert await state(world.slot.id) == (0, 0)


async def full_slot(world: World) -> Slot:
    slot = await factories.slot(world.employer, title="Kock", capacity=1)
    outcome = await book_slot(await world.actor(world.pupil_b_user), slot.id)
    assert outcome.ok
    return slot


async def booked_elsewhere(world: World) -> Slot:
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.ok
    return await factories.slot(world.employer, title="Servitör")


async def too_young(world: World) -> Slot:
    return await factories.slot(world.employer, title="Snickare", min_age=16)


async def not_visible(world: World) -> Slot:
    return world.slot_b_only


async def booking_closed(world: World) -> Slot:
    await Period.filter(id=world.period_a.id).update(booking_closes_at=clock.now())
    return world.slot


REFUSALS = [
    (full_slot, 409, "Platsen är fullbokad."),
    (booked_elsewhere, 409, "Du har redan en bokning under den här praoperioden."),
    (too_young, 422, "Platsen kräver att du har fyllt 16 år."),
    (not_visible, 403, "Platsen är inte öppen för din skola."),
    (booking_closed, 422, "Bokningen är inte öppen för din praoperiod just nu."),
]


@pytest.mark.parametrize(("make", "status", "message"), REFUSALS)
async def test_each_refusal_is_explained_in_swedish_and_changes_nothing(
    world: World, browser_for, make, status: int, message: str
):
    slot = await make(world)
    before = await state(slot.id)
    async with browser_for(world.pupil_a_user) as c:
        refused = await book(c, slot.id)
        assert refused.status_code == status
        text = main_text(refused.text)
        assert message in text
        assert "Det gick inte att boka" in text
        assert text.count(message) == 1  # said once, not again in the booking panel
        assert f'action="/platser/{slot.id}/boka"' not in refused.text  # no button to retry
        # The domain's refusal reaches the page without JavaScript too.
        assert "<html" in refused.text
    assert await state(slot.id) == before


@pytest.mark.parametrize(("make", "status", "message"), REFUSALS)
async def test_a_refused_booking_runs_the_booking_rules_once(
    world: World, browser_for, monkeypatch: pytest.MonkeyPatch, make, status: int, message: str
):
    """The refusal page is drawn from the refusal the domain returned, not by asking again."""
    slot = await make(world)
    runs: list[int] = []
    original = booking.check_booking

    async def counted(pupil: Pupil, slot: Slot, now: datetime) -> Period | DomainError:
        runs.append(slot.id)
        return await original(pupil, slot, now)

    # Wherever the rules are imported, so that a second run by any path is counted.
    for module in list(sys.modules.values()):
        if getattr(module, "check_booking", None) is original:
            monkeypatch.setattr(module, "check_booking", counted)
    async with browser_for(world.pupil_a_user) as c:
        token = await token_of(c, "/platser")
        runs.clear()
        refused = await c.post(f"/platser/{slot.id}/boka", data={"csrf_token": token})
    assert refused.status_code == status and message in main_text(refused.text)
    assert runs == [slot.id]


async def test_slot_page_says_in_advance_why_booking_is_not_possible(world: World, browser_for):
    slot = await full_slot(world)
    async with browser_for(world.pupil_a_user) as c:
        page = await c.get(f"/platser/{slot.id}")
        assert page.status_code == 200
        assert "Platsen är fullbokad." in main_text(page.text)
        assert f'action="/platser/{slot.id}/boka"' not in page.text


async def test_booking_a_slot_that_does_not_exist(world: World, browser_for):
    async with browser_for(world.pupil_a_user) as c:
        refused = await book(c, 999_999)
        assert refused.status_code == 404
        assert "Platsen finns inte." in main_text(refused.text)


async def test_anonymous_booking_goes_to_sign_in(world: World, client: httpx.AsyncClient):
    token = await token_of(client, "/logga-in")
    answer = await client.post(f"/platser/{world.slot.id}/boka", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/logga-in"
    assert await state(world.slot.id) == (0, 0)


async def my_booking(world: World) -> Booking:
    outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert outcome.ok and outcome.value is not None
    return outcome.value


async def test_cancel_asks_first_then_cancels_with_a_reason(world: World, browser_for):
    booking = await my_booking(world)
    async with browser_for(world.pupil_a_user) as c:
        mine = await c.get("/mina-bokningar")
        assert f'href="/bokningar/{booking.id}/avboka"' in mine.text
        ask = await c.get(f"/bokningar/{booking.id}/avboka")
        assert ask.status_code == 200
        assert "Avboka Bagare?" in main_text(ask.text)
        assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED  # GET only asks
        done = await c.post(
            f"/bokningar/{booking.id}/avboka",
            data={"csrf_token": await token_of(c), "reason": "Jag blev sjuk"},
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/mina-bokningar"
        text = main_text((await c.get("/mina-bokningar")).text)
        assert "Bokningen är avbokad." in text
        assert "Avbokad" in text
        assert f'href="/bokningar/{booking.id}/avboka"' not in (await c.get("/mina-bokningar")).text

        again = await c.post(
            f"/bokningar/{booking.id}/avboka", data={"csrf_token": await token_of(c)}
        )
        assert again.status_code == 409
        assert "Bokningen är redan avbokad eller avslutad." in main_text(again.text)
    cancelled = await Booking.get(id=booking.id)
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.reason == "Jag blev sjuk"
    assert (await Slot.get(id=world.slot.id)).taken == 0


async def test_cancel_after_the_deadline_is_refused(world: World, browser_for):
    booking = await my_booking(world)
    await Period.filter(id=world.period_a.id).update(
        cancel_deadline=clock.now() - timedelta(minutes=1)
    )
    async with browser_for(world.pupil_a_user) as c:
        mine = main_text((await c.get("/mina-bokningar")).text)
        assert "Sista dag för avbokning har passerat." in mine
        ask = await c.get(f"/bokningar/{booking.id}/avboka")
        assert "Sista dag för avbokning har passerat." in main_text(ask.text)
        assert 'name="reason"' not in ask.text
        refused = await c.post(
            f"/bokningar/{booking.id}/avboka", data={"csrf_token": await token_of(c)}
        )
        assert refused.status_code == 422
        assert "Sista dag för avbokning har passerat." in main_text(refused.text)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert (await Slot.get(id=world.slot.id)).taken == 1


async def test_cancel_without_csrf_changes_nothing(world: World, browser_for):
    booking = await my_booking(world)
    async with browser_for(world.pupil_a_user) as c:
        refused = await c.post(f"/bokningar/{booking.id}/avboka", data={"reason": "x"})
        assert refused.status_code == 403
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED


async def test_someone_elses_booking_is_not_found(world: World, browser_for):
    booking = await my_booking(world)
    async with browser_for(world.pupil_b_user) as c:
        assert (await c.get(f"/bokningar/{booking.id}/avboka")).status_code == 404
        refused = await c.post(
            f"/bokningar/{booking.id}/avboka", data={"csrf_token": await token_of(c)}
        )
        assert refused.status_code == 404
        assert "Bokningen finns inte." in main_text(refused.text)
        assert "Bagare" not in main_text((await c.get("/mina-bokningar")).text)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED


async def test_my_bookings_is_for_pupils(world: World, browser_for, client: httpx.AsyncClient):
    assert (await client.get("/mina-bokningar")).headers["location"] == "/logga-in"
    async with browser_for(world.coordinator_a) as c:
        assert (await c.get("/mina-bokningar")).headers["location"] == "/oversikt"
