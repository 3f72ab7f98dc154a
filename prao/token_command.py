"""`prao token create|list|revoke`: the operator acts as the organiser's administrator, so the
command line follows the same rules (and leaves the same audit trail) as the admin pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypeVar

import click

from prao import clock
from prao.actor import Actor, parse_permissions
from prao.models import ApiToken, Organiser, Permission, Role, School
from prao.services import api_tokens
from prao.services.api_tokens import TokenRequest, TokenRow

M = TypeVar("M", School, Organiser)


def operator(organiser_id: int) -> Actor:
    return Actor(kind="cli", role=Role.ADMIN, organiser_id=organiser_id)


def permissions_option(text: str) -> frozenset[Permission]:
    try:
        return parse_permissions(text)
    except ValueError:
        known = ", ".join(p.value for p in Permission)
        raise click.BadParameter(
            f"okänd behörighet i {text!r}; välj bland {known}.", param_hint="--permissions"
        ) from None


def expiry_option(days: int | None, expires: str | None) -> date | None:
    if days is not None and expires is not None:
        raise click.UsageError("Ange antingen --days eller --expires, inte båda.")
    if days is not None:
        if days < 1:
            raise click.BadParameter("minst 1 dag.", param_hint="--days")
        return clock.today() + timedelta(days=days)
    if expires is None:
        return None
    try:
        return date.fromisoformat(expires)
    except ValueError:
        raise click.BadParameter(
            f"{expires!r} är inget datum; skriv ÅÅÅÅ-MM-DD.", param_hint="--expires"
        ) from None


async def _by_id_or_name(model: type[M], key: str, label: str) -> M:
    """By id, or by name as the command has always accepted."""
    found = await (model.get_or_none(id=int(key)) if key.isdigit() else model.get_or_none(name=key))
    if found is None:
        raise click.ClickException(f"{label} {key!r} finns inte.")
    return found


async def _school(key: str) -> School:
    return await _by_id_or_name(School, key, "Skolan")


async def _organiser(key: str) -> Organiser:
    return await _by_id_or_name(Organiser, key, "Huvudmannen")


async def create(
    school: str | None,
    organiser: str | None,
    name: str,
    permissions: frozenset[Permission],
    expires_on: date | None,
) -> tuple[TokenRow, str]:
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
        raise click.ClickException(" ".join(e.message for e in outcome.errors))
    return outcome.value.row, outcome.value.secret


async def rows(organiser: str | None) -> list[TokenRow]:
    organisers = (
        [await _organiser(organiser)] if organiser else await Organiser.all().order_by("id")
    )
    found: list[TokenRow] = []
    for org in organisers:
        listed = await api_tokens.list_tokens(operator(org.id))
        assert listed.value is not None
        found += listed.value.rows
    return found


async def revoke(token_id: int) -> tuple[TokenRow, bool]:
    """The token, and whether this call revoked it (False: it already was)."""
    token = await ApiToken.get_or_none(id=token_id).select_related("school")
    if token is None:
        raise click.ClickException(f"API-nyckel {token_id} finns inte.")
    organiser_id = token.school.organiser_id if token.school else token.organiser_id
    assert organiser_id is not None
    was_active = token.revoked_at is None
    outcome = await api_tokens.revoke_token(operator(organiser_id), token_id)
    if outcome.value is None:
        raise click.ClickException(outcome.errors[0].message)
    return outcome.value, was_active


def _when(moment: datetime | None) -> str:
    return "–" if moment is None else f"{clock.local(moment):%Y-%m-%d %H:%M}"


def table(found: list[TokenRow]) -> str:
    """A plain-text table; never the hash."""
    header = ["ID", "Namn", "Omfattning", "Behörigheter", "Går ut", "Senast använd", "Status"]
    lines = [
        [
            str(row.token.id),
            row.token.name,
            row.scope,
            ",".join(p.value for p in row.permissions),
            _when(row.token.expires_at),
            _when(row.token.last_used_at),
            row.status_name,
        ]
        for row in found
    ]
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in [header, *lines]
    )
