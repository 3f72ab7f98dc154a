"""Sessions end on the server: signing out, deactivation and "logga ut överallt" end every copy
of a session cookie at once, on the web and on /graphql."""

from __future__ import annotations

import httpx

from prao.models import AuditEvent, Slot, SlotStatus, User
from tests.callers import ClientFactory, gid, main_text, token_of
from tests.factories import World


async def viewer_kind(client: httpx.AsyncClient) -> str:
    answer = await client.get("/graphql", params={"query": "{ viewer { kind } }"})
    assert answer.status_code == 200, answer.text
    kind: str = answer.json()["data"]["viewer"]["kind"]
    return kind


def copy_of(client: httpx.AsyncClient, app: object) -> httpx.AsyncClient:
    """Another browser holding the very same cookie (copied, or stolen)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=httpx.Cookies(client.cookies)
    )


async def test_a_copied_cookie_stops_working_when_the_original_signs_out(
    world: World, browser_for: ClientFactory, app: object
) -> None:
    async with browser_for(world.pupil_a_user) as original, copy_of(original, app) as copy:
        assert (await copy.get("/mina-bokningar")).status_code == 200
        assert await viewer_kind(copy) == "USER"
        out = await original.post(
            "/logga-ut", data={"csrf_token": await token_of(original, "/mina-bokningar")}
        )
        assert out.status_code == 303
        assert "utloggad på alla enheter" in main_text((await original.get("/")).text)
        assert (await copy.get("/mina-bokningar")).headers["location"] == "/logga-in"
        assert await viewer_kind(copy) == "ANONYMOUS"


async def test_sign_out_ends_her_other_devices_too_and_a_new_sign_in_works(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.coordinator_a) as phone, browser_for(world.coordinator_a) as pc:
        await pc.post("/logga-ut", data={"csrf_token": await token_of(pc, "/oversikt")})
        assert (await phone.get("/oversikt")).headers["location"] == "/logga-in"
        assert await viewer_kind(phone) == "ANONYMOUS"
    async with browser_for(world.coordinator_a) as again:
        assert (await again.get("/oversikt")).status_code == 200


async def test_graphql_with_a_copied_cookie_is_anonymous_after_sign_out(
    world: World, browser_for: ClientFactory, app: object
) -> None:
    async with browser_for(world.employer_user) as original, copy_of(original, app) as copy:
        token = await token_of(copy, "/oversikt")
        assert await viewer_kind(copy) == "USER"
        await original.post("/logga-ut", data={"csrf_token": await token_of(original)})
        slot = gid("Slot", world.slot.id)
        mutation = {
            "query": f'mutation {{ closeSlot(input: {{slotId: "{slot}"}}) {{ slot {{ id }} '
            "errors { code } } }"
        }
        after = await copy.post("/graphql", json=mutation, headers={"x-csrf-token": token})
        assert after.status_code in (200, 403), after.text
        if after.status_code == 200:
            assert after.json()["data"]["closeSlot"]["slot"] is None
        assert (await Slot.get(id=world.slot.id)).status == SlotStatus.PUBLISHED
        assert await viewer_kind(copy) == "ANONYMOUS"


async def admin_post(client: httpx.AsyncClient, path: str) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(path, data={"csrf_token": await token_of(client, path)})


async def test_admin_lists_her_organisers_people_only(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.admin) as admin:
        page = await admin.get("/admin/anvandare")
        assert page.status_code == 200
        text = main_text(page.text)
        for user in (world.coordinator_a, world.coordinator_b, world.employer_user, world.admin):
            assert user.email in text
        assert world.other_employer_user.email not in text
        assert world.pupil_a_user.email not in text  # pupils are not listed here
        assert (await admin.get("/oversikt")).text.count('href="/admin/anvandare"') == 1


async def test_deactivating_ends_every_session_and_is_audited(
    world: World, browser_for: ClientFactory
) -> None:
    target = world.coordinator_a
    async with browser_for(target) as victim, browser_for(world.admin) as admin:
        path = f"/admin/anvandare/{target.id}/inaktivera"
        confirm = await admin.get(path)
        assert "Inaktivera" in main_text(confirm.text) and target.email in confirm.text
        assert (await User.get(id=target.id)).is_active  # asking first changes nothing
        assert (await admin.post(path, data={"csrf_token": "fel"})).status_code == 403
        assert (await victim.get("/oversikt")).status_code == 200
        done = await admin_post(admin, path)
        assert done.status_code == 303 and done.headers["location"] == "/admin/anvandare"
        assert (await victim.get("/oversikt")).headers["location"] == "/logga-in"
        assert await viewer_kind(victim) == "ANONYMOUS"
        assert not (await User.get(id=target.id)).is_active
        assert "Inaktiverad" in main_text((await admin.get("/admin/anvandare")).text)
    [event] = await AuditEvent.filter(action="deactivate")
    assert event.actor == f"user:{world.admin.id}" and event.detail == {"user_id": target.id}


async def test_sign_out_everywhere_ends_all_sessions_but_the_account_stays(
    world: World, browser_for: ClientFactory
) -> None:
    target = world.employer_user
    async with (
        browser_for(target) as one,
        browser_for(target) as two,
        browser_for(world.admin) as admin,
    ):
        done = await admin_post(admin, f"/admin/anvandare/{target.id}/logga-ut")
        assert done.status_code == 303
        for client in (one, two):
            assert (await client.get("/oversikt")).headers["location"] == "/logga-in"
        assert (await admin.get("/oversikt")).status_code == 200
    assert (await User.get(id=target.id)).is_active
    assert await AuditEvent.filter(action="end_sessions", detail={"user_id": target.id}).exists()
    async with browser_for(target) as again:
        assert (await again.get("/oversikt")).status_code == 200


async def test_only_the_organisers_admin_may_and_nothing_changes_otherwise(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.coordinator_a) as coordinator:
        assert (await coordinator.get("/admin/anvandare")).status_code == 403
        path = f"/admin/anvandare/{world.coordinator_b.id}/inaktivera"
        refused = await coordinator.post(path, data={"csrf_token": await token_of(coordinator)})
        assert refused.status_code == 403
    async with browser_for(world.admin) as admin:
        other = f"/admin/anvandare/{world.other_employer_user.id}/logga-ut"
        assert (await admin.get(other)).status_code == 404
        token = await token_of(admin, "/admin/anvandare")
        assert (await admin.post(other, data={"csrf_token": token})).status_code == 404
        pupil = f"/admin/anvandare/{world.pupil_a_user.id}/inaktivera"
        assert (await admin.post(pupil, data={"csrf_token": token})).status_code == 404
        itself = f"/admin/anvandare/{world.admin.id}/inaktivera"
        assert (await admin.post(itself, data={"csrf_token": token})).status_code == 422
        unknown = f"/admin/anvandare/{world.coordinator_b.id}/radera"
        assert (await admin.get(unknown)).status_code == 404
    async with browser_for(None) as anonymous:
        assert (await anonymous.get("/admin/anvandare")).headers["location"] == "/logga-in"
    assert await User.filter(is_active=False).count() == 0
    assert await User.filter(session_version__gt=0).count() == 0
    assert not await AuditEvent.filter(action__in=["deactivate", "end_sessions"]).exists()


async def test_admin_signing_herself_out_everywhere_ends_her_session(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.admin) as admin, browser_for(world.admin) as other:
        done = await admin_post(admin, f"/admin/anvandare/{world.admin.id}/logga-ut")
        assert done.status_code == 303 and done.headers["location"] == "/"
        for client in (admin, other):
            assert (await client.get("/oversikt")).headers["location"] == "/logga-in"
