"""An organiser admin reads and exports her organiser's audit log (DESIGN.md §7).

Newest first, a page at a time (keyset on the id, so a page stays put while events arrive),
filtered by action and by dates. The export is itself an audited read.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from tortoise.queryset import QuerySet

from prao import audit, clock
from prao.actor import Actor
from prao.config import TIMEZONE
from prao.errors import ErrorCode, Outcome
from prao.models import ApiToken, AuditEvent, User
from prao.pagination import MAX_PAGE_SIZE
from prao.services.api_tokens import is_organiser_admin
from prao.validation import MAX_ID, day_after, filter_value, midnight

PAGE_SIZE = 50
MAX_EXPORT_ROWS = 100_000  # far above a year of one organiser's events; bounds memory
CSV_HEADER = ["Tid", "Vem", "Vad", "Objekt", "Antal", "Detaljer"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ACTION_NAMES = {
    "read": "Läste",
    "export": "Exporterade",
    "create": "Skapade",
    "update": "Ändrade",
    "copy": "Kopierade",
    "published": "Publicerade",
    "closed": "Stängde",
    "place": "Placerade",
    "move": "Flyttade",
    "decline": "Avböjde",
    "approve": "Godkände",
    "remind": "Påminde",
    "invite": "Bjöd in",
    "start": "Startade",
    "apply": "Tillämpade",
    "revoke": "Återkallade",
    "upsert": "Läste in",
    "register_self_found": "Registrerade egenfunnen plats",
    "lift_protection": "Tog bort skyddad identitet för",
    "deactivate": "Inaktiverade",
    "end_sessions": "Loggade ut överallt",
    "save_draft": "Sparade utkast av",
    "submit": "Skickade in",
    "request_change": "Bad om ändring av",
    "erase": "Raderade uppgifter om",
}
OBJECT_NAMES = {
    "pupil": "elever",
    "booking": "bokning",
    "period": "praoperiod",
    "slot": "praoplats",
    "user": "användare",
    "allocation_run": "fördelning",
    "api_token": "API-nyckel",
    "audit_event": "logghändelser",
    "risk_assessment": "riskbedömning",
    "organiser": "huvudmannens inställningar",
}


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def object_name(object_type: str) -> str:
    return OBJECT_NAMES.get(object_type, object_type)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    who: str

    @property
    def what(self) -> str:
        return action_name(self.event.action)

    @property
    def object(self) -> str:
        return object_name(self.event.object_type)


@dataclass
class AuditPage:
    rows: list[AuditRow] = field(default_factory=list)
    has_next: bool = False
    actions: list[str] = field(default_factory=list)  # those in the log, for the filter

    @property
    def next_before(self) -> int | None:
        return self.rows[-1].event.id if self.has_next and self.rows else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), TIMEZONE)


def _events(actor: Actor, flt: AuditFilter) -> QuerySet[AuditEvent]:
    qs = AuditEvent.filter(organiser_id=actor.organiser_id)
    if flt.action:
        action = filter_value(flt.action, AuditEvent, "action")
        qs = qs.filter(action=action) if action is not None else qs.filter(id__lt=0)
    # Bounds outside 2000–2100 mean "from the start" or "to the end" (and cannot overflow).
    if flt.date_from is not None:
        qs = qs.filter(created_at__gte=midnight(flt.date_from))
    if flt.date_to is not None:
        qs = qs.filter(created_at__lt=midnight(day_after(flt.date_to)))
    return qs


async def _who(labels: set[str]) -> dict[str, str]:
    """Names for the actor labels ("user:12", "token:3"); a label without a row stays as is."""
    ids: dict[str, set[int]] = {"user": set(), "token": set()}
    for label in labels:
        kind, _, pk = label.partition(":")
        if kind in ids and pk.isdigit() and 0 < int(pk) <= MAX_ID:
            ids[kind].add(int(pk))
    names = {"cli": "Kommandoraden", "anonymous": "Anonym"}
    for user in await User.filter(id__in=list(ids["user"]) or [0]):
        names[f"user:{user.id}"] = f"{user.name} ({user.email})" if user.name else user.email
    for token in await ApiToken.filter(id__in=list(ids["token"]) or [0]):
        names[f"token:{token.id}"] = f"API-nyckel: {token.name}"
    return {label: names.get(label, label) for label in labels}


async def _rows(events: list[AuditEvent]) -> list[AuditRow]:
    who = await _who({e.actor for e in events})
    return [AuditRow(e, who[e.actor]) for e in events]


async def events(
    actor: Actor, flt: AuditFilter, before_id: int | None = None, size: int = PAGE_SIZE
) -> Outcome[AuditPage]:
    """One page, newest first; `before_id` continues after the last row of the previous page."""
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    size = max(1, min(size, MAX_PAGE_SIZE))
    qs = _events(actor, flt)
    if before_id is not None:
        qs = qs.filter(id__lt=min(before_id, MAX_ID))
    found = list(await qs.order_by("-id").limit(size + 1))
    actions = await (
        AuditEvent.filter(organiser_id=actor.organiser_id)
        .distinct()
        .order_by("action")
        .values_list("action", flat=True)
    )
    return Outcome(
        value=AuditPage(
            rows=await _rows(found[:size]),
            has_next=len(found) > size,
            actions=[str(a) for a in actions],
        )
    )


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


async def export_csv(actor: Actor, flt: AuditFilter) -> Outcome[bytes]:
    """Every matching event as CSV (semicolons, UTF-8 with BOM for Excel); the export is
    recorded after the rows are read, so it is not in its own file."""
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    found = list(await _events(actor, flt).order_by("-id").limit(MAX_EXPORT_ROWS))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in await _rows(found):
        event = row.event
        detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
        writer.writerow(
            [
                f"{clock.local(event.created_at):%Y-%m-%d %H:%M:%S}",
                _safe(row.who),
                _safe(row.what),
                _safe(row.object),
                str(event.object_count),
                _safe(detail),
            ]
        )
    await audit.record(
        actor,
        "export",
        "audit_event",
        len(found),
        filter_action=flt.action,
        date_from=flt.date_from.isoformat() if flt.date_from else None,
        date_to=flt.date_to.isoformat() if flt.date_to else None,
    )
    return Outcome(value=("\ufeff" + buffer.getvalue()).encode("utf-8"))
