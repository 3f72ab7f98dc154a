"""Employers' reads of pupil data are audited like staff reads: the booking pages, the
placement card, its calendar file and GraphQL, one event per page or list."""

from __future__ import annotations

from prao.models import AuditEvent, Booking, Pupil, School
from prao.services.booking import book_slot
from tests.callers import ClientFactory, main_text
from tests.conftest import csrf_from
from tests.factories import World


async def confirmed(world: World, pupil: Pupil) -> Booking:
    outcome = await book_slot(await world.actor(world.coordinator_a), world.slot.id, pupil.id)
    assert outcome.value is not None
    return outcome.value


async def employer_reads(world: World) -> list[tuple[int, object]]:
    events = await AuditEvent.filter(
        action="read", object_type="pupil", actor=f"user:{world.employer_user.id}"
    ).order_by("id")
    return [(e.object_count, e.detail["view"]) for e in events]


async def test_each_employer_read_writes_one_audit_event(
    world: World, browser_for: ClientFactory
) -> None:
    booking = await confirmed(world, world.pupil_a)
    await confirmed(world, world.pupil_a2)
    async with browser_for(world.employer_user) as client:
        start = await client.get("/oversikt")
        slot = await client.get(f"/arbetsgivare/platser/{world.slot.id}")
        decline = await client.get(f"/arbetsgivare/bokningar/{booking.id}/neka")
        card = await client.get(f"/bokningar/{booking.id}/kort")
        ics = await client.get(f"/bokningar/{booking.id}/kalender.ics")
        query = {"query": "{ bookings { nodes { pupil { firstName } } } }"}
        api = await client.post(
            "/graphql", json=query, headers={"X-CSRF-Token": csrf_from(start.text)}
        )
    assert [r.status_code for r in (start, slot, decline, card, ics, api)] == [200] * 6
    assert await employer_reads(world) == [
        (2, "web:arbetsgivare"),
        (2, "web:arbetsgivare"),
        (1, "web:arbetsgivare:bokning"),
        (1, "web:praoplatskort"),
        (1, "web:kalenderfil"),
        (2, "graphql"),
    ]


async def test_a_refused_read_is_not_audited(world: World, browser_for: ClientFactory) -> None:
    booking = await confirmed(world, world.pupil_a)
    async with browser_for(world.other_employer_user) as client:
        card = await client.get(f"/bokningar/{booking.id}/kort")
        ics = await client.get(f"/bokningar/{booking.id}/kalender.ics")
    assert (card.status_code, ics.status_code) == (404, 404)
    assert not await AuditEvent.filter(action="read", object_type="pupil").exists()


async def test_the_card_of_a_protected_pupil_names_her_only(
    world: World, browser_for: ClientFactory
) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    booking = await confirmed(world, world.pupil_a)
    async with browser_for(world.employer_user) as client:
        card = main_text((await client.get(f"/bokningar/{booking.id}/kort")).text)
        page = main_text((await client.get(f"/arbetsgivare/platser/{world.slot.id}")).text)
    assert "Alva" in card and "Alva" in page
    for text in (card, page):
        assert "Skola A" not in text and "syv@skola-a.se" not in text
        assert "åk 8" not in text and "årskurs" not in text and "Andersson" not in text
