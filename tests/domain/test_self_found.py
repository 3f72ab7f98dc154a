"""Self-found placements: the pupil registers, the workplace confirms or declines by a
one-time link without an account."""

from __future__ import annotations

import re
from datetime import timedelta

from prao import clock
from prao.config import Settings
from prao.errors import ErrorCode
from prao.models import (
    Booking,
    BookingLink,
    BookingOrigin,
    BookingStatus,
    Employer,
    OutboxMessage,
    Slot,
    SlotStatus,
)
from prao.services import self_found, self_found_link
from prao.services.booking import book_slot
from tests.factories import World

LINK_RE = re.compile(r"/bekrafta/(\S+)")


def placement(world: World, **kw: object) -> self_found.SelfFound:
    values: dict[str, object] = {
        "name": "Mormors Blomsterhandel",
        "contact_email": "Blommor@Example.se",
        "start_date": world.period_a.start_date,
        "end_date": world.period_a.start_date + timedelta(days=4),
        "tasks": "Binda buketter",
    }
    values.update(kw)
    return self_found.SelfFound(**values)  # type: ignore[arg-type]


async def register(world: World, settings: Settings, **kw: object) -> tuple[Booking, str]:
    outcome = await self_found.register(
        await world.actor(world.pupil_a_user), placement(world, **kw), settings
    )
    assert outcome.ok and outcome.value is not None, outcome.errors
    [message] = await OutboxMessage.filter(kind="self_found_request")
    assert message.to_address == "blommor@example.se"
    match = LINK_RE.search(message.body)
    assert match
    return outcome.value, match.group(1)


async def test_register_makes_a_private_slot_a_pending_booking_and_a_hashed_link(
    world: World, settings: Settings
) -> None:
    booking, token = await register(world, settings)
    assert (booking.status, booking.origin) == (BookingStatus.PENDING, BookingOrigin.SELF_FOUND)
    assert booking.period_id == world.period_a.id
    slot = await Slot.get(id=booking.slot_id)
    assert (slot.capacity, slot.taken, slot.visible_to_all) == (1, 1, False)
    assert slot.status == SlotStatus.CLOSED  # never in the catalogue
    employer = await Employer.get(id=slot.employer_id)
    assert (employer.name, employer.organiser_id) == ("Mormors Blomsterhandel", world.organiser.id)
    link = await BookingLink.get(booking_id=booking.id)
    assert token not in link.token_hash and len(link.token_hash) == 64
    assert link.expires_at > clock.now() + timedelta(days=13)


async def test_confirm_once(world: World, settings: Settings) -> None:
    booking, token = await register(world, settings)
    opened = await self_found_link.open_link(token)
    assert opened.ok and opened.value is not None and opened.value.first_name == "Alva"
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING  # reading is free
    assert (await self_found_link.answer_link(token, confirm=True)).ok
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    sent = await OutboxMessage.filter(booking_id=booking.id, kind="self_found_confirmed")
    assert "alva@example.se" in {m.to_address for m in sent}
    again = await self_found_link.answer_link(token, confirm=False)
    assert [(e.code, e.field) for e in again.errors] == [(ErrorCode.LINK_USED, "token")]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    # It is her placement for the period: she cannot book another one.
    other = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert other.errors[0].code == ErrorCode.ALREADY_BOOKED


async def test_decline_by_link(world: World, settings: Settings) -> None:
    booking, token = await register(world, settings)
    assert (await self_found_link.answer_link(token, confirm=False, reason="Vi har ingen plats")).ok
    after = await Booking.get(id=booking.id)
    assert (after.status, after.reason) == (BookingStatus.DECLINED, "Vi har ingen plats")
    assert (await Slot.get(id=booking.slot_id)).taken == 0
    assert await OutboxMessage.filter(booking_id=booking.id, kind="booking_declined").exists()
    # Free to book something else now.
    assert (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).ok


async def test_expired_link_is_refused(world: World, settings: Settings) -> None:
    booking, token = await register(world, settings)
    await BookingLink.filter(booking_id=booking.id).update(
        expires_at=clock.now() - timedelta(minutes=1)
    )
    for outcome in (
        await self_found_link.open_link(token),
        await self_found_link.answer_link(token, True),
    ):
        assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.LINK_EXPIRED, "token")]
    assert (await Booking.get(id=booking.id)).status == BookingStatus.PENDING
    assert (await BookingLink.get(booking_id=booking.id)).used_at is None


async def test_unknown_link_and_cancelled_booking(world: World, settings: Settings) -> None:
    booking, token = await register(world, settings)
    assert (await self_found_link.answer_link("inte-en-riktig-länk", True)).errors[0].code == (
        ErrorCode.NOT_FOUND
    )
    await Booking.filter(id=booking.id).update(status=BookingStatus.CANCELLED)
    assert (await self_found_link.answer_link(token, True)).errors[0].code == ErrorCode.NOT_PENDING
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED


async def test_the_same_workplace_is_found_again_by_contact_email(
    world: World, settings: Settings
) -> None:
    known = await Employer.create(
        organiser_id=world.organiser.id, name="Blomsterhandeln AB",
        contact_email="blommor@example.se",
    )  # fmt: skip
    booking, _ = await register(world, settings)
    assert (await Slot.get(id=booking.slot_id)).employer_id == known.id
    assert await Employer.filter(contact_email="blommor@example.se").count() == 1


async def test_refusals_change_nothing(world: World, settings: Settings) -> None:
    actor = await world.actor(world.pupil_a_user)
    start = world.period_a.start_date
    cases: list[tuple[dict[str, object], ErrorCode, str]] = [
        ({"name": ""}, ErrorCode.INVALID, "name"),
        ({"contact_email": "blommor"}, ErrorCode.INVALID, "contact_email"),
        ({"tasks": " "}, ErrorCode.INVALID, "tasks"),
        ({"end_date": start - timedelta(days=1)}, ErrorCode.END_BEFORE_START, "end_date"),
        ({"start_date": None}, ErrorCode.INVALID, "start_date"),
        ({"start_date": start + timedelta(days=300), "end_date": start + timedelta(days=301)},
         ErrorCode.DATES_DO_NOT_MATCH, "start_date"),
    ]  # fmt: skip
    for change, code, field in cases:
        outcome = await self_found.register(actor, placement(world, **change), settings)
        assert (outcome.errors[0].code, outcome.errors[0].field) == (code, field), change
    for user in (world.employer_user, world.coordinator_a):
        outcome = await self_found.register(await world.actor(user), placement(world), settings)
        assert outcome.errors[0].code == ErrorCode.FORBIDDEN
    assert await Booking.all().count() == 0
    assert await BookingLink.all().count() == 0
    assert not await Employer.filter(name="Mormors Blomsterhandel").exists()
    assert not await OutboxMessage.all().exists()


async def test_one_active_booking_per_period(world: World, settings: Settings) -> None:
    assert (await book_slot(await world.actor(world.pupil_a_user), world.slot.id)).ok
    outcome = await self_found.register(
        await world.actor(world.pupil_a_user), placement(world), settings
    )
    assert [(e.code, e.field) for e in outcome.errors] == [(ErrorCode.ALREADY_BOOKED, "start_date")]
    assert not await BookingLink.all().exists()
