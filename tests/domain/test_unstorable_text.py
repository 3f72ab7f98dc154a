"""Text no column can store (NUL, a lone surrogate) is refused with INVALID on its field, by the
domain, and nothing is written: the adapters pass text on as it was sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prao.config import Settings
from prao.errors import DomainError, ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    BookingStatus,
    Employer,
    EmployerStatus,
    OutboxMessage,
    Slot,
    User,
)
from prao.services import self_found, vetting
from prao.services.booking import book_slot, cancel_booking
from prao.services.decisions import decide_booking
from prao.services.employers import SignUp, invite_supervisor, sign_up
from prao.services.pupil_rows import PupilRow, check
from prao.validation import BAD_CHARACTERS
from tests import factories
from tests.factories import World

BAD = ["Anna\x00", "Anna\ud800"]


async def written() -> tuple[int, int, int, int, int]:
    return (
        await Employer.all().count(),
        await User.all().count(),
        await Slot.all().count(),
        await OutboxMessage.all().count(),
        await AuditEvent.all().count(),
    )


def only_invalid(errors: list[DomainError], field: str) -> None:
    assert [(e.code, e.field, e.message) for e in errors] == [
        (ErrorCode.INVALID, field, BAD_CHARACTERS)
    ]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("field", ["name", "address", "city", "contact_email", "contact_name"])
async def test_sign_up(world: World, settings: Settings, bad: str, field: str) -> None:
    values = {
        "organiser_id": world.organiser.id,
        "name": "Snickeriet AB",
        "org_number": "5560360793",
        "address": "Hamngatan 1",
        "city": "Varberg",
        "contact_email": "siv@snickeri.example.com",
        "contact_name": "Siv",
    }
    values[field] = bad if field != "contact_email" else "siv\x00@snickeri.example.com"
    before = await written()
    outcome = await sign_up(SignUp(**values), settings)  # type: ignore[arg-type]
    only_invalid(outcome.errors, field)
    assert await written() == before


@pytest.mark.parametrize("bad", BAD)
async def test_invite(world: World, settings: Settings, bad: str) -> None:
    actor = await world.actor(world.employer_user)
    before = await written()
    outcome = await invite_supervisor(actor, "kim@snickeri.example.com", bad, settings)
    only_invalid(outcome.errors, "name")
    assert await written() == before


@pytest.mark.parametrize("bad", BAD)
async def test_self_found(world: World, settings: Settings, bad: str) -> None:
    actor = await world.actor(world.pupil_a_user)
    start = world.period_a.start_date
    data = self_found.SelfFound(
        name="Bageriet",
        contact_email="bagare@bageriet.example.com",
        start_date=start,
        end_date=start + timedelta(days=4),
        tasks=bad,
    )
    before = await written()
    outcome = await self_found.register(actor, data, settings)
    only_invalid(outcome.errors, "tasks")
    assert await written() == before
    assert not await Booking.exists(pupil_id=world.pupil_a.id)


@pytest.mark.parametrize("bad", BAD)
async def test_cancel_and_decline_reasons(world: World, bad: str) -> None:
    booked = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
    assert booked.value is not None
    before = await written()
    cancelled = await cancel_booking(await world.actor(world.pupil_a_user), booked.value.id, bad)
    only_invalid(cancelled.errors, "reason")
    declined = await decide_booking(
        await world.actor(world.employer_user), booked.value.id, False, bad
    )
    only_invalid(declined.errors, "reason")
    assert await written() == before
    assert (await Booking.get(id=booked.value.id)).status in (
        BookingStatus.CONFIRMED,
        BookingStatus.PENDING,
    )


@pytest.mark.parametrize("bad", BAD)
async def test_vetting_decline_reason(world: World, settings: Settings, bad: str) -> None:
    pending = await factories.employer(world.organiser, status=EmployerStatus.PENDING)
    before = await written()
    outcome = await vetting.decline(await world.actor(world.admin), pending.id, bad, settings)
    only_invalid(outcome.errors, "reason")
    assert await written() == before
    assert (await Employer.get(id=pending.id)).status is EmployerStatus.PENDING


@pytest.mark.parametrize("bad", BAD)
def test_a_pupil_row_is_flagged_on_its_field(bad: str) -> None:
    row = PupilRow(first_name="Alva", last_name="Berg", year_group=8, class_name=bad)
    check(row)
    assert ("class_name", BAD_CHARACTERS) in [(i.field, i.message) for i in row.issues]
