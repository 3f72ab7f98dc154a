"""Races only PostgreSQL shows: sweeps at once ask and remind each side once, and answers at
once (the pupil's, or the supervisor's through one link) take effect once."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, time, timedelta

import pytest

from prao import clock
from prao.config import TIMEZONE
from prao.models import Evaluation, OutboxMessage
from prao.services import evaluation
from prao.services.booking import book_slot
from prao.services.evaluation_requests import send_evaluation_requests
from tests.factories import World

pytestmark = pytest.mark.postgres
LINK = re.compile(r"/handledare/utvardering/(\d+)/(\S+)")
HOST = {"went_well": "3", "host_again": "yes", "places_next_year": "1"}


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), TIMEZONE)


async def test_sweeps_and_answers_at_once_act_once(
    postgres: None, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    booked = [
        await book_slot(coordinator, world.slot.id, p.id) for p in (world.pupil_a, world.pupil_a2)
    ]
    assert all(b.ok for b in booked)
    end = world.slot.end_date
    await asyncio.gather(*(send_evaluation_requests(at(end + timedelta(days=1))) for _ in range(4)))
    assert await Evaluation.all().count() == 2
    assert await OutboxMessage.filter(kind="host_evaluation_request").count() == 2
    assert await OutboxMessage.filter(kind="evaluation_request").count() == 2  # Alva's two
    await asyncio.gather(*(send_evaluation_requests(at(end + timedelta(days=6))) for _ in range(4)))
    assert await OutboxMessage.filter(kind="host_evaluation_reminder").count() == 2
    assert await OutboxMessage.filter(kind="evaluation_reminder").count() == 2

    message = await OutboxMessage.filter(kind="host_evaluation_request").order_by("id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None
    booking_id, raw = int(found.group(1)), found.group(2)
    answers = await asyncio.gather(
        *(evaluation.answer_host(booking_id, raw, {**HOST, "went_well": s}) for s in "1234")
    )
    assert sorted(o.ok for o in answers) == [False, False, False, True]

    moment = at(end + timedelta(days=7))
    monkeypatch.setattr(clock, "now", lambda: moment)
    pupil = await world.actor(world.pupil_a_user)
    alva = next(b.value for b in booked if b.value and b.value.pupil_id == world.pupil_a.id)
    assert alva is not None
    form = {"learned": "2", "treated_well": "3", "recommend": "4"}
    tries = await asyncio.gather(
        *(evaluation.answer(pupil, alva.id, {**form, "overall": s}) for s in "1234")
    )
    assert sorted(o.ok for o in tries) == [False, False, False, True]
    assert await Evaluation.filter(pupil_answered_at__isnull=False).count() == 1
