"""The catalogue page: filters as a plain GET form, htmx fragments, keyset "Visa fler"."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from prao.services.booking import book_slot
from tests import factories
from tests.callers import main_text
from tests.factories import World

CARD_TITLE_RE = re.compile(r'<h2 class="card-title"><a href="/platser/\d+">([^<]+)</a>')


def titles(html: str) -> list[str]:
    return CARD_TITLE_RE.findall(html)


@pytest.fixture
async def catalogue(world: World) -> World:
    """Besides the world's Bagare (Varberg, Restaurang och café) and school B's Barista."""
    start, end = factories.prao_weeks()
    later = await factories.employer(world.organiser, name="Djurkliniken Bua", city="Bua")
    await factories.slot(
        later,
        title="Djurskötare",
        trade="Natur och djur",
        city="Bua",
        description="Mata hästar",
        capacity=1,
    )
    await factories.slot(
        later,
        title="Veterinärassistent",
        trade="Natur och djur",
        city="Bua",
        start_date=end + timedelta(days=14),
        end_date=end + timedelta(days=18),
    )
    await factories.slot(
        world.employer,
        title="Servitör",
        trade="Restaurang och café",
        city="Varberg",
        status="draft",
    )
    await factories.slot(world.other_employer, title="Snickare", trade="Bygg och anläggning")
    return world


async def test_anonymous_visitors_are_sent_to_sign_in(client: httpx.AsyncClient, world: World):
    answer = await client.get("/platser")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/logga-in"


async def test_lists_what_her_school_may_book(catalogue: World, browser_for):
    async with browser_for(catalogue.pupil_a_user) as c:
        page = await c.get("/platser")
    assert page.status_code == 200
    # Not school B's own slot, not a draft, not another organiser's.
    assert sorted(titles(page.text)) == ["Bagare", "Djurskötare", "Veterinärassistent"]
    text = main_text(page.text)
    assert "3 platser matchar din sökning." in text
    assert "Café Solen, Varberg" in text and "Restaurang och café" in text
    assert "2 platser kvar" in text  # Bagare: capacity 2, nobody booked
    assert '<form method="get" action="/platser"' in page.text
    assert 'hx-trigger="input changed delay:300ms, search, submit"' in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "hästar"}, ["Djurskötare"]),  # description
        ({"q": "solen"}, ["Bagare"]),  # employer name, any case
        ({"q": "finns inte"}, []),
        ({"bransch": "Natur och djur"}, ["Djurskötare", "Veterinärassistent"]),
        ({"ort": "Varberg"}, ["Bagare"]),
        ({"ort": "Bua", "q": "veterinär"}, ["Veterinärassistent"]),
    ],
)
async def test_text_trade_and_city_filters(catalogue: World, browser_for, query, expected):
    async with browser_for(catalogue.pupil_a_user) as c:
        page = await c.get("/platser", params=query)
    assert page.status_code == 200
    assert sorted(titles(page.text)) == expected
    if not expected:
        assert "Inga platser matchar din sökning." in main_text(page.text)


async def test_date_filters(catalogue: World, browser_for):
    start, end = factories.prao_weeks()
    async with browser_for(catalogue.pupil_a_user) as c:
        late = await c.get("/platser", params={"fran": (end + timedelta(days=1)).isoformat()})
        early = await c.get("/platser", params={"till": end.isoformat()})
        broken = await c.get("/platser", params={"fran": "igår", "q": "Bagare"})
    assert titles(late.text) == ["Veterinärassistent"]
    assert sorted(titles(early.text)) == ["Bagare", "Djurskötare"]
    # A date that is not a date is explained, and the rest of the search still works.
    assert broken.status_code == 200
    assert "skriv datumet som ÅÅÅÅ-MM-DD" in main_text(broken.text)
    assert titles(broken.text) == ["Bagare"]


async def test_only_free_places(catalogue: World, browser_for):
    djur = await factories.slot(catalogue.employer, title="Fullt", capacity=1)
    assert (await book_slot(await catalogue.actor(catalogue.pupil_b_user), djur.id)).ok
    async with browser_for(catalogue.pupil_a_user) as c:
        every = await c.get("/platser")
        free = await c.get("/platser", params={"lediga": "1"})
    assert "Fullt" in titles(every.text)
    assert "Fullbokad" in main_text(every.text)
    assert "Fullt" not in titles(free.text)
    assert 'id="lediga" name="lediga" type="checkbox" value="1" checked' in free.text


async def test_the_form_keeps_what_she_chose(catalogue: World, browser_for):
    async with browser_for(catalogue.pupil_a_user) as c:
        page = await c.get("/platser", params={"q": "<djur>", "bransch": "Natur och djur"})
    assert 'value="&lt;djur&gt;"' in page.text  # escaped, not markup
    assert '<option value="Natur och djur" selected>' in page.text
    assert '<details class="filters" open>' in page.text


async def test_htmx_request_gets_the_results_fragment_only(catalogue: World, browser_for):
    async with browser_for(catalogue.pupil_a_user) as c:
        full = await c.get("/platser", params={"q": "djur"})
        fragment = await c.get("/platser", params={"q": "djur"}, headers={"HX-Request": "true"})
        boosted = await c.get("/platser", headers={"HX-Request": "true", "HX-Boosted": "true"})
        restore = await c.get(
            "/platser", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
        )
    for answer in (full, fragment, boosted):
        assert "HX-Request" in answer.headers["vary"]
    assert "<html" in full.text and "<html" in boosted.text and "<html" in restore.text
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert (
        sorted(titles(fragment.text))
        == sorted(titles(full.text))
        == ["Djurskötare", "Veterinärassistent"]
    )
    # The count is announced from a live region outside the list: updated out of band.
    assert re.search(r'<span id="antal" hx-swap-oob="innerHTML">2 platser matchar', fragment.text)
    assert full.text.count('id="antal"') == 1
    assert re.search(r'<p id="antal" class="result-count" role="status">2 platser', full.text)


async def test_visa_fler_pages_by_keyset(world: World, browser_for):
    for i in range(25):
        await factories.slot(world.employer, title=f"Plats {i:02d}")
    async with browser_for(world.pupil_a_user) as c:
        first = await c.get("/platser", params={"q": "Plats"})
        link = re.search(r'id="visa-fler"[^>]*href="([^"]+)"', first.text)
        assert link, "no Visa fler link"
        href = link.group(1).replace("&amp;", "&")
        assert "q=Plats" in href and "after=" in href
        second = await c.get(href)
        more = await c.get(href, headers={"HX-Request": "true", "HX-Trigger": "visa-fler"})
    assert titles(first.text) == [f"Plats {i:02d}" for i in range(20)]
    assert titles(second.text) == [f"Plats {i:02d}" for i in range(20, 25)]
    assert 'id="visa-fler"' not in second.text
    assert "Visa från början" in second.text
    # htmx appends just the next cards in place of the link.
    assert more.text.lstrip().startswith("<li")
    assert titles(more.text) == titles(second.text)
    assert "matchar din sökning" not in more.text


async def test_slot_page_shows_everything_a_pupil_needs(catalogue: World, browser_for):
    slot = await factories.slot(
        catalogue.employer,
        title="Konditor",
        tasks="Baka bullar",
        description="Ett litet café",
        min_age=14,
        requires_approval=True,
        capacity=4,
        starts_minute=9 * 60,
        ends_minute=15 * 60,
        address="Kungsgatan 3",
    )
    async with browser_for(catalogue.pupil_a_user) as c:
        page = await c.get(f"/platser/{slot.id}")
    text = main_text(page.text)
    for expected in (
        "Konditor",
        "Café Solen",
        "Kungsgatan 3, Varberg",
        "09:00–15:00",
        "Baka bullar",
        "Ett litet café",
        "Du måste ha fyllt 14 år",
        "4 av 4",
        "Arbetsplatsen godkänner varje elev",
        "Skicka förfrågan",
    ):
        assert expected in text, expected


async def test_slot_page_of_a_slot_she_may_not_see_is_not_found(catalogue: World, browser_for):
    async with browser_for(catalogue.pupil_a_user) as c:
        hidden = await c.get(f"/platser/{catalogue.slot_b_only.id}")
        missing = await c.get("/platser/999999")
    assert hidden.status_code == missing.status_code == 404
    assert "Barista" not in hidden.text
    assert "Platsen finns inte" in main_text(hidden.text)


async def test_htmx_search_after_the_session_ended_loads_sign_in_as_a_page(
    client: httpx.AsyncClient, world: World
):
    answer = await client.get("/platser", params={"q": "x"}, headers={"HX-Request": "true"})
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == "/logga-in"
