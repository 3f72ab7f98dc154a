"""Attendance and the certificate, rule by rule: the last day's link confirms the week once,
the certificate is asked the day after and reminded after 3 and 7 days, signed once, read back
from its PDF and verified by its code; every unhappy path changes nothing."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from pypdf import PdfReader

from prao import certificate_pdf
from prao.config import TIMEZONE
from prao.errors import ErrorCode
from prao.models import (
    AttendanceDay,
    AttendanceStatus,
    AuditEvent,
    Booking,
    Certificate,
    OutboxMessage,
    Pupil,
    School,
)
from prao.services import absence, attendance, certificate, no_show
from prao.services.after_the_end import send_after_the_end
from prao.services.booking import book_slot
from prao.services.first_day_brief import send_first_day_briefs
from tests.factories import World

LINK = re.compile(r"/handledare/(narvaro|intyg)/(\d+)/(\S+)")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TIMEZONE)


async def placed(world: World) -> Booking:
    coordinator = await world.actor(world.coordinator_a)
    outcome = await book_slot(coordinator, world.slot.id, world.pupil_a.id)
    assert outcome.value is not None, outcome.errors
    return outcome.value


async def link_of(kind: str) -> tuple[int, str]:
    message = await OutboxMessage.filter(kind=kind).order_by("-id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None, message.body
    return int(found.group(2)), found.group(3)


def good_signing(**changes: str) -> certificate.Signing:
    values = {
        "tasks": "Bakade bröd och stod i kassan.",
        "comment": "Alva var en tillgång.",
        "signed_name": "Sara Handledare",
    }
    values.update({k: v for k, v in changes.items() if k in values})
    scores = {"punctuality": "4", "initiative": "3", "cooperation": "4", "interest": "2"}
    scores.update({k: v for k, v in changes.items() if k in scores})
    return certificate.Signing(values["tasks"], scores, values["comment"], values["signed_name"])


def test_working_days_are_monday_to_friday() -> None:
    days = attendance.working_days(date(2026, 3, 6), date(2026, 3, 10))  # Fri → Tue
    assert days == [date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]


async def test_the_week_is_asked_on_the_last_days_afternoon_and_confirmed_once(
    world: World,
) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    assert await send_after_the_end(at(end, 9)) == []  # the morning: the week is not over
    sent = await send_after_the_end(at(end, 14))
    assert len(sent) == 1
    assert await send_after_the_end(at(end, 15)) == []  # once
    message = await OutboxMessage.get(id=sent[0])
    assert message.to_address == world.employer.contact_email
    assert "Alva (Skola A, åk 8)" in message.body and "Andersson" not in message.body
    booking_id, raw = await link_of("attendance_request")
    assert booking_id == booking.id
    opened = await attendance.open_week(booking_id, raw)
    assert opened.value is not None
    assert len(opened.value.days) == 10
    assert {d.proposed for d in opened.value.days} == {AttendanceStatus.PRESENT}
    first, second = opened.value.days[0].day, opened.value.days[1].day
    done = await attendance.confirm_week(
        booking_id, raw, {first: ("late", "Bussen var sen"), second: ("absent_reported", "")}
    )
    assert done.value is not None, done.errors
    days = {d.day: d for d in done.value.days}
    assert days[first].status is AttendanceStatus.LATE and days[first].note == "Bussen var sen"
    assert days[second].status is AttendanceStatus.ABSENT_REPORTED
    assert all(d.confirmed for d in done.value.days)
    assert attendance.attended(done.value.days) == 9
    # Used twice: refused, nothing changes.
    again = await attendance.confirm_week(booking_id, raw, {first: ("absent", "")})
    assert again.errors[0].code is ErrorCode.LINK_USED
    row = await AttendanceDay.get(booking_id=booking.id, day=first)
    assert row.status == AttendanceStatus.LATE
    assert await AuditEvent.filter(action="confirm", object_type="attendance").count() == 1


async def test_a_week_link_refuses_the_wrong_booking_bad_input_and_the_expired(
    world: World,
) -> None:
    booking = await placed(world)
    await send_after_the_end(at(world.slot.end_date, 14))
    booking_id, raw = await link_of("attendance_request")
    other = await book_slot(
        await world.actor(world.coordinator_a), world.slot.id, world.pupil_a2.id
    )
    assert other.value is not None
    wrong = await attendance.confirm_week(other.value.id, raw, {})
    assert wrong.errors[0].code is ErrorCode.NOT_FOUND
    assert (await attendance.open_week(booking_id, raw + "x")).errors[0].code is ErrorCode.NOT_FOUND
    first = world.slot.start_date
    for statuses in (
        {first: ("sjuk", "")},
        {first: ("present", "x" * 301)},
        {first: ("present", "nul\x00")},
        {first - timedelta(days=3): ("present", "")},  # not a day of the placement
    ):
        refused = await attendance.confirm_week(booking_id, raw, statuses)
        assert refused.errors and refused.errors[0].code is ErrorCode.INVALID, statuses
        assert refused.errors[0].message.startswith(("Välj", "Högst", "Texten", "Dagen"))
    assert await AttendanceDay.filter(booking_id=booking.id).count() == 0
    late = at(world.slot.end_date, 14) + timedelta(days=31)
    expired = await attendance.open_week(booking_id, raw, now=late)
    assert expired.errors[0].code is ErrorCode.LINK_EXPIRED


async def test_staff_correct_attendance_audited_and_others_are_refused(world: World) -> None:
    booking = await placed(world)
    day = world.slot.start_date
    before = (await Booking.get(id=booking.id)).updated_at
    coordinator = await world.actor(world.coordinator_a)
    done = await attendance.record(
        coordinator, booking.id, [attendance.Change(day, AttendanceStatus.ABSENT)]
    )
    assert done.value is not None, done.errors
    assert done.value.updated_at > before  # a sync by updatedSince sees it
    assert (await AttendanceDay.get(booking_id=booking.id, day=day)).status == "absent"
    assert await AuditEvent.filter(action="update", object_type="attendance").count() == 1
    for who, code in (
        (world.coordinator_b, ErrorCode.NOT_FOUND),
        (world.employer_user, ErrorCode.FORBIDDEN),
        (world.pupil_a_user, ErrorCode.FORBIDDEN),
        (world.other_employer_user, ErrorCode.FORBIDDEN),
    ):
        refused = await attendance.record(
            await world.actor(who), booking.id, [attendance.Change(day, AttendanceStatus.PRESENT)]
        )
        assert refused.errors[0].code is code, who.role
    assert (await AttendanceDay.get(booking_id=booking.id, day=day)).status == "absent"
    seen = await attendance.for_staff(coordinator, booking.id)
    assert seen.value is not None and seen.value.days[0].status is AttendanceStatus.ABSENT


async def test_the_certificate_is_asked_reminded_signed_once_and_verified(world: World) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    await send_after_the_end(at(end, 14))
    asked = await send_after_the_end(at(end + timedelta(days=1), 8))
    assert [m.kind for m in await OutboxMessage.filter(id__in=asked)] == ["certificate_request"]
    assert await send_after_the_end(at(end + timedelta(days=2), 8)) == []
    reminded = await send_after_the_end(at(end + timedelta(days=4), 9))
    assert [m.kind for m in await OutboxMessage.filter(id__in=reminded)] == ["certificate_reminder"]
    assert await send_after_the_end(at(end + timedelta(days=5), 9)) == []
    assert len(await send_after_the_end(at(end + timedelta(days=8), 9))) == 1
    assert await send_after_the_end(at(end + timedelta(days=20), 9)) == []  # once each
    booking_id, raw = await link_of("certificate_reminder")
    page = await certificate.open_sign(booking_id, raw)
    assert page.value is not None and page.value.attended == 0  # the week was never confirmed
    for bad, field in (
        (good_signing(punctuality="5"), "punctuality"),
        (good_signing(interest=""), "interest"),
        (good_signing(tasks="x" * 2001), "tasks"),
        (good_signing(comment="a\x00b"), "comment"),
        (good_signing(signed_name=""), "signed_name"),
    ):
        refused = await certificate.sign(booking_id, raw, bad)
        assert [e.field for e in refused.errors] == [field], refused.errors
    assert (await Certificate.get(booking_id=booking.id)).signed_at is None
    signed = await certificate.sign(booking_id, raw, good_signing())
    assert signed.value is not None and signed.value.signed
    row = signed.value.certificate
    assert row.code and certificate.normal_code(row.code.lower().replace("-", " ")) == row.code
    # Signed: no link of the booking signs again.
    first_id, first_raw = booking_id, (await link_of("certificate_request"))[1]
    for token in (raw, first_raw):
        again = await certificate.sign(first_id, token, good_signing(comment="Ändrat"))
        assert again.errors[0].code is ErrorCode.LINK_USED
    assert (await Certificate.get(id=row.id)).comment == "Alva var en tillgång."
    assert await send_after_the_end(at(end + timedelta(days=30), 9)) == []
    verified = await certificate.verify(row.code)
    assert verified is not None
    assert (verified.first_name, verified.employer_name) == ("Alva", "Café Solen")
    assert (verified.start_date, verified.end_date) == (world.slot.start_date, end)
    assert await certificate.verify("AAAA-AAAA-AAAA") is None
    assert await certificate.verify("x" * 500) is None


async def test_the_pdf_reads_back_and_only_those_who_see_the_booking_get_it(
    world: World,
) -> None:
    booking = await placed(world)
    await send_after_the_end(at(world.slot.end_date, 14))
    await send_after_the_end(at(world.slot.end_date + timedelta(days=1), 8))
    booking_id, raw = await link_of("certificate_request")
    signed = await certificate.sign(booking_id, raw, good_signing())
    assert signed.value is not None
    code = signed.value.certificate.code
    assert code is not None
    got = await certificate.paper(await world.actor(world.pupil_a_user), booking.id)
    assert got.value is not None
    pdf = certificate_pdf.render(got.value.certificate, got.value.pupil, f"http://x/intyg/{code}")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = reader.pages[0].extract_text()
    for expected in ("Praktikintyg", "Varbergs kommun", "Alva Andersson", "Café Solen", code,
                     "Passar tider", "Mycket bra (4 av 4)", "Sara Handledare"):  # fmt: skip
        assert expected in text, (expected, text)
    # The workplace's own booking: as the workplace may see her.
    hosted = await certificate.paper(await world.actor(world.employer_user), booking.id)
    assert hosted.value is not None and hosted.value.pupil.last_name is None
    for who in (world.other_employer_user, world.coordinator_b, world.pupil_b_user):
        refused = await certificate.paper(await world.actor(who), booking.id)
        assert refused.errors[0].code is ErrorCode.NOT_FOUND
    assert await AuditEvent.filter(action="read", object_type="certificate").count() == 2


async def test_a_protected_pupils_certificate_mail_names_her_first_name_only(
    world: World,
) -> None:
    await Pupil.filter(id=world.pupil_a.id).update(security_marking=True)
    await placed(world)
    await send_after_the_end(at(world.slot.end_date, 14))
    await send_after_the_end(at(world.slot.end_date + timedelta(days=1), 8))
    kinds = ["attendance_request", "certificate_request"]
    for message in await OutboxMessage.filter(kind__in=kinds):
        assert "Alva" in message.body and "Skola A" not in message.body, message.body


@pytest.mark.parametrize("status", ["cancelled"])
async def test_a_cancelled_booking_is_not_asked(world: World, status: str) -> None:
    booking = await placed(world)
    await Booking.filter(id=booking.id).update(status=status)
    assert await send_after_the_end(at(world.slot.end_date, 14)) == []


async def test_the_supervisor_tells_the_school_a_pupil_has_not_come_once(world: World) -> None:
    booking = await placed(world)
    start = world.slot.start_date  # a Monday
    assert await send_first_day_briefs(at(start - timedelta(days=3), 9))
    brief = await OutboxMessage.get(kind="first_day_brief_supervisor")
    found = re.search(r"/handledare/inte-kommit/(\d+)/(\S+)", brief.body)
    assert found is not None, brief.body
    booking_id, raw = int(found.group(1)), found.group(2)
    early = await no_show.report(booking_id, raw, now=at(start - timedelta(days=1), 9))
    assert early.errors[0].code is ErrorCode.INVALID  # a Sunday, before the start
    wrong = await no_show.report(booking_id + 1, raw, now=at(start, 9))
    assert wrong.errors[0].code is ErrorCode.NOT_FOUND
    assert not await OutboxMessage.filter(kind="no_show_report").exists()
    done = await no_show.report(booking_id, raw, now=at(start, 9))
    assert done.value is not None and done.value.reported, done.errors
    told = {m.to_address for m in await OutboxMessage.filter(kind="no_show_report")}
    assert told == {"vh.alva@example.se"}  # the school has no contact address here
    day = await AttendanceDay.get(booking_id=booking.id, day=start)
    assert day.status == AttendanceStatus.ABSENT
    again = await no_show.report(booking_id, raw, now=at(start, 10))
    assert again.errors[0].code is ErrorCode.LINK_USED
    assert await OutboxMessage.filter(kind="no_show_report").count() == 1
    after = await no_show.open_report(
        booking_id, "x" + raw[1:], now=at(world.slot.end_date + timedelta(days=1), 9)
    )
    assert after.errors[0].code is ErrorCode.NOT_FOUND


async def test_a_no_show_link_expires_with_the_placement(world: World) -> None:
    await placed(world)
    start = world.slot.start_date
    await send_first_day_briefs(at(start - timedelta(days=3), 9))
    brief = await OutboxMessage.get(kind="first_day_brief_supervisor")
    found = re.search(r"/handledare/inte-kommit/(\d+)/(\S+)", brief.body)
    assert found is not None
    late = at(world.slot.end_date + timedelta(days=1), 9)
    expired = await no_show.report(int(found.group(1)), found.group(2), now=late)
    assert expired.errors[0].code is ErrorCode.LINK_EXPIRED


async def test_a_sweep_that_missed_days_sends_one_reminder_at_a_time(world: World) -> None:
    await placed(world)
    end = world.slot.end_date
    await send_after_the_end(at(end, 14))
    await send_after_the_end(at(end + timedelta(days=1), 8))
    late = await send_after_the_end(at(end + timedelta(days=12), 8))
    assert [m.kind for m in await OutboxMessage.filter(id__in=late)] == ["certificate_reminder"]
    assert len(await send_after_the_end(at(end + timedelta(days=12), 9))) == 1
    assert await send_after_the_end(at(end + timedelta(days=13), 9)) == []


async def test_the_pupil_reports_sick_once_and_is_told_apart_from_others(world: World) -> None:
    booking = await placed(world)
    await School.filter(id=world.school_a.id).update(contact_email="syv@skola-a.se")
    pupil = await world.actor(world.pupil_a_user)
    monday = at(world.slot.start_date, 7)
    before = await absence.report(
        pupil, booking.id, absence.Absence.SICK, now=at(date(2030, 1, 1), 7)
    )
    assert before.errors[0].code is ErrorCode.INVALID
    done = await absence.report(pupil, booking.id, absence.Absence.SICK, now=monday)
    assert done.value is not None and done.value.status == AttendanceStatus.ABSENT_REPORTED
    mails = {m.to_address: m for m in await OutboxMessage.filter(kind="absence_report")}
    assert set(mails) == {world.employer.contact_email, "syv@skola-a.se"}
    assert "Andersson" not in mails[world.employer.contact_email].body
    assert "Alva Andersson (8A)" in mails["syv@skola-a.se"].body
    again = await absence.report(pupil, booking.id, absence.Absence.SICK, now=monday)
    assert again.ok and await OutboxMessage.filter(kind="absence_report").count() == 2
    # The week's form then proposes the day as reported absent.
    late = await absence.report(
        pupil,
        booking.id,
        absence.Absence.LATE,
        now=at(world.slot.start_date + timedelta(days=1), 7),
    )
    assert late.value is not None and late.value.status == AttendanceStatus.LATE
    for who, code in (
        (world.pupil_b_user, ErrorCode.NOT_FOUND),
        (world.coordinator_a, ErrorCode.FORBIDDEN),
        (world.employer_user, ErrorCode.FORBIDDEN),
    ):
        refused = await absence.report(
            await world.actor(who), booking.id, absence.Absence.SICK, now=monday
        )
        assert refused.errors[0].code is code
