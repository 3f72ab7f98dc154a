"""The allocation pages: start form, progress fragment, result with chart and table, apply."""

from __future__ import annotations

import re

from prao.models import AllocationRun, AllocationStatus, Booking, Wish
from prao.services import wishes
from tests import factories
from tests.allocation_world import Setup
from tests.callers import ClientFactory, main_text
from tests.conftest import csrf_from, drain_jobs


async def start_run(client: object, setup: Setup, seed: str = "5") -> int:
    form = await client.get(f"/oversikt/perioder/{setup.period.id}/fordelning")  # type: ignore[attr-defined]
    assert form.status_code == 200
    assert re.search(r'name="seed"[^>]*value="\d+"', form.text)  # a random seed, shown
    started = await client.post(  # type: ignore[attr-defined]
        f"/oversikt/perioder/{setup.period.id}/fordelning",
        data={"csrf_token": csrf_from(form.text), "seed": seed, "policy": "convex"},
    )
    assert started.status_code == 303, started.text
    match = re.fullmatch(r"/fordelning/(\d+)", started.headers["location"])
    assert match
    return int(match.group(1))


async def test_progress_result_and_apply(setup: Setup, browser_for: ClientFactory) -> None:
    async with browser_for(setup.world.coordinator_a) as client:
        run_id = await start_run(client, setup)
        # While it runs, the page polls a fragment; without JavaScript there is a link.
        await drain_jobs()
        run = await AllocationRun.get(id=run_id)
        assert run.status == AllocationStatus.DONE
        page = await client.get(f"/fordelning/{run_id}")
        assert page.status_code == 200
        text = main_text(page.text)
        assert "4 av 4 placeras" in text
        assert "<svg" in page.text and "<title id=" in page.text and "<desc id=" in page.text
        assert 'style="' not in page.text
        assert re.search(r"Önskemål 1</th><td>1</td>", page.text)
        assert re.search(r"Önskemål 2</th><td>3</td>", page.text)
        fragment = await client.get(
            f"/fordelning/{run_id}", headers={"HX-Request": "true", "HX-Target": "korning"}
        )
        assert fragment.status_code == 204 and fragment.headers["hx-refresh"] == "true"
        # Without the confirmation box ticked nothing happens.
        token = csrf_from(page.text)
        unconfirmed = await client.post(
            f"/fordelning/{run_id}/tillampa", data={"csrf_token": token}
        )
        assert unconfirmed.status_code == 422
        assert re.search(r'name="confirm"[^>]*aria-invalid="true"', unconfirmed.text)
        assert await Booking.all().count() == 0
        no_csrf = await client.post(f"/fordelning/{run_id}/tillampa", data={"confirm": "ja"})
        assert no_csrf.status_code == 403
        assert await Booking.all().count() == 0
        applied = await client.post(
            f"/fordelning/{run_id}/tillampa", data={"csrf_token": token, "confirm": "ja"}
        )
        assert applied.status_code == 303
        assert await Booking.all().count() == 4
        done = await client.get(f"/fordelning/{run_id}")
        assert "Förslaget är tillämpat" in main_text(done.text)


async def test_progress_fragment_while_queued(setup: Setup, browser_for: ClientFactory) -> None:
    run = await AllocationRun.create(
        period_id=setup.period.id,
        seed=1,
        policy="convex",
        started_by="user:1",
        progress=30,
        progress_text="Beräknar fördelningen",
    )
    async with browser_for(setup.world.coordinator_a) as client:
        page = await client.get(f"/fordelning/{run.id}")
        assert 'hx-trigger="every 1s"' in page.text
        assert f'href="/fordelning/{run.id}">Uppdatera' in page.text
        fragment = await client.get(
            f"/fordelning/{run.id}", headers={"HX-Request": "true", "HX-Target": "korning"}
        )
        assert fragment.status_code == 200
        assert fragment.text.lstrip().startswith('<div id="korning"')
        assert 'value="30"' in fragment.text and "<html" not in fragment.text


async def test_stale_proposal_is_refused_with_a_new_run_offered(
    setup: Setup, browser_for: ClientFactory
) -> None:
    async with browser_for(setup.world.coordinator_a) as client:
        run_id = await start_run(client, setup)
        await drain_jobs()
        await Wish.filter(pupil_id=setup.pupils[0].id, rank=2).delete()
        page = await client.get(f"/fordelning/{run_id}")
        refused = await client.post(
            f"/fordelning/{run_id}/tillampa",
            data={"csrf_token": csrf_from(page.text), "confirm": "ja"},
        )
        assert refused.status_code == 422
        text = main_text(refused.text)
        assert "Kör fördelningen igen" in text and "Kör igen" in text
        assert await Booking.all().count() == 0


