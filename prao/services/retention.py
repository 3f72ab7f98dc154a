"""How long pupil data is kept after a period ends (an organiser setting), and the daily job
that erases what is older (DESIGN.md §7). The statements are prao.services.erasure's."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from tortoise.transactions import in_transaction

from prao import audit, clock, policy
from prao.actor import Actor
from prao.config import TIMEZONE
from prao.errors import DomainError, ErrorCode, Outcome
from prao.models import Organiser
from prao.services.api_tokens import is_organiser_admin
from prao.services.erasure import Erased, Statements

__all__ = ["Erased", "RetentionRun", "erase_expired", "update_retention"]

DEFAULT_MONTHS = 12
# At least a month, so the certificate and the attendance can still be corrected after the
# last day; at most five years, longer than any school keeps a placement's paper.
MIN_MONTHS = 1
MAX_MONTHS = 60
MONTHS_MESSAGE = f"Ange ett helt antal månader mellan {MIN_MONTHS} och {MAX_MONTHS}."

# Who the daily job's audit event names.
RETENTION_ACTOR = "retention"
ERASE = "erase"


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def cutoff(today: date, months: int) -> date:
    """Periods that ended before this day ended longer ago than `months`."""
    return months_before(today, months)


_WHOLE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: int() also reads "١٢"


def parse_months(text: str) -> int | DomainError:
    value = text.strip()
    if not _WHOLE.fullmatch(value) or not MIN_MONTHS <= int(value) <= MAX_MONTHS:
        return DomainError.of(ErrorCode.INVALID, "retention_months", MONTHS_MESSAGE)
    return int(value)


async def organiser_retention(actor: Actor) -> Outcome[Organiser]:
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    return Outcome(value=await Organiser.get(id=actor.organiser_id))


async def update_retention(actor: Actor, months_text: str) -> Outcome[Organiser]:
    """An organiser admin's retention in months; nothing changes on a refusal. Audited."""
    if refusal := policy.lacks_write(actor):
        return Outcome(errors=[refusal])
    if not is_organiser_admin(actor):
        return Outcome.fail(ErrorCode.FORBIDDEN)
    months = parse_months(months_text)
    if isinstance(months, DomainError):
        return Outcome(errors=[months])
    async with in_transaction() as conn:
        organiser = await Organiser.select_for_update().using_db(conn).get(id=actor.organiser_id)
        before = organiser.retention_months
        organiser.retention_months = months
        await organiser.save(using_db=conn, update_fields=["retention_months"])
        await audit.record(
            actor,
            "update",
            "organiser",
            connection=conn,
            setting="retention_months",
            before=before,
            after=months,
        )
    return Outcome(value=organiser)


@dataclass(frozen=True)
class RetentionRun:
    organiser_id: int
    cutoff: date
    erased: Erased


async def erase_expired(today: date | None = None) -> list[RetentionRun]:
    """The daily job: for each organiser, erase the pupil data of periods that ended longer
    ago than its retention (counted back from `today`), and write one audit event with the
    counts (none when nothing was erased). Each organiser in a transaction of its own, its
    row locked, so two runs at once erase (and audit) once."""
    day = today or clock.today()
    runs = []
    ids: list[int] = await Organiser.all().order_by("id").values_list("id", flat=True)  # type: ignore[assignment]
    for organiser_id in ids:
        runs.append(await erase_for_organiser(organiser_id, day))
    return runs


async def erase_for_organiser(organiser_id: int, today: date) -> RetentionRun:
    async with in_transaction() as conn:
        organiser = await Organiser.select_for_update().using_db(conn).get(id=organiser_id)
        day = cutoff(today, organiser.retention_months)
        # The rows' stamps are the moment of the change, whatever day the cutoff counts from.
        statements = Statements(conn, clock.now())
        erased = await statements.erase_listed(await statements.list_retention(organiser.id, day))
        before = datetime.combine(day, time(0), TIMEZONE)
        erased.class_lists = await statements.erase_old_class_lists(organiser.id, before)
        erased.messages += await statements.erase_old_supervisor_briefs(organiser.id, before)
        if erased.anything:
            actor = Actor(kind=RETENTION_ACTOR, organiser_id=organiser.id)
            await audit.record(
                actor,
                ERASE,
                "pupil",
                erased.pupils,
                connection=conn,
                reason="retention",
                retention_months=organiser.retention_months,
                periods_ended_before=day.isoformat(),
                **erased.counts(),
            )
    return RetentionRun(organiser_id, day, erased)
