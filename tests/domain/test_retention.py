"""Retention: a period ended longer ago than the organiser's setting loses every personal
detail of its pupils (searched for in every text of the database), keeps what the statistics
count and the certificate's verification, and is audited with counts; a younger period is
untouched; a second run erases nothing more. The setting refuses what is out of range."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from prao import clock, notices
from prao.config import TIMEZONE
from prao.errors import ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    BookingLink,
    Certificate,
    ClassListImport,
    ConsentMode,
    Evaluation,
    Guardian,
    GuardianConsent,
    Organiser,
    OutboxMessage,
    OutboxStatus,
    Pupil,
    User,
)
from prao.services import certificate, retention
from prao.services.after_the_end import send_after_the_end
from prao.services.attendance import confirm_week
from prao.services.booking import book_slot
from prao.services.first_day_brief import send_first_day_briefs
from prao.services.pupil_erasure import erase_pupil
from tests.factories import World
from tests.personal_data import known_by, rows_holding, statistics

LINK = re.compile(r"/handledare/(narvaro|intyg)/(\d+)/(\S+)")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TIMEZONE)


async def link_of(kind: str) -> tuple[int, str]:
    message = await OutboxMessage.filter(kind=kind).order_by("-id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None, message.body
    return int(found.group(2)), found.group(3)


async def lived_placement(world: World) -> str:
    """Alva's and Bea's placements, from booking to the signed certificate, with everything
    personal a placement leaves behind; answers Alva's verification code."""
    await Organiser.filter(id=world.organiser.id).update(consent_mode=ConsentMode.ONE_GUARDIAN)
    await Guardian.create(pupil_id=world.pupil_b.id, name="Berit Bergström", email="vh.bea@ex.se")
    alva = await book_slot(await world.actor(world.coordinator_a), world.slot.id, world.pupil_a.id)
    bea = await book_slot(await world.actor(world.coordinator_b), world.slot.id, world.pupil_b.id)
    assert alva.value is not None and bea.value is not None
    start, end = world.slot.start_date, world.slot.end_date
    await send_first_day_briefs(at(start - timedelta(days=3), 9))
    await send_after_the_end(at(end, 14))
    booking_id, raw = await link_of("attendance_request")
    note = {start: ("absent_reported", f"{world.pupil_a.first_name} var sjuk")}
    assert (await confirm_week(booking_id, raw, note)).ok
    await send_after_the_end(at(end + timedelta(days=1), 8))
    for _ in range(2):
        booking_id, raw = await link_of("certificate_request")
        signing = certificate.Signing(
            f"{world.pupil_a.first_name} bakade bröd.",
            {"punctuality": "4", "initiative": "3", "cooperation": "4", "interest": "2"},
            "En tillgång.",
            "Sara Handledare",
        )
        signed = await certificate.sign(booking_id, raw, signing)
        assert signed.value is not None, signed.errors
        await OutboxMessage.filter(kind="certificate_request", booking_id=booking_id).delete()
    # Evaluations' words may name the pupil; their scores are the statistics'.
    for booking in await Booking.filter(id__in=[alva.value.id, bea.value.id]).prefetch_related(
        "slot", "pupil"
    ):
        await Evaluation.create(
            booking_id=booking.id,
            period_id=booking.period_id,
            school_id=booking.pupil.school_id,
            employer_id=booking.slot.employer_id,
            overall=3,
            pupil_comment=f"Jag heter {booking.pupil.first_name} och det var kul.",
            supervisor_comment=f"{booking.pupil.first_name} var duktig.",
        )
    await notices.sign_in_link(email="alva.user@example.se", url="http://x/logga-in/t", minutes=15)
    await ClassListImport.create(
        school_id=world.school_a.id, uploaded_by="user:1", content="Alva;Andersson;8A"
    )
    assert await GuardianConsent.all().count() == 2
    code: str | None = (await certificate_of(world.pupil_a.id)).code
    assert code is not None
    return code


async def certificate_of(pupil_id: int) -> Certificate:
    booking = await Booking.get(pupil_id=pupil_id)
    return await Certificate.get(booking_id=booking.id)


def months_after(day: date, months: int) -> date:
    return retention.months_before(day, -months)


