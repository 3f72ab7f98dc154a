"""A pupil's menu offers "Mina önskemål" only when she has a period where she ranks wishes."""

from __future__ import annotations

from prao.models import PeriodMode
from tests import factories
from tests.callers import ClientFactory
from tests.factories import World

WISHES_LINK = 'href="/onskemal"'


async def test_a_pupil_in_first_come_booking_has_no_wishes_in_her_menu(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.pupil_a_user) as c:
        page = await c.get("/platser")
        assert page.status_code == 200
        assert "Mina bokningar" in page.text
        assert WISHES_LINK not in page.text
        # Typed in by hand: the page says why there is nothing to rank.
        wishes = await c.get("/onskemal")
        assert wishes.status_code == 200
        assert WISHES_LINK not in wishes.text.split("<main", 1)[0]


async def test_a_pupil_who_ranks_wishes_finds_them_in_her_menu(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.pupil_a_user) as c:
        assert WISHES_LINK not in (await c.get("/platser")).text
        await factories.period(world.school_a, mode=PeriodMode.ALLOCATION, max_wishes=3)
        # Opened while she was signed in: her wishes page puts it in her menu from then on.
        assert WISHES_LINK in (await c.get("/onskemal")).text.split("<main", 1)[0]
        assert WISHES_LINK in (await c.get("/platser")).text
    async with browser_for(world.pupil_a_user) as fresh:
        assert WISHES_LINK in (await fresh.get("/platser")).text
    async with browser_for(world.pupil_b_user) as other_school:
        assert WISHES_LINK not in (await other_school.get("/platser")).text
