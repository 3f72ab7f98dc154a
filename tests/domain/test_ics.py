"""A slot's calendar is built once and shared by its bookings: each must still be its own."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar

from prao import ics
from prao.models import Booking, Employer, Slot


def _slot(title: str = "Verkstad") -> Slot:
    return Slot(
        title=title,
        address="Gatan 1",
        city="Varberg",
        tasks="Svetsa; måla, städa",
        start_date=date(2027, 3, 8),
        end_date=date(2027, 3, 19),
        starts_minute=480,
        ends_minute=840,
    )


def _event(text: str) -> dict[str, str]:
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    return {str(k): v.to_ical().decode() for k, v in event.items()}


def test_bookings_of_one_slot_keep_their_own_uid_stamp_and_card() -> None:
    slot, employer = _slot(), Employer(name="Smedjan")
    first = Booking(id=1, updated_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    second = Booking(id=2, updated_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    a = _event(ics.placement_calendar(first, slot, employer, "https://x.se/bokningar/1/kort"))
    b = _event(ics.placement_calendar(second, slot, employer, None))
    assert (a["UID"], b["UID"]) == ("booking-1@prao", "booking-2@prao")
    assert (a["DTSTAMP"], b["DTSTAMP"]) == ("20261201T080000Z", "20261202T093000Z")
    assert a["SEQUENCE"] != b["SEQUENCE"]
    assert a["URL"] == "https://x.se/bokningar/1/kort" and "URL" not in b
    assert "bokningar/1/kort" in a["DESCRIPTION"] and "kort" not in b["DESCRIPTION"]
    assert a["RRULE"] == b["RRULE"] and a["DTSTART"] == b["DTSTART"]
    assert a["SUMMARY"] == "Prao: Verkstad\\, Smedjan"


def test_a_changed_slot_gets_a_new_calendar() -> None:
    booking = Booking(id=3, updated_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    before = _event(ics.placement_calendar(booking, _slot(), None))
    after = _event(ics.placement_calendar(booking, _slot("Bageri"), None))
    assert (before["SUMMARY"], after["SUMMARY"]) == ("Prao: Verkstad", "Prao: Bageri")
    text = ics.placement_calendar(booking, _slot(), None)
    assert text.count("BEGIN:VTIMEZONE") == 1 and text.count("BEGIN:VEVENT") == 1
