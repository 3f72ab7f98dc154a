"""`prao token create|list|revoke`: API tokens for school systems, made by the operator as the
organiser's administrator (prao.services.operator)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

import click

from prao import clock
from prao.actor import parse_permissions
from prao.config import load_settings
from prao.models import Permission
from prao.services import operator
from prao.services.api_tokens import TokenRow
from server.with_db import with_db

T = TypeVar("T")


def _run(work: Callable[[], Awaitable[T]]) -> T:
    try:
        return with_db(load_settings(), work)
    except operator.OperatorRefused as refused:
        raise click.ClickException(str(refused)) from None


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


@click.group()
def token() -> None:
    """API tokens for school systems."""


@token.command("create")
@click.option("--school", help="school id (or name)")
@click.option("--organiser", help="organiser (huvudman) id (or name)")
@click.option("--name", default="", help="what the token is for")
@click.option(
    "--permissions", default="read", show_default=True, help="comma-separated: read,write,allocate"
)
@click.option("--days", type=int, default=None, help="valid this many days (default 365)")
@click.option("--expires", default=None, help="expiry date, YYYY-MM-DD")
def token_create(
    school: str | None,
    organiser: str | None,
    name: str,
    permissions: str,
    days: int | None,
    expires: str | None,
) -> None:
    """Print a new bearer token once; only its hash is stored."""
    if bool(school) == bool(organiser):
        raise click.UsageError("Ange precis en av --school och --organiser.")
    granted = permissions_option(permissions)
    expires_on = expiry_option(days, expires)
    row, raw = _run(lambda: operator.create_token(school, organiser, name, granted, expires_on))
    click.echo(raw)
    click.echo(
        f"API-nyckel {row.token.id} ({row.scope}, {row.permission_names.lower()}). "
        "Spara token nu: den visas inte igen.",
        err=True,
    )


@token.command("list")
@click.option("--organiser", default=None, help="only this organiser's tokens (id or name)")
def token_list(organiser: str | None) -> None:
    """List tokens: scope, permissions, expiry, last use and status (never the secret)."""
    rows = _run(lambda: operator.token_rows(organiser))
    click.echo(table(rows) if rows else "Inga API-nycklar.")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token at once (again is harmless)."""
    row, revoked_now = _run(lambda: operator.revoke_token(token_id))
    verb = "är nu återkallad" if revoked_now else "var redan återkallad"
    click.echo(f"API-nyckel {row.token.id} ({row.token.name}) {verb}.")
