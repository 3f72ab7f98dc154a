"""The employer's pages: sign-up, the slot form with each refusal beside its field, publish,
close (asked first), copy, pupils per slot, approve and decline; the pupil's own placement and
the workplace's confirm page."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from prao import clock
from prao.models import (
    Booking,
    BookingStatus,
    Employer,
    OutboxMessage,
    Role,
    SignInToken,
    Slot,
    SlotStatus,
    User,
)
from prao.services.booking import book_slot
from tests import factories
from tests.callers import main_text, token_of
from tests.factories import World


def slot_form(world: World, **kw: str) -> dict[str, str]:
    start, end = factories.prao_weeks()
    values = {
        "title": "Snickare", "trade": "Bygg", "tasks": "Såga och mäta",
        "address": "Verkstadsgatan 2", "city": "Varberg",
        "startDate": start.isoformat(), "endDate": end.isoformat(),
        "dayStartsAt": "08:00", "dayEndsAt": "14:00", "breakMinutes": "30",
        "capacity": "2", "minAge": "0", "visibleToAll": "1", "requiresApproval": "1",
    }  # fmt: skip
    values.update(kw)
    return values


async def post(client: httpx.AsyncClient, path: str, data: dict[str, str] | None = None):
    token = await token_of(client, "/oversikt")
    return await client.post(path, data={"csrf_token": token, **(data or {})})


async def test_sign_up_creates_employer_and_user_and_mails_a_link(world: World, browser_for):
    async with browser_for(None) as c:
        page = await c.get("/arbetsgivare/registrera")
        assert page.status_code == 200 and "Organisationsnummer" in page.text
        data = {"organiserId": str(world.organiser.id), "name": "Varbergs Snickeri AB",
                "orgNumber": "5560360793", "address": "Hamngatan 1", "city": "Varberg",
                "contactEmail": "Info@Snickeri.se", "contactName": "Siv Snickare"}  # fmt: skip
        done = await c.post(
            "/arbetsgivare/registrera",
            data={"csrf_token": await token_of(c, "/arbetsgivare/registrera"), **data},
        )
        assert done.status_code == 200, done.text
        assert "Kolla din e-post" in done.text
    employer = await Employer.get(name="Varbergs Snickeri AB")
    assert (employer.org_number, employer.contact_email) == ("556036-0793", "info@snickeri.se")
    user = await User.get(email="info@snickeri.se")
    assert (user.role, user.employer_id, user.name) == (Role.EMPLOYER, employer.id, "Siv Snickare")
    [mail] = await OutboxMessage.filter(kind="sign_in_link", to_address="info@snickeri.se")
    link = re.search(r"/logga-in/(\S+)", mail.body)
    assert link
    async with browser_for(None) as c:  # the e-mailed link signs her in to her start page
        page = await c.get(f"/logga-in/{link.group(1)}")
        await c.post(
            f"/logga-in/{link.group(1)}",
            data={"csrf_token": await token_of(c, f"/logga-in/{link.group(1)}")},
        )
        start = await c.get("/oversikt")
        assert "Era praoplatser" in main_text(start.text)


async def test_sign_up_refusals_are_shown_beside_the_fields(world: World, browser_for):
    async with browser_for(None) as c:
        token = await token_of(c, "/arbetsgivare/registrera")
        bad = await c.post("/arbetsgivare/registrera", data={
            "csrf_token": token, "organiserId": str(world.organiser.id), "name": "",
            "orgNumber": "556036-0794", "address": "Hamngatan 1", "city": "Varberg",
            "contactEmail": "info"})  # fmt: skip
        assert bad.status_code == 422
        assert 'id="orgNumber-fel"' in bad.text and "kontrollsiffran" in bad.text
        assert 'id="name-fel"' in bad.text and 'id="contactEmail-fel"' in bad.text
        assert 'value="556036-0794"' in bad.text  # what she typed stays
    assert await Employer.all().count() == 2 and not await User.filter(email="info").exists()


async def test_sign_up_with_a_known_address_says_the_same_and_creates_nothing(world, browser_for):
    async with browser_for(None) as c:
        token = await token_of(c, "/arbetsgivare/registrera")
        done = await c.post("/arbetsgivare/registrera", data={
            "csrf_token": token, "organiserId": str(world.organiser.id), "name": "Kopia AB",
            "orgNumber": "556036-0793", "address": "Gatan 1", "city": "Varberg",
            "contactEmail": world.employer_user.email})  # fmt: skip
        assert done.status_code == 200 and "Kolla din e-post" in done.text
    assert not await Employer.filter(name="Kopia AB").exists()


async def test_slot_form_shows_each_refusal_beside_its_field(world: World, browser_for):
    async with browser_for(world.employer_user) as c:
        form = await c.get("/arbetsgivare/platser/ny")
        assert form.status_code == 200 and 'name="dayEndsAt"' in form.text
        bad = await post(
            c,
            "/arbetsgivare/platser/ny",
            slot_form(
                world, dayEndsAt="21:00", dayStartsAt="07:00", capacity="två", endDate="2020-01-01"
            ),
        )
        assert bad.status_code == 422
        html = bad.text
        assert re.search(r'id="dayEndsAt-fel">[^<]*20:00 och 06:00', html)
        assert re.search(r'id="capacity-fel">Skriv antalet platser med siffror', html)
        assert re.search(r'id="endDate-fel">Slutdatum', html)
        assert 'aria-describedby="dayEndsAt-fel"' in html
        assert await Slot.filter(title="Snickare").count() == 0


async def test_create_publish_close_and_copy(world: World, browser_for):
    async with browser_for(world.employer_user) as c:
        created = await post(c, "/arbetsgivare/platser/ny", slot_form(world))
        assert created.status_code == 303
        slot = await Slot.get(title="Snickare")
        assert created.headers["location"] == f"/arbetsgivare/platser/{slot.id}"
        assert slot.status == SlotStatus.DRAFT and slot.requires_approval
        page = await c.get(f"/arbetsgivare/platser/{slot.id}")
        assert "Utkast" in main_text(page.text)
        assert (await post(c, f"/arbetsgivare/platser/{slot.id}/publicera")).status_code == 303
        assert (await Slot.get(id=slot.id)).status == SlotStatus.PUBLISHED
        ask = await c.get(f"/arbetsgivare/platser/{slot.id}/stang")
        assert "Ja, stäng platsen" in ask.text
        assert (await Slot.get(id=slot.id)).status == SlotStatus.PUBLISHED  # asking changes nothing
        assert (await post(c, f"/arbetsgivare/platser/{slot.id}/stang")).status_code == 303
        assert (await Slot.get(id=slot.id)).status == SlotStatus.CLOSED
        copied = await post(c, f"/arbetsgivare/platser/{slot.id}/kopiera")
        copy = await Slot.get(copied_from_id=slot.id)
        assert copied.headers["location"] == f"/arbetsgivare/platser/{copy.id}/andra"
        assert copy.start_date.year == slot.start_date.year + 1
        edit = await post(c, f"/arbetsgivare/platser/{copy.id}/andra",
                          slot_form(world, title="Snickare 2", capacity="0"))  # fmt: skip
        assert edit.status_code == 422 and 'id="capacity-fel"' in edit.text
        assert (await Slot.get(id=copy.id)).title == "Snickare"


async def test_slot_page_shows_pupils_without_protected_details(world: World, browser_for):
    slot = await factories.slot(world.employer, title="Kock", requires_approval=True)
    secret = await factories.pupil(world.school_a, first_name="Sigrid", last_name="Hemlig",
                                   security_marking=True, email="sigrid@example.se")  # fmt: skip
    secret_user = await factories.pupil_user(secret)
    for user in (world.pupil_a_user, secret_user):
        assert (await book_slot(await world.actor(user), slot.id)).ok
    async with browser_for(world.employer_user) as c:
        for path in (f"/arbetsgivare/platser/{slot.id}", "/oversikt"):
            text = main_text((await c.get(path)).text)
            assert re.search(r"Alva,? Skola A, (årskurs|åk) 8", text)
            assert "Sigrid" in text
            for hidden in ("Andersson", "Hemlig", "sigrid@example.se", "alva@example.se", "8A"):
                assert hidden not in text, (path, hidden)
            assert not re.search(r"Sigrid,? Skola", text)
            assert text.count("Skola A") == 1  # Alva's only


async def test_approve_and_decline_from_the_slot_page(world: World, browser_for):
    slot = await factories.slot(world.employer, title="Kock", requires_approval=True, capacity=2)
    a = (await book_slot(await world.actor(world.pupil_a_user), slot.id)).value
    b = (await book_slot(await world.actor(world.pupil_b_user), slot.id)).value
    assert a and b
    async with browser_for(world.employer_user) as c:
        page = await c.get(f"/arbetsgivare/platser/{slot.id}")
        assert f'action="/arbetsgivare/bokningar/{a.id}/godkann"' in page.text
        done = await post(c, f"/arbetsgivare/bokningar/{a.id}/godkann")
        assert done.headers["location"] == f"/arbetsgivare/platser/{slot.id}"
        ask = await c.get(f"/arbetsgivare/bokningar/{b.id}/neka")
        assert "Ja, neka" in ask.text
        assert (
            await post(c, f"/arbetsgivare/bokningar/{b.id}/neka", {"reason": "Tyvärr"})
        ).status_code == 303
        again = await post(c, f"/arbetsgivare/bokningar/{b.id}/neka")
        assert again.status_code == 409 and "väntar inte längre" in main_text(again.text)
    assert (await Booking.get(id=a.id)).status == BookingStatus.CONFIRMED
    declined = await Booking.get(id=b.id)
    assert (declined.status, declined.reason) == (BookingStatus.DECLINED, "Tyvärr")
    assert (await Slot.get(id=slot.id)).taken == 1
    async with browser_for(world.pupil_a_user) as c:
        assert "Bekräftad" in main_text((await c.get("/mina-bokningar")).text)


async def test_invite_a_colleague(world: World, browser_for):
    async with browser_for(world.employer_user) as c:
        done = await post(c, "/arbetsgivare/kollegor", {"email": "kollega@cafe.se", "name": "Kim"})
        assert done.status_code == 303
        dup = await post(c, "/arbetsgivare/kollegor", {"email": "kollega@cafe.se", "name": "Kim"})
        assert dup.status_code == 422 and 'id="email-fel"' in dup.text
    user = await User.get(email="kollega@cafe.se")
    assert (user.role, user.employer_id) == (Role.EMPLOYER, world.employer.id)
    assert (
        await OutboxMessage.filter(kind="sign_in_link", to_address="kollega@cafe.se").count() == 1
    )


async def test_invites_do_not_tell_who_has_an_account_elsewhere(world: World, browser_for):
    """An address with an account in another organiser, at another workplace or at a school is
    answered exactly like a new one, and none of those accounts changes."""
    elsewhere = [
        world.other_employer_user.email,  # another organiser
        world.pupil_a_user.email,  # a pupil of the employer's own organiser
        world.coordinator_a.email,
    ]
    accounts = await User.filter(email__in=elsewhere).order_by("id").values()
    pages = []
    async with browser_for(world.employer_user) as c:
        for i, email in enumerate([*elsewhere, "helt.ny@cafe.se"]):
            sent = await post(c, "/arbetsgivare/kollegor", {"email": email, "name": f"Kim {i}"})
            assert sent.status_code == 303, email
            shown = await c.get(sent.headers["location"])
            pages.append(main_text(shown.text).replace(email, "ADRESS").replace(f"Kim {i}", "N"))
        assert len(set(pages)) == 1  # same flash, same colleague list
        assert "ADRESS är inbjuden" in pages[0] and "helt.ny@cafe.se" not in pages[0]
    assert await User.filter(email__in=elsewhere).order_by("id").values() == accounts
    assert await User.filter(employer_id=world.employer.id).count() == 2  # her and the invitee
    # The new colleague is listed once she has signed in with her link.
    invited = await User.get(email="helt.ny@cafe.se")
    assert invited.employer_id == world.employer.id
    await SignInToken.filter(user_id=invited.id).update(used_at=clock.now())
    async with browser_for(world.employer_user) as c:
        assert "helt.ny@cafe.se" in main_text((await c.get("/arbetsgivare/kollegor")).text)


async def test_employer_pages_need_an_employer(world: World, browser_for):
    async with browser_for(None) as c:
        assert (await c.get("/arbetsgivare/platser/ny")).status_code == 303
    async with browser_for(world.coordinator_a) as c:
        assert (await c.get("/arbetsgivare/platser/ny")).status_code == 403
        assert (await post(c, "/arbetsgivare/platser/ny", slot_form(world))).status_code == 403
    async with browser_for(world.employer_user) as c:
        bad = await c.post(
            "/arbetsgivare/platser/ny", data={"csrf_token": "fel", **slot_form(world)}
        )
        assert bad.status_code == 403
    assert not await Slot.filter(title="Snickare").exists()


async def test_self_found_placement_through_the_web(world: World, browser_for):
    start = world.period_a.start_date
    async with browser_for(world.pupil_a_user) as c:
        form = await c.get("/mina-bokningar/egen-plats")
        assert form.status_code == 200
        token = await token_of(c, "/mina-bokningar/egen-plats")
        bad = await c.post("/mina-bokningar/egen-plats", data={
            "csrf_token": token, "name": "Blomman", "contactEmail": "x",
            "startDate": start.isoformat(),
            "endDate": (start + timedelta(days=4)).isoformat(), "tasks": "Blommor"})  # fmt: skip
        assert bad.status_code == 422 and 'id="contactEmail-fel"' in bad.text
        done = await c.post("/mina-bokningar/egen-plats", data={
            "csrf_token": token, "name": "Blomman", "contactEmail": "blomman@example.se",
            "startDate": start.isoformat(), "endDate": (start + timedelta(days=4)).isoformat(),
            "tasks": "Blommor"})  # fmt: skip
        assert done.status_code == 303
        mine = main_text((await c.get("/mina-bokningar")).text)
        assert "Blomman" in mine and "Väntar" in mine
    [mail] = await OutboxMessage.filter(kind="self_found_request")
    match = re.search(r"/bekrafta/(\S+)", mail.body)
    assert match
    path = f"/bekrafta/{match.group(1)}"
    async with browser_for(None) as c:  # no account
        page = await c.get(path)
        assert page.status_code == 200 and "Alva" in page.text and "Andersson" not in page.text
        token = await token_of(c, path)
        done = await c.post(path, data={"csrf_token": token, "decision": "confirm"})
        assert done.status_code == 200 and "bekräftad" in main_text(done.text)
        again = await c.post(path, data={"csrf_token": token, "decision": "decline"})
        assert again.status_code == 410
        assert (await c.get(path)).status_code == 410
    booking = await Booking.get(pupil_id=world.pupil_a.id)
    assert booking.status == BookingStatus.CONFIRMED
    async with browser_for(world.pupil_a_user) as c:
        assert "Bekräftad" in main_text((await c.get("/mina-bokningar")).text)


async def test_coordinator_sees_flagged_pending_bookings(world: World, browser_for):
    from prao import clock
    from prao.services.decisions import flag_stale_pending

    slot = await factories.slot(world.employer, title="Kock", requires_approval=True)
    booking = (await book_slot(await world.actor(world.pupil_a_user), slot.id)).value
    assert booking
    await Booking.filter(id=booking.id).update(created_at=clock.now() - timedelta(days=4))
    async with browser_for(world.coordinator_a) as c:
        assert "väntat länge" not in (await c.get("/oversikt")).text
        await Booking.filter(id=booking.id).update(created_at=clock.now() - timedelta(days=7))
        await flag_stale_pending(clock.now(), 5)
        text = main_text((await c.get("/oversikt")).text)
        assert "Förfrågningar som väntat länge" in text
        assert "Alva Andersson: Kock, Café Solen" in text and "väntat 7 dagar" in text
    async with browser_for(world.coordinator_b) as c:
        assert "väntat länge" not in (await c.get("/oversikt")).text


async def test_a_request_is_not_counted_as_a_booking(world: World, browser_for) -> None:
    """A place taken by a request awaiting the employer's answer shows as such, not as booked."""
    slot = await factories.slot(world.employer, requires_approval=True, capacity=4)
    outcome = await book_slot(await world.actor(world.pupil_a_user), slot.id)
    assert outcome.ok
    async with browser_for(world.employer_user) as c:
        page = main_text((await c.get(f"/arbetsgivare/platser/{slot.id}")).text)
        start = main_text((await c.get("/oversikt")).text)
    for text in (page, start):
        assert "0 bekräftade, 1 väntar på ert svar · 3 platser kvar av 4" in text
        assert "Bokade 1 av 4" not in text


async def test_the_trade_is_picked_from_the_list_pupils_filter_by(
    world: World, browser_for
) -> None:
    async with browser_for(world.employer_user) as c:
        form = (await c.get("/arbetsgivare/platser/ny")).text
        select = re.search(r'<select id="trade" name="trade"[^>]*>(.*?)</select>', form, re.S)
        assert select is not None
        options = re.findall(r"<option[^>]*>([^<]+)</option>", select.group(1))
        assert options[0] == "Välj bransch" and "Vård och omsorg" in options
        # A trade from before the list (or from a school system) stays as it is when edited.
        odd = await factories.slot(world.employer, trade="Bygg")
        edit = (await c.get(f"/arbetsgivare/platser/{odd.id}/andra")).text
        assert "<option selected>Bygg</option>" in edit
