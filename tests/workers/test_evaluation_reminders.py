"""The hourly sweep (the workers' cron and the in-process runner both run it) asks for the
evaluations after a placement, and reminds once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prao import clock
from prao.models import Booking, BookingOrigin, BookingStatus, OutboxMessage
from tests import factories
from tests.factories import World
from workers.reminders import before_the_start

EVALUATION_KINDS = {
    "evaluation_request",
    "evaluation_reminder",
    "host_evaluation_request",
    "host_evaluation_reminder",
}


async def evaluation_kinds(ids: list[int]) -> list[str]:
    messages = await OutboxMessage.filter(id__in=ids)
    return sorted(m.kind for m in messages if m.kind in EVALUATION_KINDS)


async def test_the_hourly_sweep_asks_once_and_reminds_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    end = clock.today() - timedelta(days=1)  # the placement ended yesterday
    slot = await factories.slot(world.employer, start_date=end - timedelta(days=4), end_date=end)
    await Booking.create(
        pupil_id=world.pupil_a.id,
        slot_id=slot.id,
        period_id=world.period_a.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
    )
    assert await evaluation_kinds(await before_the_start()) == [
        "evaluation_request",
        "evaluation_request",  # her own address and her account's
        "host_evaluation_request",
    ]
    assert await evaluation_kinds(await before_the_start()) == []
    later = clock.now() + timedelta(days=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert await evaluation_kinds(await before_the_start()) == [
        "evaluation_reminder",
        "evaluation_reminder",
        "host_evaluation_reminder",
    ]
    assert await evaluation_kinds(await before_the_start()) == []
