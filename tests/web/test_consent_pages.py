"""The consent pages: the guardian's page behind her one-time link (as an anonymous visitor),
the coordinator's list and paper consent, the organiser admin's settings, and the texts on the
placement card."""

from __future__ import annotations

import re
from datetime import timedelta

from prao import clock
from prao.models import (
    AuditEvent,
    Booking,
    BookingLink,
    BookingStatus,
    ConsentDecision,
    ConsentMode,
    Guardian,
    GuardianConsent,
    Organiser,
    OutboxMessage,
    Slot,
)
from prao.services.booking import book_slot
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World

LINK = re.compile(r"(/samtycke/\d+/\S+)")
INSURANCE = "Kommunens <b>försäkring</b> gäller."


async def consent_asked(world: World, mode: ConsentMode = ConsentMode.ONE_GUARDIAN) -> Booking:
    await Organiser.filter(id=world.organiser.id).update(
        consent_mode=mode, info_insurance=INSURANCE, info_version=2
    )
    await Guardian.create(pupil_id=world.pupil_a.id, name="Bo Andersson", email="bo@ex.se")
    await Slot.filter(id=world.slot.id).update(tasks="Baka bullar")
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    return booked.value


async def link_to(address: str) -> str:
    mail = await OutboxMessage.filter(kind="consent_request", to_address=address).get()
    match = LINK.search(mail.body)
    assert match
    return match.group(1).removeprefix("http://testserver")


async def test_the_guardian_reads_and_consents_once(world: World, browser_for: ClientFactory):
    booking = await consent_asked(world)
    path = await link_to("vh.alva@example.se")
    async with browser_for(None) as c:
        page = await c.get(path)
        assert page.status_code == 200, page.text
        assert page.headers["cache-control"] == "no-store"
        text = main_text(page.text)
        for expected in ("Godkänn Alvas prao", "Bagare", "Café Solen", "Baka bullar",
                         "08:00–14:00", "Jag godkänner", "Jag godkänner inte"):  # fmt: skip
            assert expected in text, expected
        assert "Andersson" not in text  # her child's first name, as the page needs
        assert "&lt;b&gt;försäkring&lt;/b&gt;" in page.text  # the texts are escaped
        token = await token_of(c, path)
        done = await c.post(
            path, data={"csrf_token": token, "decision": "given", "text_version": "info 2"}
        )
        assert done.status_code == 200 and "Du har godkänt" in main_text(done.text)
        again = await c.post(
            path, data={"csrf_token": token, "decision": "refused", "text_version": "info 2"}
        )
        assert again.status_code == 410
        shown = await c.get(path)
        assert shown.status_code == 200 and "Du har redan svarat: Godkänt via länk" in shown.text
        assert "Jag godkänner inte" not in shown.text
    consent = await GuardianConsent.get(booking_id=booking.id, guardian__email="vh.alva@example.se")
    assert consent.decision == ConsentDecision.GIVEN and consent.text_version == "info 2"
    other = await GuardianConsent.get(booking_id=booking.id, guardian__email="bo@ex.se")
    assert other.decision == ConsentDecision.PENDING  # her link decides for her alone


async def test_refused_links_say_why_and_change_nothing(world: World, browser_for: ClientFactory):
    booking = await consent_asked(world)
    path = await link_to("vh.alva@example.se")
    _, _, booking_id, raw = path.split("/")
    other_booking = await book_slot(await world.actor(world.coordinator_a), world.slot.id,
                                    world.pupil_a2.id)  # fmt: skip
    assert other_booking.value is not None
    async with browser_for(None) as c:
        token = await token_of(c, path)
        for wrong, status in (
            (f"/samtycke/{booking_id}/{raw}x", 404),  # unknown token
            (f"/samtycke/{other_booking.value.id}/{raw}", 404),  # another booking
            (f"/samtycke/{booking_id}/{'a' * 300}", 404),
        ):
            page = await c.get(wrong)
            assert page.status_code == status and "Länken finns inte" in page.text, wrong
            post = await c.post(wrong, data={"csrf_token": token, "decision": "given"})
            assert post.status_code == status
        # No CSRF token: refused.
        assert (await c.post(path, data={"decision": "given"})).status_code == 403
        # A message with NUL or too long: the page again, with the error.
        for message in ("nej\x00", "x" * 1001):
            values = {"csrf_token": token, "decision": "refused", "message": message}
            bad = await c.post(path, data={**values, "text_version": "info 2"})
            assert bad.status_code == 422 and 'id="message-fel"' in bad.text
        # The texts changed since the page was shown: shown again, nothing decided.
        stale = await c.post(
            path, data={"csrf_token": token, "decision": "given", "text_version": "info 1"}
        )
        assert stale.status_code == 200 and "Informationen har ändrats" in stale.text
        assert not await GuardianConsent.filter(decision__not="pending").exists()
        # Expired.
        await BookingLink.filter(booking_id=booking.id).update(
            expires_at=clock.now() - timedelta(minutes=1)
        )
        expired = await c.get(path)
        assert expired.status_code == 410 and "slutat gälla" in expired.text
    assert not await GuardianConsent.filter(decision__not="pending").exists()
    assert not await OutboxMessage.filter(kind="consent_refused").exists()


async def test_a_cancelled_booking_has_nothing_to_consent_to(world, browser_for):
    booking = await consent_asked(world)
    path = await link_to("vh.alva@example.se")
    await Booking.filter(id=booking.id).update(status=BookingStatus.CANCELLED)
    async with browser_for(None) as c:
        page = await c.get(path)
    assert page.status_code == 409 and "inte längre bokad" in page.text