async def test_a_period_13_months_old_keeps_nothing_personal_and_its_statistics(
    world: World,
) -> None:
    code = await lived_placement(world)
    erased = [world.pupil_a, world.pupil_a2, world.pupil_b]
    needles = [
        *known_by(*erased),
        "vh.alva@example.se",
        "alva.user@example.se",
        "Berit Bergström",
        "vh.bea@ex.se",
    ]
    assert await rows_holding(needles)  # the search finds them before
    counted = await statistics()
    today = months_after(world.period_a.end_date, 13)
    runs = await retention.erase_expired(today)
    assert await rows_holding(needles) == []
    assert await statistics() == counted
    # The paper still verifies, without the name.
    verified = await certificate.verify(code)
    assert verified is not None
    assert (verified.first_name, verified.employer_name) == ("", "Café Solen")
    assert verified.end_date == world.slot.end_date
    # The other organiser's pupil, in no period of her own, is untouched.
    assert (await Pupil.get(id=world.pupil_x.id)).first_name == "Xena"
    account = await User.get(pupil_id=world.pupil_a.id)
    assert not account.is_active and account.email.endswith("@invalid") and account.name == ""
    assert await BookingLink.all().count() == 0
    assert await GuardianConsent.all().count() == 0
    assert await ClassListImport.all().count() == 0
    for pupil in erased:
        row = await Pupil.get(id=pupil.id)
        assert row.erased_at is not None and row.updated_at >= row.erased_at
        assert (row.school_id, row.year_group) == (pupil.school_id, pupil.year_group)
        assert not row.security_marking and row.email is None
    assert await Booking.filter(erased_at__isnull=True).count() == 0
    assert await OutboxMessage.exclude(body="").filter(to_address__not_isnull=True).count() == 0
    # One audit event per organiser with counts and nothing personal.
    event = await AuditEvent.get(action="erase")
    assert (event.actor, event.organiser_id, event.object_count) == (
        "retention",
        world.organiser.id,
        3,
    )
    detail = event.detail
    assert detail["reason"] == "retention" and detail["retention_months"] == 12
    assert (detail["pupils"], detail["bookings"], detail["guardians"]) == (3, 2, 2)
    assert detail["consents"] == 2 and detail["certificates"] == 2 and detail["accounts"] == 2
    assert detail["attendance_notes"] == 1 and detail["class_lists"] == 1
    assert detail["evaluations"] == 2
    assert await Evaluation.filter(overall=3).count() == 2  # the scores stay
    assert isinstance(detail["messages"], int) and detail["messages"] > 0
    assert [r.erased.pupils for r in runs if r.organiser_id == world.organiser.id] == [3]
    # Again: nothing more to erase, no second event.
    again = await retention.erase_expired(today)
    assert all(not r.erased.anything for r in again)
    assert await AuditEvent.filter(action="erase").count() == 1
    assert await statistics() == counted


async def test_a_period_11_months_old_is_untouched(world: World) -> None:
    await lived_placement(world)
    pupils = sorted(await Pupil.all().values_list("id", "first_name", "email", "updated_at"))
    bookings = sorted(await Booking.all().values_list("id", "reason", "updated_at"))
    messages = await OutboxMessage.all().count()
    runs = await retention.erase_expired(months_after(world.period_a.end_date, 11))
    # Only what was written over a year before that day goes (this test writes it all seven
    # weeks before the placement ends): the class list, and the workplace's first-day brief,
    # which names pupils of several bookings.
    assert [r.erased.counts() for r in runs if r.erased.anything] == [
        {**retention.Erased().counts(), "class_lists": 1, "messages": 1}
    ]
    assert sorted(await Pupil.all().values_list("id", "first_name", "email", "updated_at")) == (
        pupils
    )
    assert sorted(await Booking.all().values_list("id", "reason", "updated_at")) == bookings
    assert await OutboxMessage.all().count() == messages
    assert await Guardian.all().count() == 2
    assert [e.detail["pupils"] for e in await AuditEvent.filter(action="erase")] == [0]
    assert (await certificate_of(world.pupil_a.id)).first_name == "Alva"


async def test_a_pupil_with_a_later_period_keeps_her_data_but_the_old_booking_goes(
    world: World,
) -> None:
    await lived_placement(world)
    later = months_after(world.period_a.end_date, 14)
    # Year 9's period of school A, still within the retention when the job runs.
    await Pupil.filter(id=world.pupil_a.id).update(year_group=9)
    await world.period_a.clone(pk=None).save()
    await (
        type(world.period_a)
        .filter(id__gt=world.period_a.id, school_id=world.school_a.id)
        .update(year_group=9, start_date=later, end_date=later + timedelta(days=11))
    )
    await retention.erase_expired(months_after(world.period_a.end_date, 13))
    alva = await Pupil.get(id=world.pupil_a.id)
    assert alva.erased_at is None and alva.first_name == "Alva"
    booking = await Booking.get(pupil_id=alva.id)
    assert booking.erased_at is not None
    assert await GuardianConsent.filter(booking_id=booking.id).count() == 0
    assert (await Pupil.get(id=world.pupil_a2.id)).erased_at is not None  # still year 8


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert retention.months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert retention.months_before(date(2027, 1, 15), 13) == date(2025, 12, 15)
    assert retention.cutoff(date(2027, 6, 1), 12) == date(2026, 6, 1)


