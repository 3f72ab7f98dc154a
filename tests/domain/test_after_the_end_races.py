"""Races only PostgreSQL shows: two sweeps at once ask the supervisor once, and two signings or
confirmations at once through the same link take effect once."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from prao.config import TIMEZONE
from prao.errors import Outcome
from prao.models import AttendanceDay, AuditEvent, Certificate, OutboxMessage
from prao.services import absence, attendance, certificate, guardian_absence, no_show
from prao.services.after_the_end import send_after_the_end
from prao.services.booking import book_slot
from prao.services.first_day_brief import send_first_day_briefs
from tests.factories import World

pytestmark = pytest.mark.postgres
LINK = re.compile(r"/handledare/(?:narvaro|intyg)/(\d+)/(\S+)")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TIMEZONE)


async def test_sweeps_at_once_ask_once_and_one_link_acts_once(postgres: None, world: World) -> None:
    coordinator = await world.actor(world.coordinator_a)
    for pupil in (world.pupil_a, world.pupil_a2):
        assert (await book_slot(coordinator, world.slot.id, pupil.id)).ok
    end = world.slot.end_date
    await asyncio.gather(*(send_after_the_end(at(end, 14)) for _ in range(4)))
    assert await OutboxMessage.filter(kind="attendance_request").count() == 2
    assert await Certificate.all().count() == 2
    await asyncio.gather(*(send_after_the_end(at(end + timedelta(days=1), 8)) for _ in range(4)))
    assert await OutboxMessage.filter(kind="certificate_request").count() == 2

    asked = await OutboxMessage.filter(kind="attendance_request").order_by("id").first()
    assert asked is not None
    found = LINK.search(asked.body)
    assert found is not None
    week_id, week_raw = int(found.group(1)), found.group(2)
    first = world.slot.start_date
    confirmations = await asyncio.gather(
        *(attendance.confirm_week(week_id, week_raw, {first: (s, "")}) for s in ("late", "absent"))
    )
    assert sorted(o.ok for o in confirmations) == [False, True]
    assert await AttendanceDay.filter(booking_id=week_id).count() == 10

    message = await OutboxMessage.filter(kind="certificate_request").order_by("id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None
    sign_id, sign_raw = int(found.group(1)), found.group(2)
    scores = {"punctuality": "4", "initiative": "3", "cooperation": "4", "interest": "2"}
    signings = await asyncio.gather(
        *(
            certificate.sign(sign_id, sign_raw, certificate.Signing("Bakade", scores, c, "Sara"))
            for c in ("Ett", "Två", "Tre")
        )
    )
    assert sorted(o.ok for o in signings) == [False, False, True]
    assert await Certificate.filter(signed_at__isnull=False).count() == 1


async def test_clicks_at_once_from_the_employer_pages_tell_the_school_once(
    postgres: None, world: World
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    booked = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert booked.value is not None
    employer = await world.actor(world.employer_user)
    monday = at(world.slot.start_date, 9)
    done = await asyncio.gather(
        *(no_show.report_by_employer(employer, booked.value.id, monday) for _ in range(4))
    )
    assert sorted(o.ok for o in done) == [False, False, False, True]
    assert await OutboxMessage.filter(kind="no_show_report").count() == 1  # the guardian
    assert await AttendanceDay.filter(booking_id=booked.value.id).count() == 1


async def test_a_guardian_and_the_pupil_reporting_at_once_tell_the_workplace_once(
    postgres: None, world: World
) -> None:
    coordinator = await world.actor(world.coordinator_a)
    booked = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert booked.value is not None
    await send_first_day_briefs(at(world.slot.start_date - timedelta(days=3), 9))
    brief = await OutboxMessage.get(kind="first_day_brief", to_address="vh.alva@example.se")
    found = re.search(r"/franvaro/(\d+)/(\S+)", brief.body)
    assert found is not None
    monday = at(world.slot.start_date, 7)
    pupil = await world.actor(world.pupil_a_user)
    reports: list[Coroutine[Any, Any, Outcome[Any]]] = [
        guardian_absence.report(int(found.group(1)), found.group(2), absence.Absence.SICK, monday)
        for _ in range(3)
    ]
    reports.append(absence.report(pupil, booked.value.id, absence.Absence.SICK, monday))
    done = await asyncio.gather(*reports)
    assert all(o.ok for o in done), [o.errors for o in done]
    assert await OutboxMessage.filter(kind="absence_report").count() == 1  # the workplace
    assert await AuditEvent.filter(action="report_absence").count() == 1
