"""The placement as an iCalendar file: one event repeating every working day of the placement."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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


@lru_cache(maxsize=16)
def _vtimezone_text(first_year: int, last_year: int) -> str:
    text: bytes = _vtimezone(first_year, last_year).to_ical()
    return text.decode()


_EVENT_BEGIN = "BEGIN:VEVENT\r\n"


@lru_cache(maxsize=4096)
def _slot_calendar(
    start_date: date,
    end_date: date,
    day_starts_at: time,
    day_ends_at: time,
    title: str,
    address: str,
    city: str,
    employer_name: str | None,
) -> tuple[str, str]:
    """The calendar of a slot without what differs per booking, split where the event begins:
    built once per slot, so an allocation's thousands of calendars cost one each."""
    first = _first_working_day(start_date, end_date)
    # A placement only on a weekend (rare) repeats every day instead of every working day.
    rule: dict[str, object] = {"FREQ": "DAILY"}
    if first is not None:
        rule["BYDAY"] = WEEKDAYS
    else:
        first = start_date
    starts = datetime.combine(first, day_starts_at, TIMEZONE)
    last_end = datetime.combine(end_date, day_ends_at, TIMEZONE)
    rule["UNTIL"] = last_end.astimezone(UTC)  # RFC 5545: UTC when DTSTART has a TZID
    event = Event()
    event.add("dtstart", starts)
    event.add("dtend", datetime.combine(first, day_ends_at, TIMEZONE))
    event.add("rrule", vRecur(rule))
    where = f", {employer_name}" if employer_name is not None else ""
    event.add("summary", f"Prao: {title}{where}")
    location = ", ".join(part for part in (address, city) if part)
    if location:
        event.add("location", location)
    calendar = Calendar()
    calendar.add("prodid", "-//Prao//praoplats//SV")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    serialised: bytes = calendar.to_ical()  # icalendar leaves to_ical() unannotated
    head, tail = serialised.decode().split(_EVENT_BEGIN, 1)
    zone = _vtimezone_text(first.year - 1, end_date.year)
    return head + zone + _EVENT_BEGIN, tail


def placement_calendar(
    booking: Booking, slot: Slot, employer: Employer | None, card_url: str | None = None
) -> str:
    head, tail = _slot_calendar(
        slot.start_date,
        slot.end_date,
        slot.day_starts_at,
        slot.day_ends_at,
        slot.title,
        slot.address,
        slot.city,
        employer.name if employer is not None else None,
    )
    # What differs per booking, serialised by icalendar itself (escaping, folding), then
    # spliced into the slot's event as whole content lines.
    own = Event()
    own.add("uid", uid(booking.id))
    own.add("dtstamp", booking.updated_at)
    own.add("sequence", int(booking.updated_at.timestamp()) % 2**31)
    details = [slot.tasks] if slot.tasks else []
    if card_url:
        details.append(f"Praoplatskort: {card_url}")
        own.add("url", card_url)
    if details:
        own.add("description", "\n\n".join(details))
    lines: bytes = own.to_ical()
    body = lines.decode().removeprefix(_EVENT_BEGIN).removesuffix("END:VEVENT\r\n")
    return head + body + tail
