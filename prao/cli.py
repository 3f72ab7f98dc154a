"""The `prao` command: serve, worker, migrate, seed-demo, token create|list|revoke,
export-schema."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from prao.config import Settings, load_settings
from prao.db import close_db, init_db
from prao.db import migrate as run_migrations

T = TypeVar("T")


def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        await init_db(settings)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(run())


@click.group()
def main() -> None:
    """Prao: booking of school work placements."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and the GraphQL API."""
    import uvicorn

    load_settings()  # fail fast on bad settings, before forking workers
    # The app reads X-Forwarded-For itself, only from FORWARDED_ALLOW_IPS (prao.http).
    uvicorn.run(
        "prao.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_level="info",
    )


@main.command()
def worker() -> None:
    """Run the arq worker (needs REDIS_URL)."""
    from arq.worker import run_worker

    from workers.settings import WorkerSettings

    if not load_settings().redis_url:
        raise click.ClickException("REDIS_URL är inte satt: jobben körs i webbprocessen.")
    run_worker(WorkerSettings)  # type: ignore[arg-type]


@main.command()
def migrate() -> None:
    """Apply database migrations."""
    asyncio.run(run_migrations(load_settings()))
    click.echo("Databasen är uppdaterad.")


@main.command("seed-demo")
@click.option("--pupils-per-school", default=100, show_default=True, type=int)
def seed_demo(pupils_per_school: int) -> None:
    """Create demo data (idempotent); refused when ENV=production."""
    from prao.config import production_env
    from prao.demo import seed_demo as seed

    # Checked before the settings are read or the database is opened: nothing is written.
    if production_env():
        raise click.ClickException(
            "Demodata skapas inte när ENV=production: den skulle blandas med riktiga elever."
        )
    created = _with_db(load_settings(), lambda: seed(pupils_per_school))
    click.echo("Demodata skapad." if created else "Demodata finns redan.")


@main.group()
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
    from prao import token_command

    if bool(school) == bool(organiser):
        raise click.UsageError("Ange precis en av --school och --organiser.")
    granted = token_command.permissions_option(permissions)
    expires_on = token_command.expiry_option(days, expires)
    row, raw = _with_db(
        load_settings(),
        lambda: token_command.create(school, organiser, name, granted, expires_on),
    )
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
    from prao import token_command

    rows = _with_db(load_settings(), lambda: token_command.rows(organiser))
    click.echo(token_command.table(rows) if rows else "Inga API-nycklar.")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token at once (again is harmless)."""
    from prao import token_command

    row, revoked_now = _with_db(load_settings(), lambda: token_command.revoke(token_id))
    verb = "är nu återkallad" if revoked_now else "var redan återkallad"
    click.echo(f"API-nyckel {row.token.id} ({row.token.name}) {verb}.")


@main.command()
@click.argument("period", type=int)
@click.option("--seed", type=int, default=None, help="lottery seed (random by default)")
@click.option("--dry-run/--apply", default=True, show_default=True)
@click.option(
    "--policy", type=click.Choice(["convex", "linear", "most_first_wishes", "fewest_last_wishes"])
)
def allocate(period: int, seed: int | None, dry_run: bool, policy: str | None) -> None:
    """Run the allocation of a period (a proposal unless --apply)."""
    from prao.allocation import command

    with click.progressbar(length=100, label="Fördelning") as bar:
        run = _with_db(
            load_settings(), lambda: command.allocate(period, seed, dry_run, policy, bar)
        )
    command.report(run)
    if run.status in ("failed", "stale"):
        sys.exit(1)


@main.command("export-schema")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None)
def export_schema(output: Path | None) -> None:
    """Print the GraphQL SDL (or write it to a file)."""
    from api.schema import schema

    sdl = schema.as_str() + "\n"
    if output is None:
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl)
