"""The placement as an iCalendar file: one event repeating every working day of the placement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Event, Timezone, vRecur

from prao.config import TIMEZONE, TIMEZONE_NAME
from prao.models import Booking, Employer, Slot

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
CONTENT_TYPE = "text/calendar"
FILENAME = "praoplats.ics"


def uid(booking_id: int) -> str:
    """Stable per booking, so a calendar updates the event instead of adding a second one."""
    return f"booking-{booking_id}@prao"


def _first_working_day(start: date, end: date) -> date | None:
    day = start
    while day <= end:
        if day.weekday() < 5:
            return day
        day += timedelta(days=1)
    return None


@lru_cache(maxsize=16)
def _vtimezone(first_year: int, last_year: int) -> Timezone:
    """Computing the transitions is the slow part of a calendar: once per span of years."""
    return Timezone.from_tzid(
        TIMEZONE_NAME, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )


def placement_calendar(
    booking: Booking, slot: Slot, employer: Employer | None, card_url: str | None = None
) -> str:
    first = _first_working_day(slot.start_date, slot.end_date)
    # A placement only on a weekend (rare) repeats every day instead of every working day.
    rule: dict[str, object] = {"FREQ": "DAILY"}
    if first is not None:
        rule["BYDAY"] = WEEKDAYS
    else:
        first = slot.start_date
    starts = datetime.combine(first, slot.day_starts_at, TIMEZONE)
    last_end = datetime.combine(slot.end_date, slot.day_ends_at, TIMEZONE)
    rule["UNTIL"] = last_end.astimezone(UTC)  # RFC 5545: UTC when DTSTART has a TZID
    event = Event()
    event.add("uid", uid(booking.id))
    event.add("dtstamp", booking.updated_at)
    event.add("sequence", int(booking.updated_at.timestamp()) % 2**31)
    event.add("dtstart", starts)
    event.add("dtend", datetime.combine(first, slot.day_ends_at, TIMEZONE))
    event.add("rrule", vRecur(rule))
    where = f", {employer.name}" if employer is not None else ""
    event.add("summary", f"Prao: {slot.title}{where}")
    location = ", ".join(part for part in (slot.address, slot.city) if part)
    if location:
        event.add("location", location)
    details = [slot.tasks] if slot.tasks else []
    if card_url:
        details.append(f"Praoplatskort: {card_url}")
        event.add("url", card_url)
    if details:
        event.add("description", "\n\n".join(details))
    calendar = Calendar()
    calendar.add("prodid", "-//Prao//praoplats//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.subcomponents.insert(0, _vtimezone(first.year - 1, slot.end_date.year))
    text: bytes = calendar.to_ical()  # icalendar leaves to_ical() unannotated
    return text.decode()