@pytest.mark.parametrize("text", ["0", "61", "-1", "abc", "", " ", "12.5", "1e3", "١٢", "1\x00"])
async def test_the_setting_refuses_what_is_out_of_range(world: World, text: str) -> None:
    admin = await world.actor(world.admin)
    refused = await retention.update_retention(admin, text)
    assert refused.errors[0].code is ErrorCode.INVALID
    assert refused.errors[0].field == "retention_months"
    assert refused.errors[0].message == "Ange ett helt antal månader mellan 1 och 60."
    assert (await Organiser.get(id=world.organiser.id)).retention_months == 12
    assert await AuditEvent.filter(object_type="organiser").count() == 0


async def test_the_setting_is_the_organiser_admins_and_audited(world: World) -> None:
    admin = await world.actor(world.admin)
    saved = await retention.update_retention(admin, " 24 ")
    assert saved.value is not None and saved.value.retention_months == 24
    event = await AuditEvent.get(object_type="organiser")
    assert (event.action, event.detail["before"], event.detail["after"]) == ("update", 12, 24)
    for user in (world.coordinator_a, world.employer_user, world.pupil_a_user):
        refused = await retention.update_retention(await world.actor(user), "3")
        assert refused.errors[0].code is ErrorCode.FORBIDDEN
    assert (await Organiser.get(id=world.organiser.id)).retention_months == 24
    # 24 months: the 13-month-old period stays.
    await lived_placement(world)
    runs = await retention.erase_expired(months_after(world.period_a.end_date, 13))
    assert all(r.erased.pupils == r.erased.bookings == 0 for r in runs)


async def test_erasing_one_pupil_takes_the_kept_copies_of_the_briefs_naming_her(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workplace's first-day brief names Alva and Bea and belongs to neither booking: once
    sent, its kept copy goes with Alva's erasure; a brief not sent yet stays for Bea's
    workplace, and so does another workplace's brief. Her school's class list read in goes
    too; one not read in yet stays for the coordinator's confirmation."""
    await lived_placement(world)
    brief = await OutboxMessage.get(kind="first_day_brief_supervisor")
    assert "Alva" in brief.body and "Bea" in brief.body
    unsent = await brief.clone(pk=None)
    unsent.status = OutboxStatus.PENDING
    await unsent.save()
    other = await brief.clone(pk=None)
    other.to_address = "någon.annan@example.se"
    await other.save()
    await OutboxMessage.filter(id=brief.id).update(status=OutboxStatus.SENT)
    applied = await ClassListImport.get(school_id=world.school_a.id)
    await applied.clone(pk=None).save()  # uploaded again, not read in yet
    await ClassListImport.filter(id=applied.id).update(applied_at=clock.now())
    after = at(world.slot.end_date + timedelta(days=7), 10)  # her placement is over
    monkeypatch.setattr(clock, "now", lambda: after)
    coordinator = await world.actor(world.coordinator_a)
    erased = await erase_pupil(coordinator, world.pupil_a.id)
    assert erased.value is not None and erased.value.pupils == 1, erased.errors
    kept = await OutboxMessage.get(id=brief.id)
    assert (kept.body, kept.subject, kept.to_address) == ("", "", None)
    # What still names her is what she is not found by: the unsent brief, the other
    # workplace's, the class list not read in yet, and what Bea's supervisor wrote about
    # "Alva" on Bea's attendance and certificate (lived_placement's words).
    assert sorted((t, c) for t, c, _ in await rows_holding(known_by(world.pupil_a))) == [
        ("attendance_day", "note"),
        ("certificate", "tasks"),
        ("class_list_import", "content"),
        ("class_list_import", "content"),  # her first and last name
        ("outbox_message", "body"),
        ("outbox_message", "body"),
    ]
    assert (await ClassListImport.get(id=applied.id)).content == ""
    assert erased.value.class_lists == 1 and erased.value.messages >= 1
    assert "Alva" in (await OutboxMessage.get(id=unsent.id)).body
    assert "Alva" in (await OutboxMessage.get(id=other.id)).body
