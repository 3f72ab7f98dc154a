"""The evaluations, rule by rule: asked the day after the last day and reminded once, the
pupil's answer once and only for her own ended placement, the supervisor's once by link, and a
workplace seeing averages only over at least five pupils; every unhappy path changes nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from prao import clock, policy
from prao.config import TIMEZONE
from prao.errors import ErrorCode
from prao.models import (
    AuditEvent,
    Booking,
    BookingLink,
    BookingStatus,
    Evaluation,
    OutboxMessage,
    Pupil,
    Slot,
)
from prao.services import evaluation
from prao.services.booking import book_slot
from prao.services.evaluation_requests import send_evaluation_requests
from tests import factories
from tests.factories import World

LINK = re.compile(r"/handledare/utvardering/(\d+)/(\S+)")
GOOD = {"overall": "4", "learned": "3", "treated_well": "4", "recommend": "3", "comment": "Kul!"}
HOST = {"went_well": "3", "host_again": "yes", "places_next_year": "2", "comment": ""}


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), TIMEZONE)


async def placed(world: World, slot: Slot | None = None, pupil: Pupil | None = None) -> Booking:
    coordinator = await world.actor(world.coordinator_a)
    pupil_id = (pupil or world.pupil_a).id
    outcome = await book_slot(coordinator, (slot or world.slot).id, pupil_id)
    assert outcome.value is not None, outcome.errors
    return outcome.value


def on(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


async def link_of(kind: str) -> tuple[int, str]:
    message = await OutboxMessage.filter(kind=kind).order_by("-id").first()
    assert message is not None
    found = LINK.search(message.body)
    assert found is not None, message.body
    return int(found.group(1)), found.group(2)


async def test_both_are_asked_the_day_after_and_reminded_once(world: World) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    assert await send_evaluation_requests(at(end, 16)) == []  # the last day: not yet
    asked = await send_evaluation_requests(at(end + timedelta(days=1)))
    messages = await OutboxMessage.filter(id__in=asked)
    pupil_mail = {m.to_address for m in messages if m.kind == "evaluation_request"}
    assert pupil_mail == {"alva@example.se", "alva.user@example.se"}
    host = [m for m in messages if m.kind == "host_evaluation_request"]
    assert [m.to_address for m in host] == [world.employer.contact_email]
    to_pupil = next(m for m in messages if m.kind == "evaluation_request")
    assert "Arbetsplatsen ser aldrig dina egna svar" in to_pupil.body
    assert f"/bokningar/{booking.id}/utvardering" in to_pupil.body
    assert "Andersson" not in host[0].body and "/handledare/utvardering/" in host[0].body
    assert await send_evaluation_requests(at(end + timedelta(days=2))) == []  # asked once
    assert await send_evaluation_requests(at(end + timedelta(days=4))) == []
    reminded = await send_evaluation_requests(at(end + timedelta(days=5), 10))
    kinds = sorted(m.kind for m in await OutboxMessage.filter(id__in=reminded))
    assert kinds == ["evaluation_reminder", "evaluation_reminder", "host_evaluation_reminder"]
    assert await send_evaluation_requests(at(end + timedelta(days=12))) == []  # once only
    assert await Evaluation.all().count() == 1


async def test_no_one_is_asked_of_a_cancelled_or_long_past_placement(world: World) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    await Booking.filter(id=booking.id).update(status=BookingStatus.CANCELLED)
    assert await send_evaluation_requests(at(end + timedelta(days=1))) == []
    await Booking.filter(id=booking.id).update(status=BookingStatus.CONFIRMED)
    assert await send_evaluation_requests(at(end + timedelta(days=30))) == []  # past catch-up
    assert not await Evaluation.exists()


async def test_an_answered_pupil_is_neither_asked_nor_reminded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    on(monkeypatch, at(end + timedelta(days=1), 7))
    pupil = await world.actor(world.pupil_a_user)
    assert (await evaluation.answer(pupil, booking.id, GOOD)).ok
    asked = await send_evaluation_requests(at(end + timedelta(days=1)))
    assert [m.kind for m in await OutboxMessage.filter(id__in=asked)] == ["host_evaluation_request"]
    reminded = await send_evaluation_requests(at(end + timedelta(days=6)))
    assert [m.kind for m in await OutboxMessage.filter(id__in=reminded)] == [
        "host_evaluation_reminder"
    ]


async def test_the_pupil_answers_once_for_her_own_ended_placement(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    pupil = await world.actor(world.pupil_a_user)

    on(monkeypatch, at(end, 15))  # the last day: not yet
    early = await evaluation.answer(pupil, booking.id, GOOD)
    assert early.errors[0].message == evaluation.NOT_ENDED

    on(monkeypatch, at(end + timedelta(days=1)))
    for other in (world.pupil_b_user, world.coordinator_a, world.employer_user):
        refused = await evaluation.answer(await world.actor(other), booking.id, GOOD)
        assert refused.errors[0].code is ErrorCode.NOT_FOUND
    for bad_id in (0, -1, 2**40):
        assert not (await evaluation.answer(pupil, bad_id, GOOD)).ok
    bad = await evaluation.answer(
        pupil, booking.id, {**GOOD, "overall": "5", "learned": "", "comment": "a\x00b"}
    )
    assert {e.field for e in bad.errors} == {"overall", "learned", "comment"}
    long = await evaluation.answer(pupil, booking.id, {**GOOD, "comment": "x" * 1001})
    assert long.errors[0].message == "Högst 1000 tecken."
    assert not await Evaluation.filter(pupil_answered_at__isnull=False).exists()

    done = await evaluation.answer(pupil, booking.id, GOOD)
    assert done.value is not None and done.value.answered, done.errors
    again = await evaluation.answer(pupil, booking.id, {**GOOD, "overall": "1", "comment": ""})
    assert again.errors[0].code is ErrorCode.DUPLICATE
    row = await Evaluation.get(booking_id=booking.id)
    assert (row.overall, row.learned, row.treated_well, row.recommend) == (4, 3, 4, 3)
    assert row.pupil_comment == "Kul!" and row.employer_id == world.employer.id
    assert (row.period_id, row.school_id, row.trade) == (
        booking.period_id,
        world.school_a.id,
        "Restaurang och café",
    )
    assert await AuditEvent.filter(action="answer", object_type="evaluation").count() == 1
    # She still sees her answers, long after.
    on(monkeypatch, at(end + timedelta(days=200)))
    shown = await evaluation.pupil_form(pupil, booking.id)
    assert shown.value is not None and shown.value.answer_text("overall") == "Jättebra"


async def test_too_late_or_cancelled_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await placed(world)
    end = world.slot.end_date
    pupil = await world.actor(world.pupil_a_user)
    on(monkeypatch, at(end + timedelta(days=evaluation.ANSWER_DAYS + 1)))
    late = await evaluation.answer(pupil, booking.id, GOOD)
    assert late.errors[0].message == evaluation.TOO_LATE
    on(monkeypatch, at(end + timedelta(days=2)))
    await Booking.filter(id=booking.id).update(status=BookingStatus.CANCELLED)
    cancelled = await evaluation.answer(pupil, booking.id, GOOD)
    assert cancelled.errors[0].code is ErrorCode.NOT_ACTIVE
    assert not await Evaluation.exists()


async def test_the_supervisor_answers_once_by_link(world: World) -> None:
    booking = await placed(world)
    other = await placed(world, pupil=world.pupil_a2)
    await send_evaluation_requests(at(world.slot.end_date + timedelta(days=1)))
    booking_id, raw = await link_of("host_evaluation_request")
    assert booking_id in (booking.id, other.id)
    wrong = other.id if booking_id == booking.id else booking.id
    for bid, token in ((wrong, raw), (booking_id, raw + "x"), (booking_id, ""), (0, raw)):
        assert (await evaluation.answer_host(bid, token, HOST)).errors[0].code is (
            ErrorCode.NOT_FOUND
        )
    opened = await evaluation.open_host(booking_id, raw)
    assert opened.value is not None and opened.value.pupil.first_name in ("Alva", "Hugo")
    bad = await evaluation.answer_host(
        booking_id, raw, {"went_well": "0", "host_again": "ja", "places_next_year": "-1"}
    )
    assert {e.field for e in bad.errors} == {"went_well", "host_again", "places_next_year"}
    assert not await Evaluation.filter(supervisor_answered_at__isnull=False).exists()

    done = await evaluation.answer_host(booking_id, raw, HOST)
    assert done.value is not None and done.value.answered, done.errors
    again = await evaluation.answer_host(booking_id, raw, {**HOST, "host_again": "no"})
    assert again.errors[0].code is ErrorCode.LINK_USED
    row = await Evaluation.get(booking_id=booking_id)
    assert (row.went_well, row.host_again, row.places_next_year) == (3, "yes", 2)
    assert await AuditEvent.filter(actor__startswith="supervisor-link:").count() == 1

    # The other booking's link, once expired, answers nothing.
    later = await BookingLink.get(booking_id=wrong, purpose="evaluate_placement")
    await BookingLink.filter(id=later.id).update(expires_at=clock.now() - timedelta(minutes=1))
    rows = await OutboxMessage.filter(kind="host_evaluation_request", booking_id=wrong)
    found = LINK.search(rows[0].body)
    assert found is not None
    expired = await evaluation.answer_host(wrong, found.group(2), HOST)
    assert expired.errors[0].code is ErrorCode.LINK_EXPIRED
    assert (await Evaluation.get(booking_id=wrong)).supervisor_answered_at is None


async def test_a_workplace_sees_averages_only_over_five_pupils(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot = await factories.slot(world.employer, title="Kock", capacity=6)
    pupils = [await factories.pupil(world.school_a) for _ in range(policy.MIN_GROUP)]
    bookings = [await placed(world, slot, p) for p in pupils]
    employer = await world.actor(world.employer_user)
    on(monkeypatch, at(slot.end_date + timedelta(days=1)))
    for i, (p, b) in enumerate(zip(pupils, bookings, strict=True)):
        summary = await evaluation.workplace_summary(employer)
        assert summary is not None and not summary.shown and summary.averages is None
        user = await factories.pupil_user(p)
        score = str(1 + i % 4)
        answers = {**GOOD, "overall": score, "comment": f"hemligt {i}"}
        assert (await evaluation.answer(await world.actor(user), b.id, answers)).ok
    summary = await evaluation.workplace_summary(employer)
    assert summary is not None and summary.shown and summary.pupils == policy.MIN_GROUP
    assert summary.averages == {
        "overall": 2.2,  # (1 + 2 + 3 + 4 + 1) / 5
        "learned": 3.0,
        "treated_well": 4.0,
        "recommend": 3.0,
    }
    other = await evaluation.workplace_summary(await world.actor(world.other_employer_user))
    assert other is not None and not other.shown and other.pupils == 0
    for not_a_workplace in (world.coordinator_a, world.admin, world.pupil_a_user):
        assert await evaluation.workplace_summary(await world.actor(not_a_workplace)) is None


@pytest.mark.parametrize("text", ["²", "٣", "3.0", " 3 3", "9" * 5000, "\x00"])
def test_only_the_offered_answers_are_taken(text: str) -> None:
    _, pupil_errors = evaluation.pupil_answers({**GOOD, "overall": text})
    assert [e.field for e in pupil_errors] == ["overall"]
    answers, host_errors = evaluation.host_answers({**HOST, "places_next_year": text})
    assert answers is None and [e.field for e in host_errors] == ["places_next_year"]
