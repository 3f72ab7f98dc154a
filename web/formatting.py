"""Swedish words and formats for what the pages show: dates, hours, statuses, roles."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from prao.clock import local
from prao.models import Role

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import Slot

MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip

ROLE_NAMES = {
    Role.PUPIL: "Elev",
    Role.EMPLOYER: "Arbetsplats",
    Role.COORDINATOR: "SYV",
    Role.ADMIN: "Administratör",
}


OUTBOX_STATUS = {
    "pending": "Väntar på att skickas",
    "sent": "Skickat",
    "failed": "Kunde inte skickas",
}
SLOT_STATUS = {"draft": "Utkast", "published": "Publicerad", "closed": "Stängd"}


def datum(day: date | datetime) -> str:
    if isinstance(day, datetime):
        moment = local(day)
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} kl. {moment:%H:%M}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_range(start: date, end: date) -> str:
    if start == end:
        return datum(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} – {datum(end)}"
    return f"{datum(start)} – {datum(end)}"


def places(count: int) -> str:
    return "1 plats" if count == 1 else f"{count} platser"


def hours(slot: Slot) -> str:
    return f"{slot.day_starts_at:%H:%M}–{slot.day_ends_at:%H:%M}"


def role_name(role: Role | str) -> str:
    return ROLE_NAMES.get(Role(role), str(role))


def outbox_status(status: str) -> str:
    return OUTBOX_STATUS.get(str(status), str(status))


def slot_status(status: str) -> str:
    return SLOT_STATUS.get(str(status), str(status))
