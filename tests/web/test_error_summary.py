"""A refused form opens with a summary of what is wrong: focused, each problem a link to its
field (every link leads to an element of the page), and nothing saved."""

from __future__ import annotations

import re

import httpx

from prao.models import Employer, Period, Slot
from tests.callers import ClientFactory, token_of
from tests.factories import World

SUMMARY = re.compile(r'<div class="notice notice-error error-summary"[^>]*>(.*?)</div>', re.S)


def assert_summary_links_to_fields(html: str, at_least: int) -> None:
    found = SUMMARY.search(html)
    assert found, "no error summary"
    assert "autofocus" in found.group(0).split(">", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', found.group(1))
    assert len(targets) >= at_least, targets
    for target in targets:
        assert f'id="{target}"' in html, f"the summary links to #{target}, which is not on the page"
    heading = re.search(r"<h2[^>]*>([^<]+)</h2>", found.group(1))
    assert heading and heading.group(1) == (
        "Det finns ett fel att rätta"
        if len(targets) == 1
        else f"Det finns {len(targets)} fel att rätta"
    )


async def post_empty(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    token = await token_of(client, path)
    return await client.post(path, data={"csrf_token": token, **data})


async def test_the_slot_form(world: World, browser_for: ClientFactory) -> None:
    before = await Slot.all().count()
    async with browser_for(world.employer_user) as c:
        refused = await post_empty(c, "/arbetsgivare/platser/ny", visibleToAll="0")
    assert refused.status_code == 422
    assert_summary_links_to_fields(refused.text, at_least=3)
    assert await Slot.all().count() == before


async def test_the_period_form(world: World, browser_for: ClientFactory) -> None:
    before = await Period.all().count()
    async with browser_for(world.coordinator_a) as c:
        refused = await post_empty(c, "/oversikt/perioder/ny")
    assert refused.status_code == 422
    assert_summary_links_to_fields(refused.text, at_least=3)
    assert await Period.all().count() == before


async def test_the_employer_sign_up(world: World, browser_for: ClientFactory) -> None:
    before = await Employer.all().count()
    async with browser_for(None) as c:
        refused = await post_empty(c, "/arbetsgivare/registrera", contact_email="inte en adress")
    assert refused.status_code == 422
    assert_summary_links_to_fields(refused.text, at_least=2)
    assert await Employer.all().count() == before


async def test_the_self_found_form(world: World, browser_for: ClientFactory) -> None:
    async with browser_for(world.pupil_a_user) as c:
        refused = await post_empty(c, "/mina-bokningar/egen-plats")
    assert refused.status_code == 422
    assert_summary_links_to_fields(refused.text, at_least=2)
