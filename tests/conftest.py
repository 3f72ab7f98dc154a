"""Shared fixtures: one database per run (SQLite file, or PostgreSQL with TEST_DATABASE_URL),
emptied before each test; the ASGI app; signed-in clients through the real sign-in link."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import httpx
import pytest
from redis.asyncio import Redis
from tortoise import Tortoise

from prao.auth import issue_sign_in_token
from prao.config import Settings, use_settings
from prao.db import close_db, init_db
from prao.db import migrate as run_migrations
from prao.jobs import jobs
from prao.models import User
from server.app import create_app
from server.jobs import running_jobs
from tests import factories
from tests.db import (
    create_postgres_database,
    drop_postgres_database,
    is_postgres,
    postgres_server_url,
    sqlite_url,
    truncate_all,
)
from workers.in_process import InProcessJobs

# Fixtures every folder uses: callers of the app, and the allocation tests' period with wishes.
pytest_plugins = ["tests.callers", "tests.allocation_world"]

REQUIRE_SERVICES = os.environ.get("PRAO_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> NoReturn:
    """Skip where a service is not configured; fail in CI (PRAO_REQUIRE_SERVICES=1), where a
    skipped test would pass off as a passing one."""
    if REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def make_settings(database_url: str, tmp: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": None,
        "secret_key": "test-secret-key-not-for-production",
        "base_url": "http://testserver",
        "demo": True,
        "production": False,
        "var_dir": tmp,
        "graphiql": True,
        # The limiter runs, but only tests about it set a budget that can run out.
        "rate_limit_points": 1_000_000,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    server = postgres_server_url()
    if server:
        url = await create_postgres_database(server)
    else:
        url = sqlite_url(tmp_path_factory.mktemp("db"))
    settings = make_settings(url, tmp_path_factory.mktemp("var"))
    await run_migrations(settings)
    await init_db(settings)
    yield url
    await close_db()
    if server:
        await drop_postgres_database(server, url)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(database_url, tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session", autouse=True)
def process_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Named as the app names them at start-up, for domain code not handed settings: card
    links in mail name the test server."""
    use_settings(make_settings("sqlite://:memory:", tmp_path_factory.mktemp("process")))


@pytest.fixture(scope="session", autouse=True)
def in_process_jobs() -> Iterator[InProcessJobs]:
    """The runner where a test wires no other, as in a command: mail waits in the outbox,
    allocation runs in this process."""
    runner = InProcessJobs()
    previous = jobs.use(runner)
    yield runner
    jobs.use(previous)


async def drain_jobs() -> None:
    """Wait for the in-process jobs started so far (by the runner wired in now)."""
    if isinstance(jobs.runner, InProcessJobs):
        await jobs.runner.drain()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[None]:
    assert Tortoise._inited
    await truncate_all()
    yield
    await drain_jobs()


@pytest.fixture
def postgres(db: None) -> None:
    """For tests whose point is a race that only PostgreSQL shows (SQLite serialises writers).
    Mark such tests `postgres` too, so a SQLite run can deselect them instead of skipping."""
    if not is_postgres():
        missing_service("needs PostgreSQL: set TEST_DATABASE_URL=postgres://…")


@pytest.fixture
async def world(db: None) -> factories.World:
    return await factories.world()


@pytest.fixture
async def app(settings: Settings, db: None) -> AsyncIterator[object]:
    application = create_app(settings, manage_db=False)
    async with running_jobs(settings):  # the app's lifespan does this; the test client does not
        yield application


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, user: User, settings: Settings) -> None:
    """Sign in the way a person does: open the e-mailed link, press the button."""
    raw = await issue_sign_in_token(user, settings)
    page = await client.get(f"/logga-in/{raw}")
    assert page.status_code == 200, page.text
    done = await client.post(f"/logga-in/{raw}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 303, done.text


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        missing_service("needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379")
    # A db named in the URL is this run's own; else one is picked by process id.
    named = re.search(r"/\d+$", base)
    url = base if named else f"{base.rstrip('/')}/{1 + os.getpid() % 15}"
    client = Redis.from_url(url)
    await client.flushdb()
    yield url
    await client.flushdb()
    await client.aclose()
