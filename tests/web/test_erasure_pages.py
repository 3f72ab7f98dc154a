"""The organiser admin's retention setting and a coordinator's erasure of one pupil on
request, as pages that work without JavaScript: each refusal changes nothing, and a refusal
to someone outside the pupil's school leaves no trace."""

from __future__ import annotations

from prao.models import AuditEvent, Booking, Organiser, Pupil, User
from prao.services.booking import book_slot, cancel_booking
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World
from tests.personal_data import known_by, rows_holding


async def test_the_admin_sets_the_retention(world: World, browser_for: ClientFactory) -> None:
    async with browser_for(world.admin) as c:
        assert "/admin/gallring" in (await c.get("/oversikt")).text
        page = await c.get("/admin/gallring")
        assert page.status_code == 200 and 'value="12"' in page.text
        token = await token_of(c, "/admin/gallring")
        for bad in ("0", "61", "tolv", "", "12,5"):
            refused = await c.post(
                "/admin/gallring", data={"csrf_token": token, "retention_months": bad}
            )
            assert refused.status_code == 422, bad
            assert 'id="retention_months-fel"' in refused.text
            assert "Ange ett helt antal månader mellan 1 och 60." in main_text(refused.text)
            assert "Det finns ett fel att rätta" in refused.text
        assert (await Organiser.get(id=world.organiser.id)).retention_months == 12
        saved = await c.post(
            "/admin/gallring", data={"csrf_token": token, "retention_months": "18"}
        )
        assert saved.status_code == 303
        assert "18 månader" in (await c.get("/admin/gallring")).text
    assert (await Organiser.get(id=world.organiser.id)).retention_months == 18
    for who, start in (
        (world.coordinator_a, "/oversikt"),
        (world.employer_user, "/arbetsgivare/platser/ny"),
        (world.pupil_a_user, "/mina-bokningar"),
    ):
        async with browser_for(who) as c:
            assert (await c.get("/admin/gallring")).status_code == 403
            token = await token_of(c, start)
            post = await c.post(
                "/admin/gallring", data={"csrf_token": token, "retention_months": "1"}
            )
            assert post.status_code == 403
    assert (await Organiser.get(id=world.organiser.id)).retention_months == 18


async def test_the_coordinator_erases_a_pupil_once_after_her_placement_is_cancelled(
    world: World, browser_for: ClientFactory
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    booked = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert booked.value is not None
    path = f"/oversikt/elever/{world.pupil_a.id}/radera"
    needles = [*known_by(world.pupil_a), "vh.alva@example.se", "alva.user@example.se"]
    async with browser_for(world.coordinator_a) as c:
        period = await c.get(f"/oversikt/perioder/{world.period_a.id}")
        assert path in period.text
        page = await c.get(path)
        assert page.status_code == 200
        text = main_text(page.text)
        assert "Radera uppgifterna om Alva Andersson?" in text
        assert "Avboka först" in text and "Ja, radera" not in text
        assert f"/bokningar/{booked.value.id}/avboka" in page.text
        token = await token_of(c, path)
        # A placement still ahead: refused, nothing changed.
        refused = await c.post(path, data={"csrf_token": token})
        assert refused.status_code == 409
        assert "Avboka den först" in main_text(refused.text)
        assert (await Pupil.get(id=world.pupil_a.id)).erased_at is None
        assert not await AuditEvent.filter(action="erase").exists()
        assert (await cancel_booking(coordinator, booked.value.id, "")).ok
        page = await c.get(path)
        assert "Ja, radera" in main_text(page.text) and "Det här sparas" in main_text(page.text)
        done = await c.post(path, data={"csrf_token": token})
        assert done.status_code == 303
        assert "Elevens uppgifter är raderade." in (await c.get(done.headers["location"])).text
        period = await c.get(f"/oversikt/perioder/{world.period_a.id}")
        assert "Uppgifterna raderade" in period.text
        # Twice: told so, nothing more happens.
        again = await c.post(path, data={"csrf_token": token})
        assert again.status_code == 409
        assert "redan raderade" in main_text(again.text)
        assert "redan raderade" in main_text((await c.get(path)).text)
    assert await rows_holding(needles) == []
    pupil = await Pupil.get(id=world.pupil_a.id)
    assert pupil.erased_at is not None and pupil.first_name == ""
    booking = await Booking.get(id=booked.value.id)
    assert booking.erased_at is not None and booking.slot_id == world.slot.id
    assert not (await User.get(id=world.pupil_a_user.id)).is_active
    event = await AuditEvent.get(action="erase")
    assert event.actor == f"user:{world.coordinator_a.id}" and event.object_count == 1
    assert event.detail["reason"] == "request" and event.detail["pupil_id"] == world.pupil_a.id
    assert event.detail["bookings"] == 1 and event.detail["guardians"] == 1


async def test_no_one_outside_her_school_erases_her_or_leaves_a_trace(
    world: World, browser_for: ClientFactory
) -> None:
    path = f"/oversikt/elever/{world.pupil_a2.id}/radera"
    before = await AuditEvent.all().count()
    for who, start in (
        (world.coordinator_b, "/oversikt"),
        (world.employer_user, "/arbetsgivare/platser/ny"),
        (world.other_employer_user, "/arbetsgivare/platser/ny"),
        (world.pupil_a_user, "/mina-bokningar"),
    ):
        async with browser_for(who) as c:
            page = await c.get(path)
            assert page.status_code == 404 and "Hugo" not in page.text
            token = await token_of(c, start)
            post = await c.post(path, data={"csrf_token": token})
            assert post.status_code == 404 and "Hugo" not in post.text
    assert await AuditEvent.all().count() == before
    assert (await Pupil.get(id=world.pupil_a2.id)).first_name == "Hugo"
    async with browser_for(world.coordinator_a) as c:
        token = await token_of(c, "/oversikt")
        for hostile in (0, 2**31, 10**20):
            assert (await c.get(f"/oversikt/elever/{hostile}/radera")).status_code == 404
            post = await c.post(f"/oversikt/elever/{hostile}/radera", data={"csrf_token": token})
            assert post.status_code == 404
    # A pupil of another organiser, asked for by this organiser's admin: not hers either.
    async with browser_for(world.admin) as c:
        assert (await c.get(f"/oversikt/elever/{world.pupil_x.id}/radera")).status_code == 404
        assert (await c.get(path)).status_code == 200  # her organiser's own pupil
    async with browser_for(None) as c:
        anonymous = await c.get(path)
        assert anonymous.status_code in (302, 303) or "Logga in" in anonymous.text
    assert (await Pupil.get(id=world.pupil_x.id)).first_name == "Xena"
