"""Swedish words and formats for what the pages show: dates, hours, statuses, roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prao.models import Role

if TYPE_CHECKING:  # models are the domain's; pages only name them in type hints
    from prao.models import Slot

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
