"""The statistics page and its CSV as the organiser's admin and a coordinator use them; an
employer and a pupil are refused, a suppressed cell is a dash on the page and empty in the
file."""

from __future__ import annotations

import csv
import io

from tests.callers import ClientFactory, main_text
from tests.domain.test_statistics import placed_world
from tests.factories import World


async def test_the_admin_reads_every_school_with_the_equity_chart(
    world: World, browser_for: ClientFactory
) -> None:
    await placed_world(world)
    async with browser_for(world.admin) as c:
        r = await c.get(f"/oversikt/statistik?period={world.period_a.id}")
        assert r.status_code == 200
        assert "<svg" in r.text and "Egen plats och topp 3-önskemål per skola" in r.text
        text = main_text(r.text)
        assert "Skola A" in text and "Skola B" in text
        assert "Handelsbolaget" in text and "Vård" in text
        assert "83,3" in text  # top-3 share of School A and of all
        assert f'value="{world.period_b.id}"' in r.text  # both schools' periods to choose
        # Without a chosen period: the newest, with the chooser to change it.
        r = await c.get("/oversikt/statistik")
        assert r.status_code == 200 and "<select" in r.text
        r = await c.get("/oversikt/statistik?period=999999")
        assert r.status_code == 404


async def test_a_coordinator_sees_her_school_and_reaches_it_from_the_period(
    world: World, browser_for: ClientFactory
) -> None:
    await placed_world(world)
    async with browser_for(world.coordinator_a) as c:
        period = await c.get(f"/oversikt/perioder/{world.period_a.id}")
        assert f"/oversikt/statistik?period={world.period_a.id}" in period.text
        r = await c.get(f"/oversikt/statistik?period={world.period_a.id}")
        assert r.status_code == 200
        text = main_text(r.text)
        assert "Skola A" in text and "Skola B" not in text
        r = await c.get(f"/oversikt/statistik?period={world.period_b.id}")
        assert r.status_code == 404


async def test_employers_and_pupils_are_refused(world: World, browser_for: ClientFactory) -> None:
    await placed_world(world)
    for user in (world.employer_user, world.pupil_a_user):
        async with browser_for(user) as c:
            for path in ("/oversikt/statistik", "/oversikt/statistik.csv"):
                r = await c.get(f"{path}?period={world.period_a.id}")
                assert r.status_code == 403, (user.role, path)
                assert "Skola A" not in r.text
    async with browser_for(None) as c:
        r = await c.get(f"/oversikt/statistik.csv?period={world.period_a.id}")
        assert r.status_code in (302, 303)


async def test_the_csv_holds_the_same_figures_with_suppressed_cells_empty(
    world: World, browser_for: ClientFactory
) -> None:
    await placed_world(world)
    async with browser_for(world.admin) as c:
        r = await c.get(f"/oversikt/statistik.csv?period={world.period_a.id}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["Del", "Namn", "Elever", "Med plats"]
    by_name = {
        (row[0], row[1]): dict(zip(header, row, strict=True))
        for row in rows[1:]
        if len(row) == len(header)
    }
    totals = by_name[("Totalt", "Alla")]
    assert (totals["Elever"], totals["Med plats"], totals["Utan plats"]) == ("13", "10", "3")
    assert totals["Fick topp 3-önskemål (%)"] == "83,3"
    assert totals["Elevernas betyg (1–4)"] == "3,20"
    assert totals["Erbjudna platser"] == "19"
    vard = by_name[("Bransch", "Vård")]
    assert (vard["Elever"], vard["Med plats"], vard["Erbjudna platser"]) == ("", "", "4")
    equity = [row for row in rows if row and row[0] == "Likvärdighet"]
    assert ["Likvärdighet", "Skola B", "", ""] in equity
    assert ["Likvärdighet", "Skola A", "0,0", "83,3"] in equity
