"""Races that SQLite hides: a decision, a cancellation and a link answered at once."""

from __future__ import annotations

import asyncio
import re

import pytest

from prao.config import Settings
from prao.errors import ErrorCode
from prao.models import Booking, BookingStatus, Employer, OutboxMessage, Slot, User
from prao.services import employers, self_found, self_found_link
from prao.services.booking import book_slot, cancel_booking
from prao.services.decisions import decide_booking
from tests import factories
from tests.db import column

pytestmark = pytest.mark.postgres


async def test_decline_and_cancel_at_once_free_the_place_once(postgres: None) -> None:
    w = await factories.world()
    for _ in range(20):
        slot = await factories.slot(w.employer, requires_approval=True, capacity=1)
        pupil = await factories.pupil(w.school_a)
        staff = await w.actor(w.coordinator_a)
        booking = (await book_slot(staff, slot.id, pupil_id=pupil.id)).value
        assert booking
        employer = await w.actor(w.employer_user)
        outcomes = await asyncio.gather(
            decide_booking(employer, booking.id, False),
            decide_booking(employer, booking.id, True),
            cancel_booking(staff, booking.id),
        )
        decided, cancelled = outcomes[0].ok + outcomes[1].ok, outcomes[2].ok
        assert decided <= 1 and decided + cancelled >= 1
        after = await Booking.get(id=booking.id)
        # Whatever the order, the place is held exactly while the booking is active.
        expected_taken = 1 if after.status == BookingStatus.CONFIRMED else 0
        assert (await Slot.get(id=slot.id)).taken == expected_taken
        if outcomes[0].ok:  # declined first: the cancellation found nothing active
            assert not cancelled and after.status == BookingStatus.DECLINED


async def test_a_link_answered_twice_at_once_counts_once(
    postgres: None, settings: Settings
) -> None:
    w = await factories.world()
    start = w.period_a.start_date
    data = self_found.SelfFound("Blomman", "b@example.se", start, start, "Blommor")
    assert (await self_found.register(await w.actor(w.pupil_a_user), data, settings)).ok
    body = (await OutboxMessage.get(kind="self_found_request")).body
    token = re.search(r"/bekrafta/(\S+)", body).group(1)  # type: ignore[union-attr]
    outcomes = await asyncio.gather(
        *(self_found_link.answer_link(token, confirm=i % 2 == 0) for i in range(10))
    )
    assert sum(o.ok for o in outcomes) == 1
    assert {o.errors[0].code for o in outcomes if not o.ok} <= {
        ErrorCode.LINK_USED, ErrorCode.NOT_PENDING
    }  # fmt: skip
    assert (
        await OutboxMessage.filter(kind__in=["self_found_confirmed", "booking_declined"]).count()
        >= 1
    )


async def test_sign_ups_with_one_org_number_at_once_make_one_account(
    postgres: None, settings: Settings
) -> None:
    """The read-check lets them all through; the unique index stops all but one, and each of
    the others gets the same answer as after the check, with no account and no mail."""
    w = await factories.world()
    data = [
        employers.SignUp(
            w.organiser.id,
            f"Snickeri {i}",
            "556036-0793",
            "Hamngatan 1",
            "Varberg",
            f"snickare{i}@example.se",
        )  # fmt: skip
        for i in range(10)
    ]
    outcomes = await asyncio.gather(*(employers.sign_up(d, settings) for d in data))
    assert sum(o.value is not None for o in outcomes) == 1
    refused = [[(e.code, e.field) for e in o.errors] for o in outcomes if o.value is None]
    assert refused == [[(ErrorCode.DUPLICATE, "org_number")]] * 9
    assert await Employer.filter(org_number="556036-0793").count() == 1
    [winner] = await Employer.filter(org_number="556036-0793")
    assert await User.filter(email__startswith="snickare").count() == 1
    mailed = await column(OutboxMessage.filter(to_address__startswith="snickare"), "to_address")
    assert mailed == [winner.contact_email]
