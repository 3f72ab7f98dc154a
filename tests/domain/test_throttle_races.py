"""The throttle holds under concurrency on PostgreSQL: concurrent requests never exceed a limit,
and concurrent reminder runs remind each pupil (and each placement) once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from prao import clock, throttle
from prao.auth import LINKS_PER_ADDRESS, request_sign_in_link
from prao.config import Settings
from prao.models import Booking, BookingOrigin, BookingStatus, MailThrottle, OutboxMessage
from prao.services.placement import remind_unplaced
from prao.services.reminders import send_placement_reminders
from tests import factories
from tests.db import column
from tests.factories import World

pytestmark = pytest.mark.postgres


async def test_concurrent_actions_do_not_exceed_the_limit(postgres: None) -> None:
    limited = throttle.rule("test", "same-key", 3, throttle.QUARTER)
    answers = await asyncio.gather(*(throttle.allow(limited) for _ in range(40)))
    assert answers.count(True) == 3
    assert await MailThrottle.filter(key=limited.key).count() == 3


async def test_concurrent_sign_in_requests_mail_at_most_the_limit(
    postgres: None, world: World, settings: Settings
) -> None:
    email = world.pupil_a_user.email
    await asyncio.gather(*(request_sign_in_link(email, settings, f"10.0.0.{i}") for i in range(30)))
    assert await OutboxMessage.filter(kind="sign_in_link").count() == LINKS_PER_ADDRESS


async def test_concurrent_unplaced_reminders_remind_each_pupil_once(
    postgres: None, world: World
) -> None:
    await factories.pupil(world.school_a, first_name="Ida", email="ida@example.se")
    coordinator = await world.actor(world.coordinator_a)
    outcomes = await asyncio.gather(
        *(remind_unplaced(coordinator, world.period_a.id) for _ in range(10))
    )
    assert sum(o.value or 0 for o in outcomes) == 2
    sent = await column(OutboxMessage.filter(kind="unplaced_reminder"), "to_address")
    assert sorted(sent) == ["alva@example.se", "ida@example.se"]


async def test_concurrent_placement_reminder_runs_send_once(postgres: None, world: World) -> None:
    start = clock.today() + timedelta(days=2)
    slot = await factories.slot(
        world.employer, start_date=start, end_date=start + timedelta(days=4)
    )
    await Booking.create(
        pupil_id=world.pupil_a.id,
        slot_id=slot.id,
        period_id=world.period_a.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
    )
    runs = await asyncio.gather(*(send_placement_reminders(clock.now()) for _ in range(8)))
    assert sum(len(ids) for ids in runs) == 3  # the pupil, her account, the workplace
    assert await OutboxMessage.filter(kind="placement_reminder").count() == 3
