"""The `prao` command: serve, worker, migrate, seed-demo, token create|list|revoke, allocate,
export-schema."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from prao.config import load_settings, production_env
from prao.db import migrate as run_migrations
from server.allocate_cli import allocate
from server.token_cli import token
from server.with_db import with_db

# uvicorn, arq, the demo data and the GraphQL schema are imported by the command that needs
# them: each costs start-up time the other commands need not pay.


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
    # The app reads X-Forwarded-For itself, only from FORWARDED_ALLOW_IPS
    # (server.client_address).
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_level="info",
    )


@main.command()
def worker() -> None:
    """Run the arq worker (needs REDIS_URL)."""
    from arq.connections import RedisSettings
    from arq.worker import run_worker

    from workers.settings import WorkerSettings

    redis_url = load_settings().redis_url
    if not redis_url:
        raise click.ClickException("REDIS_URL är inte satt: jobben körs i webbprocessen.")
    run_worker(WorkerSettings, redis_settings=RedisSettings.from_dsn(redis_url))  # type: ignore[arg-type]


@main.command()
def migrate() -> None:
    """Apply database migrations."""
    asyncio.run(run_migrations(load_settings()))
    click.echo("Databasen är uppdaterad.")


@main.command("seed-demo")
@click.option("--pupils-per-school", default=100, show_default=True, type=int)
def seed_demo(pupils_per_school: int) -> None:
    """Create demo data (idempotent); refused when ENV=production."""
    from prao.demo import seed_demo as seed

    # Checked before the settings are read or the database is opened: nothing is written.
    if production_env():
        raise click.ClickException(
            "Demodata skapas inte när ENV=production: den skulle blandas med riktiga elever."
        )
    created = with_db(load_settings(), lambda: seed(pupils_per_school))
    click.echo("Demodata skapad." if created else "Demodata finns redan.")


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


main.add_command(token)
main.add_command(allocate)
