"""The first-day brief: due three working days before the start, one e-mail per slot to the
supervisor (pupils as a workplace may see them), one to each pupil and guardian with the
calendar, sent once however often or however many at once the sweep runs."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from prao import clock
from prao.config import TIMEZONE
from prao.models import (
    AssessmentStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    FirstDayBrief,
    OutboxMessage,
    Pupil,
    RiskAssessment,
    School,
    Slot,
)
from prao.services.first_day_brief import brief_day, send_first_day_briefs
from prao.services.reminders import send_placement_reminders
from tests import factories
from tests.factories import World
from workers.in_process import InProcessJobs


def test_the_brief_is_due_three_working_days_before() -> None:
    monday, thursday = date(2031, 3, 3), date(2031, 3, 6)
    assert brief_day(monday) == date(2031, 2, 26)  # the Wednesday before
    assert brief_day(thursday) == monday
    assert brief_day(date(2031, 3, 9)) == date(2031, 3, 5)  # a Sunday start: Wednesday


def morning(day: date) -> datetime:
    return datetime.combine(day, time(7, 0), TIMEZONE)


async def slot_starting(world: World, start: date, **kw: Any) -> Slot:
    return await factories.slot(
        world.employer, start_date=start, end_date=start + timedelta(days=4), capacity=5, **kw
    )


async def booked(world: World, pupil: Pupil, slot: Slot, status: BookingStatus) -> Booking:
    return await Booking.create(
        pupil_id=pupil.id,
        slot_id=slot.id,
        period_id=world.period_a.id,
        status=status,
        origin=BookingOrigin.STAFF,
    )


def next_monday() -> date:
    today = clock.today()
    return today + timedelta(days=7 - today.weekday() or 7)


async def test_one_brief_per_slot_to_the_supervisor_and_one_each_to_pupil_and_guardian(
    world: World,
) -> None:
    start = next_monday()
    slot = await slot_starting(world, start)
    await RiskAssessment.create(
        slot_id=slot.id,
        version=1,
        status=AssessmentStatus.SUBMITTED,
        supervisor_name="Sara Handledare",
        supervisor_email="sara@cafesolen.se",
        ask_for="Sara i kassan",
        meeting_place="Personalingången på baksidan",
        clothing="Svarta byxor",
        lunch="Ta med matlåda",
    )
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    await Pupil.filter(id=world.pupil_a2.id).update(security_marking=True)
    alva = await booked(world, world.pupil_a, slot, BookingStatus.CONFIRMED)
    hugo = await booked(world, world.pupil_a2, slot, BookingStatus.CONFIRMED)
    await booked(world, world.pupil_b, slot, BookingStatus.PENDING)  # not briefed

    assert await send_first_day_briefs(morning(brief_day(start) - timedelta(days=1))) == []
    ids = await send_first_day_briefs(morning(brief_day(start)))
    messages = await OutboxMessage.filter(id__in=ids).order_by("id")
    by_address = {m.to_address: m for m in messages}
    assert set(by_address) == {
        "sara@cafesolen.se",
        "alva@example.se",
        "alva.user@example.se",
        "vh.alva@example.se",
    }
    supervisor = by_address["sara@cafesolen.se"]
    assert supervisor.kind == "first_day_brief_supervisor" and supervisor.booking_id is None
    assert "Alva (Skola A, åk 8)" in supervisor.body
    assert "- Hugo\n" in supervisor.body  # protected identity: the first name alone
    assert "Holm" not in supervisor.body and "Andersson" not in supervisor.body
    assert "Skola A: syv@skola-a.se" in supervisor.body
    assert "Om en elev inte kommer" in supervisor.body
    pupil = by_address["alva@example.se"]
    assert pupil.kind == "first_day_brief" and pupil.booking_id == alva.id
    for expected in ("Fråga efter: Sara i kassan", "Samlingsplats: Personalingången på baksidan",
                     "Kläder: Svarta byxor", "Lunch: Ta med matlåda", slot.address):  # fmt: skip
        assert expected in pupil.body
    assert pupil.attachment and "BEGIN:VCALENDAR" in pupil.attachment
    guardian = by_address["vh.alva@example.se"]
    assert guardian.body.startswith("Hej!\n\nAlvas prao")
    # Hugo's guardians have no address; he has no account: nothing but the supervisor's line.
    assert not await OutboxMessage.filter(booking_id=hugo.id).exists()

    # Once: again, later the same day, and the older reminder stays quiet for them.
    assert await send_first_day_briefs(morning(brief_day(start))) == []
    assert await send_first_day_briefs(morning(start - timedelta(days=1))) == []
    assert await send_placement_reminders(morning(start - timedelta(days=1))) == []
    assert await FirstDayBrief.filter(slot_id=slot.id).count() == 1


async def test_a_pupil_confirmed_after_the_brief_is_briefed_and_the_supervisor_told(
    world: World,
) -> None:
    start = next_monday()
    slot = await slot_starting(world, start)
    await booked(world, world.pupil_a, slot, BookingStatus.CONFIRMED)
    assert await send_first_day_briefs(morning(brief_day(start)))
    late = await booked(world, world.pupil_a2, slot, BookingStatus.CONFIRMED)
    ids = await send_first_day_briefs(morning(brief_day(start) + timedelta(days=1)))
    kinds = sorted(m.kind for m in await OutboxMessage.filter(id__in=ids))
    # Hugo has no address, nor have his guardians: the workplace (its contact, as the slot
    # has no supervisor) is told of him.
    assert kinds == ["first_day_brief_supervisor"]
    addition = await OutboxMessage.get(id__in=ids, kind="first_day_brief_supervisor")
    assert addition.to_address == world.employer.contact_email
    assert "- Hugo (Skola A, åk 8)" in addition.body and "Alva" not in addition.body
    assert "Ytterligare elev" in addition.body
    assert (await Booking.get(id=late.id)).brief_sent_at is not None


async def test_no_brief_for_cancelled_started_or_far_off_placements(world: World) -> None:
    start = next_monday()
    cancelled = await slot_starting(world, start)
    await booked(world, world.pupil_a, cancelled, BookingStatus.CANCELLED)
    far = await slot_starting(world, start + timedelta(days=7))
    await booked(world, world.pupil_a2, far, BookingStatus.CONFIRMED)
    assert await send_first_day_briefs(morning(brief_day(start))) == []
    started = await slot_starting(world, clock.today())
    await booked(world, world.pupil_b, started, BookingStatus.CONFIRMED)
    assert await send_first_day_briefs(clock.now()) == []


async def test_without_redis_the_in_process_runner_writes_the_briefs(world: World) -> None:
    start = clock.today() + timedelta(days=1)
    slot = await slot_starting(world, start)
    await booked(world, world.pupil_a, slot, BookingStatus.CONFIRMED)
    runner = InProcessJobs(smtp_url=None)  # demo mode: the mail waits in the outbox
    ids = await runner.before_the_start()
    assert len(ids) == 4
    assert await runner.before_the_start() == []
    assert await OutboxMessage.filter(kind__startswith="first_day_brief").count() == 4


@pytest.mark.postgres
async def test_sweeps_at_once_brief_each_booking_once(postgres: None, world: World) -> None:
    start = next_monday()
    slots = [await slot_starting(world, start) for _ in range(3)]
    for i in range(9):
        pupil = await factories.pupil(world.school_a, guardian_email=f"vh{i}@example.se")
        await booked(world, pupil, slots[i % 3], BookingStatus.CONFIRMED)
    when = morning(brief_day(start))
    results = await asyncio.gather(
        *(send_first_day_briefs(when) for _ in range(4)), return_exceptions=True
    )
    ids = [i for r in results if isinstance(r, list) for i in r]
    assert len(ids) == len(set(ids))
    # A sweep that lost a race on a slot's first brief wrote nothing; the next one catches up.
    ids += await send_first_day_briefs(when)
    messages = await OutboxMessage.filter(kind__startswith="first_day_brief")
    assert len(messages) == 9 + 3
    assert len({m.to_address for m in messages if m.kind == "first_day_brief"}) == 9
    assert await FirstDayBrief.all().count() == 3
