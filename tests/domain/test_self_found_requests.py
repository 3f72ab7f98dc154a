"""Who confirms a self-found placement: never the pupil's own or a guardian's address; an address
of an existing employer account brings the request to that employer's pages, where it is a
request until the employer says yes, never one of its slots before."""

from __future__ import annotations

import re

from prao.config import Settings
from prao.errors import ErrorCode
from prao.models import (
    Booking,
    BookingLink,
    BookingStatus,
    Employer,
    EmployerStatus,
    OutboxMessage,
    Role,
    Slot,
)
from prao.services import hosting, self_found, self_found_link, slots
from tests import factories
from tests.callers import main_text, token_of
from tests.domain.test_self_found import placement
from tests.factories import World


async def nothing_written() -> None:
    assert not await Booking.all().exists()
    assert not await BookingLink.all().exists()
    assert not await OutboxMessage.all().exists()
    assert not await Employer.filter(name="Mormors Blomsterhandel").exists()


async def test_the_pupils_own_and_her_guardians_addresses_are_refused(
    world: World, settings: Settings
) -> None:
    actor = await world.actor(world.pupil_a_user)
    classmate = await factories.pupil_user(world.pupil_a2, email="hugo@example.se")
    for address in (
        "alva@example.se",  # her pupil record
        "ALVA.USER@example.se",  # her sign-in, in capitals
        "vh.alva@example.se",  # her guardian
        classmate.email,  # another pupil's account
    ):
        outcome = await self_found.register(
            actor, placement(world, contact_email=address), settings
        )
        assert [(e.code, e.field) for e in outcome.errors] == [
            (ErrorCode.INVALID, "contact_email")
        ], address
        assert "inte din egen eller en vårdnadshavares" in outcome.errors[0].message
    await nothing_written()


async def test_the_own_address_is_refused_on_the_web(world: World, browser_for) -> None:
    async with browser_for(world.pupil_a_user) as c:
        token = await token_of(c, "/mina-bokningar/egen-plats")
        page = await c.post(
            "/mina-bokningar/egen-plats",
            data={
                "csrf_token": token,
                "name": "Mormors Blomsterhandel",
                "contactEmail": "alva@example.se",
                "startDate": world.period_a.start_date.isoformat(),
                "endDate": world.period_a.start_date.isoformat(),
                "tasks": "Binda buketter",
            },
        )
        assert page.status_code == 422
        assert "inte din egen eller en vårdnadshavares" in main_text(page.text)
    await nothing_written()


async def test_an_employer_accounts_address_brings_the_request_to_its_pages(
    world: World, settings: Settings, browser_for
) -> None:
    before = await Slot.filter(employer_id=world.employer.id).count()
    outcome = await self_found.register(
        await world.actor(world.pupil_a_user),
        placement(world, contact_email=world.employer_user.email),
        settings,
    )
    assert outcome.value is not None, outcome.errors
    booking = outcome.value
    slot = await Slot.get(id=booking.slot_id)
    assert slot.employer_id == world.employer.id  # attached to that employer, no new one
    assert not await Employer.filter(name="Mormors Blomsterhandel").exists()
    boss = await world.actor(world.employer_user)
    # A request on its pages, not one of its slots until it says yes.
    listed = await hosting.employer_slots(boss)
    assert listed is not None and len(listed) == before
    [request] = await hosting.self_found_requests(boss)
    assert (request.booking.id, request.pupil.first_name) == (booking.id, "Alva")
    for refused in (
        await slots.publish_slot(boss, slot.id),
        await slots.close_slot(boss, slot.id),
        await slots.copy_slot(boss, slot.id),
    ):
        assert [e.code for e in refused.errors] == [ErrorCode.NOT_FOUND]
    assert (await Slot.get(id=slot.id)).status == slot.status
    async with browser_for(world.employer_user) as c:
        start = await c.get("/oversikt")
        text = main_text(start.text)
        assert "Elever som vill göra prao hos er" in text and "Bekräfta Alva" in text
        assert f'/arbetsgivare/platser/{slot.id}"' not in start.text
        token = await token_of(c, "/oversikt")
        done = await c.post(
            f"/arbetsgivare/bokningar/{booking.id}/godkann", data={"csrf_token": token}
        )
        assert (done.status_code, done.headers["location"]) == (303, "/oversikt")
        assert "Praoplatsen är bekräftad" in main_text((await c.get("/oversikt")).text)
    after = await Booking.get(id=booking.id)
    assert after.status == BookingStatus.CONFIRMED
    assert await OutboxMessage.filter(booking_id=booking.id, kind="self_found_confirmed").exists()
    # The e-mailed link is spent, and now (with its yes) the placement is among its slots.
    body = (await OutboxMessage.get(kind="self_found_request")).body
    token_in_mail = re.search(r"/bekrafta/(\S+)", body).group(1)  # type: ignore[union-attr]
    assert (await self_found_link.answer_link(token_in_mail, confirm=False)).errors[0].code in {
        ErrorCode.LINK_USED,
        ErrorCode.NOT_PENDING,
    }
    assert await hosting.self_found_requests(boss) == []
    listed = await hosting.employer_slots(boss)
    assert listed is not None and slot.id in {item.slot.id for item in listed}


async def test_a_declined_request_never_becomes_the_employers_slot(
    world: World, settings: Settings, browser_for
) -> None:
    outcome = await self_found.register(
        await world.actor(world.pupil_a_user),
        placement(world, contact_email=world.employer.contact_email),
        settings,
    )
    assert outcome.value is not None, outcome.errors
    booking = outcome.value
    async with browser_for(world.employer_user) as c:
        ask = await c.get(f"/arbetsgivare/bokningar/{booking.id}/neka")
        assert ask.status_code == 200 and 'href="/oversikt"' in ask.text
        token = await token_of(c, "/oversikt")
        done = await c.post(
            f"/arbetsgivare/bokningar/{booking.id}/neka",
            data={"csrf_token": token, "reason": "Inte den veckan"},
        )
        assert (done.status_code, done.headers["location"]) == (303, "/oversikt")
    assert (await Booking.get(id=booking.id)).status == BookingStatus.DECLINED
    listed = await hosting.employer_slots(await world.actor(world.employer_user))
    assert listed is not None and booking.slot_id not in {item.slot.id for item in listed}


async def test_a_pending_or_declined_employers_address_reaches_no_pupil(
    world: World, settings: Settings
) -> None:
    for status in (EmployerStatus.PENDING, EmployerStatus.DECLINED):
        employer = await factories.employer(world.organiser, status=status)
        person = await factories.user(Role.EMPLOYER, employer_id=employer.id)
        for address in (employer.contact_email, person.email):
            outcome = await self_found.register(
                await world.actor(world.pupil_a_user),
                placement(world, contact_email=address),
                settings,
            )
            assert [(e.code, e.field) for e in outcome.errors] == [
                (ErrorCode.EMPLOYER_NOT_APPROVED, "contact_email")
            ], (status, address)
    await nothing_written()


async def test_another_organisers_employer_is_not_attached(
    world: World, settings: Settings
) -> None:
    outcome = await self_found.register(
        await world.actor(world.pupil_a_user),
        placement(world, contact_email=world.other_employer_user.email),
        settings,
    )
    assert outcome.value is not None, outcome.errors
    slot = await Slot.get(id=outcome.value.slot_id)
    employer = await Employer.get(id=slot.employer_id)
    assert employer.id != world.other_employer.id
    assert employer.organiser_id == world.organiser.id