async def test_other_schools_coordinator_and_pupils_are_refused(
    setup: Setup, browser_for: ClientFactory
) -> None:
    async with browser_for(setup.world.coordinator_a) as client:
        run_id = await start_run(client, setup)
        await drain_jobs()
    async with browser_for(setup.world.coordinator_b) as other:
        assert (await other.get(f"/fordelning/{run_id}")).status_code == 404
        assert (
            await other.get(f"/oversikt/perioder/{setup.period.id}/fordelning")
        ).status_code == 404
        page = await other.get("/oversikt")
        refused = await other.post(
            f"/fordelning/{run_id}/tillampa",
            data={"csrf_token": csrf_from(page.text), "confirm": "ja"},
        )
        assert refused.status_code == 404
    async with browser_for(setup.world.pupil_a_user) as pupil:
        assert (await pupil.get(f"/fordelning/{run_id}")).status_code == 403
    assert await Booking.all().count() == 0


async def test_bad_seed_is_explained(setup: Setup, browser_for: ClientFactory) -> None:
    async with browser_for(setup.world.coordinator_a) as client:
        form = await client.get(f"/oversikt/perioder/{setup.period.id}/fordelning")
        bad = await client.post(
            f"/oversikt/perioder/{setup.period.id}/fordelning",
            data={"csrf_token": csrf_from(form.text), "seed": "abc"},
        )
        assert bad.status_code == 422
        assert "Lottningsnumret ska vara ett heltal" in main_text(bad.text)
        assert re.search(r'name="seed"[^>]*aria-invalid="true"', bad.text)
        # A seed the domain refuses is marked beside the same input.
        too_big = await client.post(
            f"/oversikt/perioder/{setup.period.id}/fordelning",
            data={"csrf_token": csrf_from(form.text), "seed": "9999999999"},
        )
        assert too_big.status_code == 422
        assert "Lottningsnumret ska vara ett tal" in main_text(too_big.text)
        assert re.search(r'name="seed"[^>]*aria-invalid="true"', too_big.text)
    assert await AllocationRun.all().count() == 0


async def test_applying_while_wishes_are_open_warns_and_then_locks_them(
    setup: Setup, browser_for: ClientFactory
) -> None:
    async with browser_for(setup.world.coordinator_a) as client:
        run_id = await start_run(client, setup)
        await drain_jobs()
        page = await client.get(f"/fordelning/{run_id}")
        text = main_text(page.text)
        assert "Önskemålen är fortfarande öppna" in text  # the period's window closes in 20 days
        assert re.search(r"4 elever av \d+ har lämnat önskemål", text), text
        assert "skapa 4 bekräftade bokningar och skicka bekräftelser till eleverna" in text
        applied = await client.post(
            f"/fordelning/{run_id}/tillampa",
            data={"csrf_token": csrf_from(page.text), "confirm": "ja"},
        )
        assert applied.status_code == 303
        done = main_text((await client.get(f"/fordelning/{run_id}")).text)
        assert "4 bekräftade bokningar har skapats" in done
        assert "Önskemålen är fortfarande öppna" not in done
        runs = main_text(
            (await client.get(f"/oversikt/perioder/{setup.period.id}/fordelning")).text
        )
        assert re.search(rf"Förslag {run_id}\s*: Tillämpat\.", runs) and "applied" not in runs
    # Her wishes are history now: no change is taken, and her page says why.
    refusal = await wishes.change_refusal(setup.period)
    assert refusal is not None and refusal.message == wishes.ALLOCATED
    before = await Wish.filter(period_id=setup.period.id).count()
    pupil = setup.pupils[0]
    user = await factories.pupil_user(pupil, email="p0@example.se")
    changed = await wishes.submit_wishes(await setup.world.actor(user), setup.period.id, [])
    assert not changed.ok and changed.errors[0].message == wishes.ALLOCATED
    assert await Wish.filter(period_id=setup.period.id).count() == before
    async with browser_for(user) as her:
        mine = main_text((await her.get("/onskemal")).text)
    assert "Fördelningen är gjord" in mine and "Du kan ändra" not in mine


async def test_both_start_forms_use_the_same_plain_words(
    setup: Setup, browser_for: ClientFactory
) -> None:
    async with browser_for(setup.world.coordinator_a) as client:
        for path in (
            f"/oversikt/perioder/{setup.period.id}",
            f"/oversikt/perioder/{setup.period.id}/fordelning",
        ):
            text = main_text((await client.get(path)).text)
            for words in (
                "Vad är viktigast?",
                "Så många som möjligt får något av sina första önskemål",
                "Lottningsnummer",
                "Gör en provfördelning",
            ):
                assert words in text, (path, words)
            assert "frö" not in text.lower() and "Konvex" not in text, path
