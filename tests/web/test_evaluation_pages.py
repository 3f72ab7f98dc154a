"""The evaluations as people use them: the signed-in pupil's five questions from her bookings,
the supervisor's three behind a one-time link (used twice, for the wrong booking, expired), the
workplace's averages only over five pupils, and the coordinator's answered-or-not."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from prao import clock, policy
from prao.config import TIMEZONE
from prao.models import AuditEvent, Booking, BookingLink, Evaluation, OutboxMessage, Pupil, Slot
from prao.services.booking import book_slot
from prao.services.evaluation_requests import send_evaluation_requests
from tests import factories
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World

LINK = re.compile(r"https?://[^/\s]+(/handledare/utvardering/\S+)")
ANSWERS = {"overall": "4", "learned": "3", "treated_well": "4", "recommend": "2"}
HOST = {"went_well": "4", "host_again": "maybe", "places_next_year": "3"}


async def placed(world: World, slot: Slot | None = None, pupil: Pupil | None = None) -> Booking:
    coordinator = await world.actor(world.coordinator_a)
    outcome = await book_slot(coordinator, (slot or world.slot).id, (pupil or world.pupil_a).id)
    assert outcome.value is not None, outcome.errors
    return outcome.value


def after_the_end(world: World, monkeypatch: pytest.MonkeyPatch, days: int = 1) -> datetime:
    moment = datetime.combine(world.slot.end_date + timedelta(days=days), time(9), TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


async def test_the_pupil_answers_once_from_her_bookings(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await placed(world)
    path = f"/bokningar/{booking.id}/utvardering"
    async with browser_for(world.pupil_a_user) as c:  # during the placement: not yet
        assert "utvardering" not in (await c.get("/mina-bokningar")).text
        early = await c.get(path)
        assert early.status_code == 422 and "när praon är slut" in main_text(early.text)

    after_the_end(world, monkeypatch)
    async with browser_for(world.pupil_a_user) as c:
        mine = await c.get("/mina-bokningar")
        assert f'href="{path}"' in mine.text and "Berätta hur din prao" in main_text(mine.text)
        assert "Nästa steg" not in main_text(mine.text)  # nothing waits for the start now
        assert f'href="{path}"' in (await c.get(f"/bokningar/{booking.id}/kort")).text
        form = await c.get(path)
        assert form.status_code == 200
        text = main_text(form.text)
        assert "Hur var din prao?" in text and "Skulle du tipsa en kompis" in text
        assert "ser aldrig dina egna svar" in text
        token = await token_of(c, path)
        bad = await c.post(path, data={"csrf_token": token, "overall": "4", "learned": "7"})
        assert bad.status_code == 422
        said = main_text(bad.text)
        assert "Välj ett svar: Lärde du dig något om hur det är att jobba där?" in said
        assert "Välj ett svar: Hur var din prao?" not in said  # she answered that one
        assert 'value="4" checked' in bad.text  # what she chose is kept
        assert not await Evaluation.filter(pupil_answered_at__isnull=False).exists()
        done = await c.post(
            path, data={"csrf_token": token, **ANSWERS, "comment": "Roligt att baka"}
        )
        assert done.status_code == 303 and done.headers["location"] == path
        shown = main_text((await c.get(path)).text)
        assert "Tack för dina svar!" in shown and "Dina svar" in shown
        assert "Jättebra" in shown and "Roligt att baka" in shown
        again = await c.post(path, data={"csrf_token": token, **ANSWERS, "overall": "1"})
        assert again.status_code == 409 and "redan svarat" in main_text(again.text)
        assert "Se dina svar" in (await c.get("/mina-bokningar")).text
    row = await Evaluation.get(booking_id=booking.id)
    assert (row.overall, row.recommend, row.pupil_comment) == (4, 2, "Roligt att baka")

    for other, status in ((world.pupil_b_user, 404), (world.coordinator_a, 403)):
        async with browser_for(other) as c:
            assert (await c.get(path)).status_code == status
            token = await token_of(c, "/")
            refused = await c.post(path, data={"csrf_token": token, **ANSWERS})
            assert refused.status_code == status
    async with browser_for(None) as c:
        assert (await c.get(path)).status_code in (302, 303)
    assert await AuditEvent.filter(action="answer", object_type="evaluation").count() == 1


async def test_the_supervisor_answers_by_link_once(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await placed(world)
    other = await placed(world, pupil=world.pupil_a2)
    await send_evaluation_requests(after_the_end(world, monkeypatch))
    message = await OutboxMessage.filter(
        kind="host_evaluation_request", booking_id=booking.id
    ).get()
    found = LINK.search(message.body)
    assert found is not None
    path = found.group(1)
    async with browser_for(None) as c:
        page = await c.get(path)
        assert page.status_code == 200 and page.headers["cache-control"].startswith("no-store")
        text = main_text(page.text)
        assert "Hur gick praon med Alva?" in text and "Andersson" not in text
        token = await token_of(c, path)
        bad = await c.post(path, data={"csrf_token": token, "places_next_year": "många"})
        assert bad.status_code == 422 and "Skriv ett antal mellan 0 och 99" in main_text(bad.text)
        wrong = path.replace(f"/{booking.id}/", f"/{other.id}/")
        refused = await c.post(wrong, data={"csrf_token": token, **HOST})
        assert refused.status_code == 404 and "Länken finns inte" in main_text(refused.text)
        assert not await Evaluation.filter(supervisor_answered_at__isnull=False).exists()
        done = await c.post(path, data={"csrf_token": token, **HOST})
        assert done.status_code == 200 and "Era svar är sparade" in main_text(done.text)
        again = await c.post(path, data={"csrf_token": token, **HOST, "host_again": "no"})
        assert again.status_code == 410 and "redan besvarad" in main_text(again.text)
        assert "Era svar är sparade" in main_text((await c.get(path)).text)
    row = await Evaluation.get(booking_id=booking.id)
    assert (row.went_well, row.host_again, row.places_next_year) == (4, "maybe", 3)

    # The other booking's link, expired, says so and answers nothing.
    await BookingLink.filter(booking_id=other.id).update(expires_at=clock.now())
    message = await OutboxMessage.filter(kind="host_evaluation_request", booking_id=other.id).get()
    found = LINK.search(message.body)
    assert found is not None
    async with browser_for(None) as c:
        expired = await c.get(found.group(1))
        assert expired.status_code == 410 and "slutat gälla" in main_text(expired.text)
        token = await token_of(c, "/logga-in")
        posted = await c.post(found.group(1), data={"csrf_token": token, **HOST})
        assert posted.status_code == 410
    assert (await Evaluation.get(booking_id=other.id)).supervisor_answered_at is None


async def test_the_workplace_sees_averages_from_five_pupils_and_the_school_who_answered(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot = await factories.slot(world.employer, title="Kock", capacity=6)
    pupils = [await factories.pupil(world.school_a) for _ in range(policy.MIN_GROUP)]
    bookings = [await placed(world, slot, p) for p in pupils]
    await Booking.filter(id__in=[b.id for b in bookings]).update(period_id=world.period_a.id)
    after_the_end(world, monkeypatch)
    users = [await factories.pupil_user(p) for p in pupils]
    for i, (user, booking) in enumerate(zip(users, bookings, strict=True)):
        async with browser_for(world.employer_user) as c:
            start = main_text((await c.get("/oversikt")).text)
            assert "För få svar för att visa" in start and "av 4" not in start
        async with browser_for(user) as c:
            path = f"/bokningar/{booking.id}/utvardering"
            token = await token_of(c, path)
            secret = f"Hemlig kommentar {i}"
            answers = {**ANSWERS, "recommend": "4", "comment": secret}
            assert (await c.post(path, data={"csrf_token": token, **answers})).status_code == 303
    async with browser_for(world.employer_user) as c:
        start = main_text((await c.get("/oversikt")).text)
        assert "Medelvärden av 5 elevers svar" in start and "För få svar" not in start
        assert "Skulle du tipsa en kompis om den här praoplatsen? 4,0 av 4" in start
        assert "Hemlig" not in start
    async with browser_for(world.other_employer_user) as c:
        assert "Medelvärden" not in main_text((await c.get("/oversikt")).text)

    async with browser_for(world.coordinator_a) as c:
        listed = main_text((await c.get(f"/oversikt/perioder/{world.period_a.id}/intyg")).text)
        assert listed.count("Elev: svarat · Handledare: inte svarat") == policy.MIN_GROUP
        assert "Utvärdering: 5 av 5 elever och 0 av 5 handledare har svarat" in listed
        assert "Hemlig" not in listed
