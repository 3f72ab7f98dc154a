"""Start pages of coordinators, admins and employers: their scope only, audited, minimal data."""

from __future__ import annotations

import re

import httpx
import pytest

from prao.models import AuditEvent
from prao.services.booking import book_slot
from tests import factories
from tests.callers import main_text
from tests.factories import World


@pytest.fixture
async def booked(world: World) -> World:
    """Alva (school A) and Bea (school B) booked at Café Solen; Xena at another organiser's."""
    assert (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).ok
    assert (await book_slot(await world.actor(world.pupil_b_user), world.slot_b_only.id)).ok
    await factories.period(world.school_x)
    other_slot = await factories.slot(world.other_employer, title="Murare")
    xena = await factories.pupil_user(world.pupil_x)
    assert (await book_slot(await world.actor(xena), other_slot.id)).ok
    return world


async def test_coordinator_sees_her_schools_bookings_only(booked: World, browser_for):
    async with browser_for(booked.coordinator_a) as c:
        page = await c.get("/oversikt")
    assert page.status_code == 200
    text = main_text(page.text)
    assert "Skola A" in text
    assert "Alva Andersson" in text and "8A" in text and "Bagare" in text and "Bekräftad" in text
    assert "Bea" not in text and "Barista" not in text and "Xena" not in text
    # Two pupils at school A, one of them placed.
    assert "2 elever" in text and "1 med bokning" in text and "1 utan bokning" in text
    assert 'hx-history="false"' in page.text
    assert page.headers["cache-control"] == "no-store"
    event = await AuditEvent.get(action="read", object_type="pupil")
    assert event.object_count == 1


async def test_admin_sees_the_whole_organiser_but_not_others(booked: World, browser_for):
    async with browser_for(booked.admin) as c:
        text = main_text((await c.get("/oversikt")).text)
    assert "Varbergs kommun" in text
    assert "Alva Andersson" in text and "Bea Berg" in text
    assert "Xena" not in text and "Murare" not in text


async def test_employer_sees_own_slots_and_first_names_only(booked: World, browser_for):
    await factories.slot(booked.employer, title="Utkast", status="draft")
    async with browser_for(booked.employer_user) as c:
        page = await c.get("/oversikt")
    text = main_text(page.text)
    assert "Bagare" in text and "Barista" in text and "Utkast" in text
    assert "1 bekräftad · 1 plats kvar av 2" in text  # Bagare: one of two places taken
    assert "Alva, Skola A, åk 8" in text and "Bea, Skola B, åk 8" in text
    assert "Andersson" not in text and "Berg" not in text
    assert "Murare" not in text and "Xena" not in text
    assert await AuditEvent.filter(action="read", object_type="pupil").count() == 1


async def test_protected_pupil_is_a_first_name_to_the_employer(world: World, browser_for):
    protected = await factories.pupil(
        world.school_a, first_name="Sara", last_name="Hemlig", security_marking=True
    )
    assert (
        await book_slot(await world.actor(await factories.pupil_user(protected)), world.slot.id)
    ).ok
    async with browser_for(world.employer_user) as c:
        employer_text = main_text((await c.get("/oversikt")).text)
    async with browser_for(world.coordinator_a) as c:
        coordinator_text = main_text((await c.get("/oversikt")).text)
    assert "Sara" in employer_text and "Hemlig" not in employer_text
    assert "Sara Hemlig" in coordinator_text


async def test_other_employer_sees_nothing_of_ours(booked: World, browser_for):
    async with browser_for(booked.other_employer_user) as c:
        text = main_text((await c.get("/oversikt")).text)
    assert "Murare" in text
    assert "Bagare" not in text and "Alva" not in text


async def test_pupils_and_visitors_do_not_get_the_overview(
    world: World, browser_for, client: httpx.AsyncClient
):
    assert (await client.get("/oversikt")).headers["location"] == "/logga-in"
    async with browser_for(world.pupil_a_user) as c:
        assert (await c.get("/oversikt")).headers["location"] == "/platser"


async def test_coordinator_pages_through_many_bookings(world: World, browser_for):
    for i in range(55):
        p = await factories.pupil(world.school_a, first_name=f"Elev{i:02d}")
        s = await factories.slot(world.employer, title=f"Plats {i:02d}", capacity=1)
        assert (await book_slot(await world.actor(await factories.pupil_user(p)), s.id)).ok
    async with browser_for(world.coordinator_a) as c:
        first = await c.get("/oversikt")
        assert "55 bokningar" in main_text(first.text)
        assert "Plats 49" in first.text and "Plats 50" not in first.text
        more = re.search(r'href="(/oversikt\?after=\d+)"', first.text)
        assert more, "no Visa fler link"
        second = await c.get(more.group(1))
    assert "Plats 50" in second.text and "Plats 54" in second.text and "Plats 49" not in second.text
