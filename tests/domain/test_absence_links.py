"""A guardian's absence link from the first-day brief, and the employer's 'has not come' from
her pages: each by the rule the pupil's tap and the supervisor's link already follow, once a
day, and every unhappy path changes nothing and sends nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from prao.config import TIMEZONE
from prao.errors import ErrorCode
from prao.models import (
    AttendanceDay,
    AttendanceStatus,
    AuditEvent,
    Booking,
    BookingLink,
    Guardian,
    LinkPurpose,
    OutboxMessage,
    School,
)
from prao.services import absence, attendance, guardian_absence, no_show
from prao.services.booking import book_slot
from prao.services.first_day_brief import send_first_day_briefs
from tests.factories import World

ABSENCE_LINK = re.compile(r"/franvaro/(\d+)/(\S+)")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TIMEZONE)


async def briefed(world: World) -> Booking:
    coordinator = await world.actor(world.coordinator_a)
    outcome = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert outcome.value is not None, outcome.errors
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    assert await send_first_day_briefs(at(world.slot.start_date - timedelta(days=3), 9))
    return outcome.value


async def guardian_link(address: str = "vh.alva@example.se") -> tuple[int, str]:
    message = await OutboxMessage.get(kind="first_day_brief", to_address=address)
    found = ABSENCE_LINK.search(message.body)
    assert found is not None, message.body
    return int(found.group(1)), found.group(2)


async def test_each_guardian_gets_her_own_link_and_the_pupil_none(world: World) -> None:
    await Guardian.create(pupil_id=world.pupil_a.id, name="Andra", email="Vh2.Alva@Example.se")
    booking = await briefed(world)
    first, second = await guardian_link(), await guardian_link("vh2.alva@example.se")
    assert first[0] == second[0] == booking.id and first[1] != second[1]
    links = await BookingLink.filter(purpose=LinkPurpose.REPORT_ABSENCE).order_by("id")
    assert [link.email for link in links] == ["vh.alva@example.se", "vh2.alva@example.se"]
    assert all(link.guardian_id for link in links)
    to_pupil = await OutboxMessage.filter(kind="first_day_brief", to_address="alva@example.se")
    assert to_pupil and all("/franvaro/" not in m.body for m in to_pupil)


async def test_a_guardian_reports_sick_once_a_day_and_the_workplace_and_school_are_told(
    world: World,
) -> None:
    booking = await briefed(world)
    booking_id, raw = await guardian_link()
    monday = at(world.slot.start_date, 7)
    opened = await guardian_absence.open_page(booking_id, raw, monday)
    assert opened.value is not None and opened.value.working_day and opened.value.status is None
    assert not await AttendanceDay.exists()  # opening changes nothing
    done = await guardian_absence.report(booking_id, raw, absence.Absence.SICK, monday)
    assert done.value is not None and done.value.status is AttendanceStatus.ABSENT_REPORTED
    mails = {m.to_address: m for m in await OutboxMessage.filter(kind="absence_report")}
    assert set(mails) == {world.employer.contact_email, "syv@skola-a.se"}
    assert "En vårdnadshavare har anmält det" in mails["syv@skola-a.se"].body
    assert "Andersson" not in mails[world.employer.contact_email].body
    day = await AttendanceDay.get(booking_id=booking.id, day=world.slot.start_date)
    assert day.note == "Sjukanmäld av vårdnadshavare"
    # Twice the same day: nothing changes, nothing is sent.
    again = await guardian_absence.report(booking_id, raw, absence.Absence.SICK, monday)
    assert again.value is not None
    assert await OutboxMessage.filter(kind="absence_report").count() == 2
    assert await AuditEvent.filter(action="report_absence").count() == 1
    # The next day is a day of its own; the link still holds.
    tuesday = at(world.slot.start_date + timedelta(days=1), 7)
    late = await guardian_absence.report(booking_id, raw, absence.Absence.LATE, tuesday)
    assert late.value is not None and late.value.status is AttendanceStatus.LATE
    assert await OutboxMessage.filter(kind="absence_report").count() == 4
    # The supervisor's week proposes the days as reported.
    days = {d.day: d for d in (await attendance.booking_days([booking.id]))[booking.id]}
    assert days[world.slot.start_date].proposed is AttendanceStatus.ABSENT_REPORTED


async def test_a_guardian_link_refuses_a_wrong_token_another_booking_and_days_outside(
    world: World,
) -> None:
    booking = await briefed(world)
    booking_id, raw = await guardian_link()
    monday = at(world.slot.start_date, 7)
    refusals = [
        (await guardian_absence.report(booking_id, "x" + raw[1:], absence.Absence.SICK, monday)),
        (await guardian_absence.report(booking_id + 1, raw, absence.Absence.SICK, monday)),
        (await guardian_absence.report(booking_id, "", absence.Absence.SICK, monday)),
        (await guardian_absence.report(2**40, raw, absence.Absence.SICK, monday)),
    ]
    assert [r.errors[0].code for r in refusals] == [ErrorCode.NOT_FOUND] * 4
    # The supervisor's no-show link is no absence link, nor the other way round.
    brief = await OutboxMessage.get(kind="first_day_brief_supervisor")
    no_show_raw = re.search(r"/handledare/inte-kommit/\d+/(\S+)", brief.body)
    assert no_show_raw is not None
    wrong_kind = await guardian_absence.report(
        booking_id, no_show_raw.group(1), absence.Absence.SICK, monday
    )
    assert wrong_kind.errors[0].code is ErrorCode.NOT_FOUND
    assert (await no_show.report(booking_id, raw, monday)).errors[0].code is ErrorCode.NOT_FOUND
    sunday = at(world.slot.start_date - timedelta(days=1), 9)
    before = await guardian_absence.report(booking_id, raw, absence.Absence.SICK, sunday)
    assert before.errors[0].code is ErrorCode.INVALID
    after = at(world.slot.end_date + timedelta(days=1), 7)
    ended = await guardian_absence.report(booking_id, raw, absence.Absence.SICK, after)
    assert ended.errors[0].code is ErrorCode.LINK_EXPIRED
    await Booking.filter(id=booking.id).update(status="cancelled")
    cancelled = await guardian_absence.report(booking_id, raw, absence.Absence.SICK, monday)
    assert cancelled.errors[0].code is ErrorCode.NOT_ACTIVE
    assert not await AttendanceDay.exists()
    assert not await OutboxMessage.filter(kind="absence_report").exists()
    assert not await AuditEvent.filter(action="report_absence").exists()


async def test_the_employer_says_a_pupil_has_not_come_once_a_day(world: World) -> None:
    booking = await briefed(world)
    employer = await world.actor(world.employer_user)
    monday = at(world.slot.start_date, 9)
    early = await no_show.report_by_employer(employer, booking.id, monday - timedelta(days=1))
    assert early.errors[0].code is ErrorCode.INVALID  # a Sunday
    done = await no_show.report_by_employer(employer, booking.id, monday)
    assert done.value is not None and done.value.refusal is not None, done.errors
    told = {m.to_address for m in await OutboxMessage.filter(kind="no_show_report")}
    assert told == {"syv@skola-a.se", "vh.alva@example.se"}
    day = await AttendanceDay.get(booking_id=booking.id, day=world.slot.start_date)
    assert day.status == AttendanceStatus.ABSENT
    assert await AuditEvent.filter(action="report_no_show").count() == 1
    # Again, from the page or by the link: the school is told once.
    again = await no_show.report_by_employer(employer, booking.id, monday)
    assert again.errors[0].code is ErrorCode.DUPLICATE
    assert await OutboxMessage.filter(kind="no_show_report").count() == 2
    # Another day is a day of its own.
    tuesday = monday + timedelta(days=1)
    assert (await no_show.report_by_employer(employer, booking.id, tuesday)).ok
    assert await OutboxMessage.filter(kind="no_show_report").count() == 4


async def test_the_employer_is_not_told_twice_what_the_pupil_reported(world: World) -> None:
    booking = await briefed(world)
    monday = at(world.slot.start_date, 7)
    pupil = await world.actor(world.pupil_a_user)
    assert (await absence.report(pupil, booking.id, absence.Absence.SICK, monday)).ok
    employer = await world.actor(world.employer_user)
    refused = await no_show.report_by_employer(employer, booking.id, monday)
    assert refused.errors[0].code is ErrorCode.DUPLICATE
    assert "anmält frånvaro" in refused.errors[0].message
    assert not await OutboxMessage.filter(kind="no_show_report").exists()


async def test_another_employers_pupil_is_refused_without_a_trace(world: World) -> None:
    booking = await briefed(world)
    monday = at(world.slot.start_date, 9)
    events = await AuditEvent.all().count()
    for who, code in (
        (world.other_employer_user, ErrorCode.NOT_FOUND),
        (world.coordinator_a, ErrorCode.FORBIDDEN),
        (world.pupil_a_user, ErrorCode.FORBIDDEN),
    ):
        refused = await no_show.report_by_employer(await world.actor(who), booking.id, monday)
        assert refused.errors[0].code is code
    assert await AuditEvent.all().count() == events  # not even a read
    assert not await AttendanceDay.exists()
    assert not await OutboxMessage.filter(kind="no_show_report").exists()
