"""The first-day brief, three working days before a slot starts: one e-mail to the supervisor
listing the slot's pupils (as a workplace may see them), the school contact and what to do if a
pupil does not come; one to each pupil and her guardians with where, when and whom to ask for,
the calendar file and, for each guardian, her own link to report the pupil sick or late. Each
booking is briefed once: the brief claims it by a conditional UPDATE, so two sweeps at once,
or a sweep run again, send nothing twice. A booking confirmed
after its slot's brief is briefed at the next sweep, and the supervisor hears of it then.

The brief takes the place of the older reminder (prao.services.reminders), which now reaches
only a booking the brief has not."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from prao import notices
from prao.clock import local
from prao.models import (
    AssessmentStatus,
    Booking,
    BookingStatus,
    FirstDayBrief,
    Guardian,
    Organiser,
    RiskAssessment,
    Slot,
    User,
)
from prao.services import absence_link, no_show

BRIEF_WORKING_DAYS = 3
# Far enough ahead for three working days around any weekend.
_LOOK_AHEAD_DAYS = 7


def brief_day(start: date) -> date:
    """The day the brief of a start is due: three working days (Monday to Friday) before it.
    Public holidays count as working days: the brief comes a day early rather than late."""
    day, left = start, BRIEF_WORKING_DAYS
    while left:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


async def send_first_day_briefs(now: datetime) -> list[int]:
    """Brief every confirmed, unbriefed booking whose slot starts after today and whose brief
    day has come (so a day the sweep missed is made up); answers the new messages' ids."""
    today = local(now).date()
    due = await Booking.filter(
        status=BookingStatus.CONFIRMED,
        brief_sent_at__isnull=True,
        slot__start_date__gt=today,
        slot__start_date__lte=today + timedelta(days=_LOOK_AHEAD_DAYS),
    ).select_related("pupil__school", "slot__employer")
    by_slot: dict[int, list[Booking]] = defaultdict(list)
    for booking in due:
        if brief_day(booking.slot.start_date) <= today:
            by_slot[booking.slot_id].append(booking)
    message_ids: list[int] = []
    for slot_id in sorted(by_slot):
        message_ids += await _brief_slot(sorted(by_slot[slot_id], key=lambda b: b.id), now)
    return message_ids


async def current_assessment(slot_id: int) -> RiskAssessment | None:
    """The latest submitted version of a slot's risk assessment."""
    return (
        await RiskAssessment.filter(slot_id=slot_id, status=AssessmentStatus.SUBMITTED)
        .order_by("-version")
        .first()
    )


async def _brief_slot(bookings: list[Booking], now: datetime) -> list[int]:
    slot: Slot = bookings[0].slot
    employer = slot.employer
    assessment = await current_assessment(slot.id)
    supervisor = await User.get_or_none(id=slot.supervisor_id) if slot.supervisor_id else None
    organiser = await Organiser.get(id=employer.organiser_id)
    pupil_ids = [b.pupil_id for b in bookings]
    pupil_addresses: dict[int, list[str | None]] = defaultdict(list)
    for pupil_id, email in await User.filter(pupil_id__in=pupil_ids).values_list(
        "pupil_id", "email"
    ):
        pupil_addresses[pupil_id].append(email)
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for guardian in await Guardian.filter(pupil_id__in=pupil_ids).order_by("id"):
        guardians[guardian.pupil_id].append(guardian)
    supervisor_address = (
        (assessment.supervisor_email if assessment else "")
        or (supervisor.email if supervisor else "")
        or employer.contact_email
    )
    async with in_transaction() as conn:
        claimed = [
            b
            for b in bookings
            if await Booking.filter(
                id=b.id, brief_sent_at__isnull=True, status=BookingStatus.CONFIRMED
            )
            .using_db(conn)
            .update(brief_sent_at=now, reminder_sent_at=now)
        ]
        if not claimed:
            return []
        first = (
            not await FirstDayBrief.filter(slot_id=slot.id, start_date=slot.start_date)
            .using_db(conn)
            .exists()
        )
        if first:
            await FirstDayBrief.create(slot_id=slot.id, start_date=slot.start_date, using_db=conn)
        no_show_urls = (
            await no_show.links_for(conn, claimed, supervisor_address, now)
            if supervisor_address
            else {}
        )
        messages = await notices.first_day_brief_to_supervisor(
            slot=slot,
            employer=employer,
            bookings=claimed,
            assessment=assessment,
            supervisor_name=(assessment.supervisor_name if assessment else "")
            or (supervisor.name if supervisor else ""),
            address=supervisor_address,
            organiser_contact=organiser.info_contact,
            addition=not first,
            connection=conn,
            no_show_urls=no_show_urls,
        )
        for booking in claimed:
            own = guardians.get(booking.pupil_id, [])
            messages += await notices.first_day_brief_to_pupil(
                booking=booking,
                slot=slot,
                employer=employer,
                assessment=assessment,
                supervisor_name=supervisor.name if supervisor else "",
                pupil_addresses=[booking.pupil.email, *pupil_addresses.get(booking.pupil_id, [])],
                guardian_addresses=[g.email for g in own],
                connection=conn,
                absence_urls=await absence_link.links_for(conn, booking, own),
            )
    return [m.id for m in messages]