async def test_the_coordinator_sees_consents_and_records_a_paper(
    world: World, browser_for: ClientFactory
):
    booking = await consent_asked(world, ConsentMode.ALL_GUARDIANS)
    start = clock.today() + timedelta(days=3)
    await Slot.filter(id=world.slot.id).update(start_date=start, end_date=start + timedelta(days=4))
    bo = await Guardian.get(email="bo@ex.se")
    async with browser_for(world.coordinator_a) as c:
        page = await c.get(f"/oversikt/perioder/{booking.period_id}/samtycken")
        assert page.status_code == 200, page.text
        text = main_text(page.text)
        assert "Alla vårdnadshavare godkänner" in text
        assert "Saknar godkännande, börjar inom 5 dagar" in text
        assert "Alva Andersson" in text and "Bo Andersson: Inte svarat" in text
        form_path = f"/oversikt/bokningar/{booking.id}/samtycke"
        form = await c.get(form_path)
        assert form.status_code == 200
        token = await token_of(c, form_path)
        values = {"csrf_token": token, "decision": "given", "guardian": str(bo.id),
                  "guardianName": "", "message": "Lämnat på expeditionen"}  # fmt: skip
        asked = await c.post(form_path, data=values)
        assert asked.status_code == 200 and "Stämmer det?" in asked.text
        assert not await GuardianConsent.filter(decision="given").exists()  # not yet
        saved = await c.post(form_path, data={**values, "confirmed": "yes"})
        assert saved.status_code == 303
        after = main_text((await c.get(f"/oversikt/perioder/{booking.period_id}/samtycken")).text)
        assert "Bo Andersson: Godkänt på papper" in after
        bad = await c.post(form_path, data={**values, "guardian": "", "guardianName": "x\x00"})
        assert bad.status_code == 422 and 'id="guardianName-fel"' in bad.text
        # Paper "no" from the other guardian: the place is kept, and the coordinator may cancel.
        alva = await Guardian.get(email="vh.alva@example.se")
        no = {**values, "decision": "refused", "guardian": str(alva.id), "confirmed": "yes"}
        assert (await c.post(form_path, data=no)).status_code == 303
        refused = await c.get(f"/oversikt/perioder/{booking.period_id}/samtycken")
        assert f'href="/bokningar/{booking.id}/avboka"' in refused.text
        assert "Inte godkänt: du bestämmer" in main_text(refused.text)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    row = await GuardianConsent.get(guardian_id=bo.id)
    assert row.method == "paper" and row.message == "Lämnat på expeditionen"
    assert await AuditEvent.filter(action="record_consent").count() == 2
    async with browser_for(world.coordinator_b) as c:
        assert (await c.get(f"/oversikt/perioder/{booking.period_id}/samtycken")).status_code == 404
        assert (await c.get(f"/oversikt/bokningar/{booking.id}/samtycke")).status_code == 404
    async with browser_for(world.employer_user) as c:
        assert (await c.get(f"/oversikt/bokningar/{booking.id}/samtycke")).status_code == 403


async def test_the_admin_sets_the_rule_and_the_texts(world: World, browser_for: ClientFactory):
    async with browser_for(world.admin) as c:
        assert "/admin/samtycke" in (await c.get("/oversikt")).text
        page = await c.get("/admin/samtycke")
        assert page.status_code == 200
        token = await token_of(c, "/admin/samtycke")
        values = {"csrf_token": token, "consent_mode": "one_guardian",
                  "info_insurance": "Försäkrad.\n\nÄven på resan.", "info_lunch": "Matlåda",
                  "info_travel": "", "info_contact": "syv@skola.se"}  # fmt: skip
        saved = await c.post("/admin/samtycke", data=values)
        assert saved.status_code == 303
        bad = await c.post("/admin/samtycke", data={**values, "info_lunch": "x" * 4001})
        assert bad.status_code == 422 and 'id="info_lunch-fel"' in bad.text
    organiser = await Organiser.get(id=world.organiser.id)
    assert organiser.consent_mode == ConsentMode.ONE_GUARDIAN and organiser.info_version == 1
    assert organiser.info_lunch == "Matlåda"
    for who, start in (
        (world.coordinator_a, "/oversikt"),
        (world.employer_user, "/arbetsgivare/platser/ny"),
        (world.pupil_a_user, "/mina-bokningar"),
    ):
        async with browser_for(who) as c:
            assert (await c.get("/admin/samtycke")).status_code == 403
            token = await token_of(c, start)
            post = await c.post("/admin/samtycke", data={**values, "csrf_token": token})
            assert post.status_code == 403
    assert (await Organiser.get(id=world.organiser.id)).info_version == 1


async def test_the_card_shows_the_texts(world: World, browser_for: ClientFactory):
    booking = await consent_asked(world)
    async with browser_for(world.pupil_a_user) as c:
        page = await c.get(f"/bokningar/{booking.id}/kort")
    assert page.status_code == 200
    assert "Information från kommunen" in page.text and "&lt;b&gt;försäkring" in page.text


async def test_the_demo_shows_a_consent_given_and_others_pending(db: None) -> None:
    from prao.demo import seed_demo

    assert await seed_demo(pupils_per_school=12)
    organiser = await Organiser.get()
    assert organiser.consent_mode == ConsentMode.ONE_GUARDIAN and organiser.info_insurance
    assert await GuardianConsent.filter(decision="given", method="link").count() == 1
    assert await GuardianConsent.filter(decision="pending").exists()
