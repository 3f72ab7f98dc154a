"""Demo data after a placement: an earlier prao week of year 9 at the first school, ended in
the last few days. Two pupils were placed: the first has her week confirmed and her
certificate signed (her PDF downloads, and `/intyg/{code}` verifies it); the second reported
herself sick one day, her week is confirmed and her certificate is still asked for. The
bookings are written as they stood when the week began; what followed goes through the
services, as the pupil's report, the after-the-end sweep and the supervisor's links from the
outbox would."""

from __future__ import annotations

import re
from datetime import date, timedelta

from prao import clock
from prao.auth import actor_for_user
from prao.models import (
    Booking,
    BookingOrigin,
    BookingStatus,
    Employer,
    OutboxMessage,
    Period,
    PeriodMode,
    Pupil,
    School,
    Slot,
    SlotStatus,
    User,
)
from prao.services import absence, attendance, certificate
from prao.services.after_the_end import send_after_the_end

ENDED_PERIOD_PREFIX = "Tidigare prao"
LINK = re.compile(r"/handledare/(?:narvaro|intyg)/(\d+)/(\S+)")
# The workplaces that host the ended week: past the demo's own employer people, so their
# slot pages (which the journeys walk) show only this year's places.
FIRST_HOST = 3
SIGNED = certificate.Signing(
    tasks="Tog emot varor, fyllde på hyllor och hjälpte kunder i kassan.",
    scores={"punctuality": "4", "initiative": "3", "cooperation": "4", "interest": "4"},
    comment="Nyfiken och hjälpsam. Välkommen tillbaka!",
    signed_name="Maria Lind",
)


def ended_week(today: date) -> tuple[date, date]:
    """Monday to Friday of the latest whole week of work before today (it ended one to seven
    days ago, so the after-the-end sweep still asks for it)."""
    back = (today.weekday() - 4) % 7 or 7
    end = today - timedelta(days=back)
    return end - timedelta(days=4), end


async def seed_ended_week(school: School) -> None:
    today = clock.today()
    start, end = ended_week(today)
    now = clock.now()
    period = await Period.create(
        school_id=school.id,
        name=f"{ENDED_PERIOD_PREFIX} åk 9, vecka {start.isocalendar().week}",
        year_group=9,
        start_date=start,
        end_date=end,
        booking_opens_at=now - timedelta(days=60),
        booking_closes_at=now - timedelta(days=20),
        cancel_deadline=now - timedelta(days=21),
        mode=PeriodMode.FIRST_COME,
    )
    pupils = await Pupil.filter(school_id=school.id, year_group=9, security_marking=False).order_by(
        "id"
    )
    # Past the demo people of year 9, who start this year's wishes from scratch.
    placed = pupils[3:5]
    hosts = await Employer.filter(organiser_id=school.organiser_id).order_by("id")
    bookings = []
    for pupil, host in zip(placed, hosts[FIRST_HOST:], strict=False):
        slot = await Slot.create(
            employer_id=host.id,
            title="Butiksmedarbetare",
            description=f"Prao hos {host.name}.",
            tasks="Fylla på varor, hjälpa kunder och stå i kassan.",
            address=host.address,
            city=host.city,
            trade="Handel",
            start_date=start,
            end_date=end,
            starts_minute=8 * 60,
            ends_minute=14 * 60,
            break_minutes=30,
            capacity=1,
            taken=1,
            status=SlotStatus.CLOSED,
        )
        bookings.append(
            await Booking.create(
                pupil_id=pupil.id,
                slot_id=slot.id,
                period_id=period.id,
                status=BookingStatus.CONFIRMED,
                origin=BookingOrigin.STAFF,
                brief_sent_at=now,
                reminder_sent_at=now,
            )
        )
    if len(bookings) < 2:
        return
    sick = (
        await Booking.filter(id=bookings[1].id)
        .select_related("pupil__school", "slot__employer")
        .get()
    )
    user = await User.get(pupil_id=sick.pupil_id)
    tuesday = start + timedelta(days=1)
    await absence.record(sick, tuesday, absence.Absence.SICK, await actor_for_user(user))
    await send_after_the_end(now)
    for booking in bookings:
        booking_id, raw = await _link("attendance_request", booking.id)
        confirmed = await attendance.confirm_week(booking_id, raw, {})
        if confirmed.value is None:
            raise RuntimeError(f"demo week refused: {confirmed.errors}")
    booking_id, raw = await _link("certificate_request", bookings[0].id)
    signed = await certificate.sign(booking_id, raw, SIGNED)
    if signed.value is None:
        raise RuntimeError(f"demo certificate refused: {signed.errors}")


async def _link(kind: str, booking_id: int) -> tuple[int, str]:
    message = await OutboxMessage.get(kind=kind, booking_id=booking_id)
    found = LINK.search(message.body)
    if found is None:
        raise RuntimeError(f"demo {kind} has no link")
    return int(found.group(1)), found.group(2)
