"""What the operator does from the command line: she acts as the organiser's administrator, so
the same rules apply (and the same audit trail is left) as on the admin pages."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from prao.actor import Actor
from prao.allocation.runs import Progress, execute_run, start_run
from prao.models import (
    AllocationRun,
    AllocationStatus,
    ApiToken,
    Organiser,
    Period,
    Permission,
    Role,
    School,
)
from prao.services import api_tokens
from prao.services.api_tokens import TokenRequest, TokenRow

M = TypeVar("M", School, Organiser)


class OperatorRefused(Exception):
    """What the operator asked for cannot be done; the message says why, in Swedish."""


def operator(organiser_id: int) -> Actor:
    return Actor(kind="cli", role=Role.ADMIN, organiser_id=organiser_id)


async def _by_id_or_name(model: type[M], key: str, label: str) -> M:
    """By id, or by name as the command has always accepted."""
    found = await (model.get_or_none(id=int(key)) if key.isdigit() else model.get_or_none(name=key))
    if found is None:
        raise OperatorRefused(f"{label} {key!r} finns inte.")
    return found


async def _school(key: str) -> School:
    return await _by_id_or_name(School, key, "Skolan")


async def _organiser(key: str) -> Organiser:
    return await _by_id_or_name(Organiser, key, "Huvudmannen")


async def create_token(
    school: str | None,
    organiser: str | None,
    name: str,
    permissions: frozenset[Permission],
    expires_on: date | None,
) -> tuple[TokenRow, str]:
    """A token for a school or an organiser (by id or name); the row and the secret."""
    if school:
        found_school = await _school(school)
        organiser_id, school_id = found_school.organiser_id, found_school.id
        name = name or f"API {found_school.name}"
    else:
        assert organiser
        found_org = await _organiser(organiser)
        organiser_id, school_id = found_org.id, None
        name = name or f"API {found_org.name}"
    request = TokenRequest(name, permissions, school_id, expires_on)
    outcome = await api_tokens.create_token(operator(organiser_id), request)
    if outcome.value is None:
        raise OperatorRefused(" ".join(e.message for e in outcome.errors))
    return outcome.value.row, outcome.value.secret


async def token_rows(organiser: str | None) -> list[TokenRow]:
    """The tokens of one organiser (by id or name), or of all."""
    organisers = (
        [await _organiser(organiser)] if organiser else await Organiser.all().order_by("id")
    )
    found: list[TokenRow] = []
    for org in organisers:
        listed = await api_tokens.list_tokens(operator(org.id))
        assert listed.value is not None
        found += listed.value.rows
    return found


async def revoke_token(token_id: int) -> tuple[TokenRow, bool]:
    """The token, and whether this call revoked it (False: it already was)."""
    token = await ApiToken.get_or_none(id=token_id).select_related("school")
    if token is None:
        raise OperatorRefused(f"API-nyckel {token_id} finns inte.")
    organiser_id = token.school.organiser_id if token.school else token.organiser_id
    assert organiser_id is not None
    was_active = token.revoked_at is None
    outcome = await api_tokens.revoke_token(operator(organiser_id), token_id)
    if outcome.value is None:
        raise OperatorRefused(outcome.errors[0].message)
    return outcome.value, was_active


async def allocate(
    period_id: int, seed: int | None, dry_run: bool, policy: str | None, on_progress: Progress
) -> AllocationRun:
    """A run of the period in this process, reporting its progress; the run as it ended."""
    period = await Period.get_or_none(id=period_id)
    if period is None:
        raise OperatorRefused(f"Praoperioden {period_id} finns inte.")
    school = await School.get(id=period.school_id)
    started = await start_run(
        operator(school.organiser_id),
        period.id,
        seed=seed,
        dry_run=dry_run,
        policy_name=policy,
        enqueue=False,
    )
    if started.value is None:
        raise OperatorRefused(started.errors[0].message)
    if not await execute_run(started.value.id, on_progress):
        run = await AllocationRun.get(id=started.value.id)
        if run.status == AllocationStatus.RUNNING:  # started elsewhere and still going
            raise OperatorRefused(
                f"En fördelning av perioden pågår redan (körning {run.id}); vänta tills den är klar"
            )
    return await AllocationRun.get(id=started.value.id)
