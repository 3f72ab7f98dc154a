"""The retention job as the workers' daily cron and the in-process runner run it: a period that
ended 13 months ago is erased once, whichever runs first."""

from __future__ import annotations

from datetime import timedelta

from prao import clock
from prao.models import AuditEvent, Booking, BookingOrigin, BookingStatus, Pupil
from prao.services.retention import months_before
from tests import factories
from tests.factories import World
from workers.in_process import InProcessJobs
from workers.retention import retention_job
from workers.settings import CRON_JOBS


async def an_old_placement(world: World) -> Pupil:
    end = months_before(clock.today(), 13)
    old = await factories.period(
        world.school_a, year_group=7, start_date=end - timedelta(days=11), end_date=end
    )
    pupil = await factories.pupil(world.school_a, year_group=7, first_name="Ylva")
    await Booking.create(
        pupil_id=pupil.id,
        slot_id=world.slot.id,
        period_id=old.id,
        status=BookingStatus.CONFIRMED,
        origin=BookingOrigin.STAFF,
        reason="Ylva ville baka",
    )
    return pupil


async def test_the_daily_cron_job_erases_once(world: World) -> None:
    pupil = await an_old_placement(world)
    assert await retention_job({}) == 1
    assert await InProcessJobs().retention() == 0  # another process's run: nothing more
    row = await Pupil.get(id=pupil.id)
    assert row.erased_at is not None and row.first_name == ""
    assert (await Booking.get(pupil_id=pupil.id)).reason == ""
    assert await AuditEvent.filter(action="erase").count() == 1
    # The period now running keeps its pupils.
    assert (await Pupil.get(id=world.pupil_a.id)).first_name == "Alva"
    assert any(job.name == "retention" for job in CRON_JOBS)


async def test_the_in_process_runner_erases_too(world: World) -> None:
    await an_old_placement(world)
    assert await InProcessJobs().retention() == 1
    assert await retention_job({}) == 0
