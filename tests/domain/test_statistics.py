"""The statistics of a period on a small world whose every figure is known: two schools of one
organiser in the same weeks, three trades; each cell over fewer than five pupils is None (at
four) and shown at five; employers and pupils are refused, a coordinator sees her school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prao import clock
from prao.errors import ErrorCode
from prao.models import (
    AttendanceDay,
    AttendanceStatus,
    Booking,
    BookingOrigin,
    BookingStatus,
    Certificate,
    Employer,
    Evaluation,
    HostAgain,
    Pupil,
    Role,
    Slot,
    Wish,
)
from prao.services.statistics import period_statistics
from prao.statistics import Counts, PeriodStatistics, Row, figures
from tests import factories
from tests.factories import World


@dataclass
class Placed:
    world: World
    handel: Employer
    vard: Employer


async def book(pupil: Pupil, slot: Slot, period_id: int, origin: BookingOrigin) -> Booking:
    return await Booking.create(
        pupil_id=pupil.id,
        slot_id=slot.id,
        period_id=period_id,
        status=BookingStatus.CONFIRMED,
        origin=origin,
    )


async def placed_world(world: World) -> Placed:
    """School A: 8 pupils, 6 allocated (5 to a top-3 wish, 1 to its fourth), 2 unplaced.
    School B: 5 pupils, 2 self-found, 2 first come, 1 unplaced. Handel gets 6 pupils (A's 5
    and one of B's) with their attendance, certificates and evaluations; Vård gets 4."""
    org = world.organiser
    e1 = await factories.employer(org, name="Handelsbolaget")
    e2 = await factories.employer(org, name="Vårdhemmet")
    handel = await factories.slot(e1, trade="Handel", capacity=10)
    vard = await factories.slot(e2, trade="Vård", capacity=4)
    # Wished for but not offered (drafts): the other ranks of the allocated pupils' lists.
    unoffered = [await factories.slot(e2, status="draft") for _ in range(4)]
    a = world.period_a
    b = world.period_b
    pupils_a = [world.pupil_a, world.pupil_a2] + [
        await factories.pupil(world.school_a) for _ in range(6)
    ]
    pupils_b = [world.pupil_b] + [await factories.pupil(world.school_b) for _ in range(4)]
    # A pupil of another year group and no booking is not one of the period's pupils.
    await factories.pupil(world.school_a, year_group=9)

    handel_bookings: list[Booking] = []
    for i, p in enumerate(pupils_a[:6]):
        slot = handel if i < 5 else vard
        given = min(i + 1, 3) if i < 5 else 4  # rank of the wish she was given
        for rank, wished in enumerate(unoffered, start=1):
            chosen = slot if rank == given else wished
            await Wish.create(pupil_id=p.id, period_id=a.id, slot_id=chosen.id, rank=rank)
        booking = await book(p, slot, a.id, BookingOrigin.ALLOCATION)
        if slot is handel:
            handel_bookings.append(booking)
    origins = [BookingOrigin.SELF_FOUND, BookingOrigin.SELF_FOUND, BookingOrigin.PUPIL]
    origins.append(BookingOrigin.STAFF)
    for i, (p, origin) in enumerate(zip(pupils_b[:4], origins, strict=True)):
        booking = await book(p, handel if i == 3 else vard, b.id, origin)
        if i == 3:
            handel_bookings.append(booking)

    start = handel.start_date
    now = clock.now()
    absences = {0: AttendanceStatus.ABSENT, 1: AttendanceStatus.ABSENT_REPORTED}
    scores = [4, 4, 3, 3, 2]
    host = [HostAgain.YES, HostAgain.YES, HostAgain.YES, HostAgain.NO, HostAgain.MAYBE]
    for i, booking in enumerate(handel_bookings):
        for d in range(5):
            status = AttendanceStatus.PRESENT
            if (i, d) in ((0, 0), (1, 0), (2, 4)):
                status = absences.get(i, AttendanceStatus.ABSENT)
            await AttendanceDay.create(
                booking_id=booking.id,
                day=start + timedelta(days=d),
                status=status,
                recorded_by="test",
            )
        await Certificate.create(
            booking_id=booking.id,
            requested_at=now,
            signed_at=now if i < 3 else None,
            signed_name="Handledare" if i < 3 else "",
        )
        answered = i < 5
        pupil = await Pupil.get(id=booking.pupil_id)
        await Evaluation.create(
            booking_id=booking.id,
            period_id=booking.period_id,
            school_id=pupil.school_id,
            employer_id=e1.id,
            trade="Handel",
            pupil_asked_at=now,
            pupil_answered_at=now if answered else None,
            overall=scores[i] if answered else None,
            supervisor_asked_at=now,
            supervisor_answered_at=now if answered else None,
            host_again=host[i] if answered else None,
        )
    # A cancelled booking counts for nothing.
    late = await factories.pupil(world.school_b, year_group=9)
    await Booking.create(
        pupil_id=late.id,
        slot_id=vard.id,
        period_id=b.id,
        status=BookingStatus.CANCELLED,
        origin=BookingOrigin.PUPIL,
    )
    return Placed(world, e1, e2)


def row(rows: list[Row], label: str) -> Row:
    return next(r for r in rows if r.label == label)


async def statistics_of(world: World, user_name: str) -> PeriodStatistics:
    actor = await world.actor(getattr(world, user_name))
    outcome = await period_statistics(actor, world.period_a.id)
    assert outcome.value is not None, outcome.errors
    return outcome.value


async def test_the_totals_add_up_over_the_schools_in_the_same_weeks(world: World) -> None:
    await placed_world(world)
    stats = await statistics_of(world, "admin")
    t = stats.totals
    assert (t.pupils, t.placed, t.unplaced) == (13, 10, 3)
    assert (t.self_found, t.allocated, t.first_come) == (2, 6, 2)
    assert t.top3_share == round(5 / 6, 4)
    assert t.absence_rate == 0.1  # 3 absent of 30 recorded days
    assert t.certificate_rate == 0.5
    assert t.pupil_response_rate == round(5 / 6, 4)
    assert t.supervisor_response_rate == round(5 / 6, 4)
    assert t.average_score == 3.2
    assert t.host_again_share == 0.6
    # Published slots of approved employers in the weeks: 10 + 4, and the world's 2 + 3.
    assert t.places_offered == 19
    assert t.self_found_share == 0.2


async def test_each_school_trade_and_employer_has_its_row(world: World) -> None:
    await placed_world(world)
    stats = await statistics_of(world, "admin")
    a = row(stats.by_school, "Skola A").figures
    assert (a.pupils, a.placed, a.unplaced, a.allocated, a.self_found) == (8, 6, 2, 6, 0)
    assert a.top3_share == round(5 / 6, 4)
    assert a.self_found_share == 0.0
    b = row(stats.by_school, "Skola B").figures
    assert (b.pupils, b.placed, b.unplaced, b.self_found, b.first_come) == (5, 4, 1, 2, 2)

    handel = row(stats.by_trade, "Handel").figures
    assert (handel.pupils, handel.placed, handel.places_offered) == (6, 6, 13)
    assert handel.absence_rate == 0.1
    assert handel.average_score == 3.2
    vard = row(stats.by_trade, "Vård").figures
    assert vard.places_offered == 4
    restaurant = row(stats.by_trade, "Restaurang och café").figures
    assert (restaurant.pupils, restaurant.places_offered) == (None, 2)

    employer = row(stats.by_employer, "Handelsbolaget").figures
    assert (employer.placed, employer.places_offered, employer.host_again_share) == (6, 10, 0.6)


async def test_a_cell_over_four_pupils_is_suppressed_and_over_five_shown(world: World) -> None:
    await placed_world(world)
    stats = await statistics_of(world, "admin")
    # School B: 5 pupils are shown; its 4 placed are too few for a share of them.
    b = row(stats.by_school, "Skola B").figures
    assert b.pupils == 5
    assert b.self_found_share is None
    assert b.top3_share is None  # none ranked wishes
    # Vård: 4 placed pupils, every pupil cell empty; its places offered are no pupil's.
    vard = row(stats.by_trade, "Vård").figures
    assert (vard.pupils, vard.placed, vard.self_found, vard.allocated) == (None,) * 4
    assert row(stats.by_employer, "Vårdhemmet").figures.placed is None
    equity = {e.label: (e.self_found_share, e.top3_share) for e in stats.equity}
    assert equity == {"Skola A": (0.0, round(5 / 6, 4)), "Skola B": (None, None)}


def test_the_figures_of_a_group_of_four_and_of_five() -> None:
    four = Counts(pupils=4, placed=4, ranked=4, top3=4, certificates_asked=4, scored=4)
    five = Counts(pupils=5, placed=5, ranked=5, top3=4, certificates_asked=5, scored=5)
    small = figures(four)
    assert (small.pupils, small.placed, small.top3_share, small.certificate_rate) == (None,) * 4
    assert small.average_score is None
    shown = figures(five)
    assert (shown.pupils, shown.placed, shown.top3_share, shown.certificate_rate) == (5, 5, 0.8, 0)


async def test_a_coordinator_sees_her_school_beside_the_totals(world: World) -> None:
    await placed_world(world)
    stats = await statistics_of(world, "coordinator_a")
    assert [r.label for r in stats.by_school] == ["Skola A"]
    assert [e.label for e in stats.equity] == ["Skola A"]
    assert stats.totals.pupils == 13
    # Another school's period is not hers to choose.
    actor = await world.actor(world.coordinator_a)
    outcome = await period_statistics(actor, world.period_b.id)
    assert outcome.value is None
    assert outcome.errors[0].code is ErrorCode.NOT_FOUND


async def test_employers_pupils_and_others_are_refused(world: World) -> None:
    await placed_world(world)
    for user in (world.employer_user, world.pupil_a_user):
        outcome = await period_statistics(await world.actor(user), world.period_a.id)
        assert outcome.value is None
        assert outcome.errors[0].code is ErrorCode.FORBIDDEN
    other_admin = await factories.user(Role.ADMIN, organiser_id=world.other_organiser.id)
    outcome = await period_statistics(await world.actor(other_admin), world.period_a.id)
    assert outcome.errors[0].code is ErrorCode.NOT_FOUND
    for bad in (0, -1, 2**40):
        outcome = await period_statistics(await world.actor(world.admin), bad)
        assert outcome.errors[0].code is ErrorCode.NOT_FOUND
