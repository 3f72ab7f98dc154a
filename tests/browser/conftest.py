"""A real server (uvicorn in a subprocess, demo data) and a real Chromium driven by Playwright.

Plain sync fixtures and tests: Playwright's sync API must not run inside an asyncio loop."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.db import postgres_server_url

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
PUPILS_PER_SCHOOL = 30

MISSING = (
    "Chromium is not installed (apt-get install chromium)"
    if not CHROMIUM.exists()
    else "axe-core is not installed (npm ci --prefix tests/browser)"
    if not AXE.exists()
    else None
)
if MISSING is not None and REQUIRE_SERVICES:
    raise RuntimeError(f"browser tests cannot run: {MISSING}")  # CI installs both


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _prao(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


@dataclass(frozen=True)
class LiveServer:
    url: str


@contextlib.contextmanager
def running_server(
    var: Path, command: Callable[[int], list[str]], extra: dict[str, str] | None = None
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """A migrated database with the demo data and a server started by `command(port)`, with
    the environment it runs in; stopped and its database dropped afterwards."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SMTP_URL", "ENV")}
    server_url = postgres_server_url()
    if server_url:
        database_url = _python(
            "import asyncio, sys; from tests.db import create_postgres_database as c; "
            f"print(asyncio.run(c({server_url!r})))",
            env,
        )
    else:
        database_url = f"sqlite://{var / 'browser.sqlite3'}"
    env.update(
        DATABASE_URL=database_url,
        DEMO="1",
        PRAO_VAR_DIR=str(var),
        BASE_URL=f"http://127.0.0.1:{port}",
        **(extra or {}),
    )
    _prao(["migrate"], env)
    _prao(["seed-demo", "--pupils-per-school", str(PUPILS_PER_SCHOOL)], env)
    log = var / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/logga-in", server, log)
        yield LiveServer(url=f"http://127.0.0.1:{port}"), env
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server_url:
            _python(
                "import asyncio; from tests.db import drop_postgres_database as d; "
                f"asyncio.run(d({server_url!r}, {database_url!r}))",
                env,
            )


def uvicorn_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "server.asgi:app", "--port", str(port)]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("browser-var"), uvicorn_command) as (server, _):
        yield server


def sign_in_from_demo(page: Any, card: str) -> str:
    """One click on /demo as the person whose card shows `card`; the path she lands on."""
    page.goto("/demo")
    page.locator("li.card", has_text=card).first.get_by_role("button").click()
    page.wait_for_url(lambda url: not url.endswith("/demo"))
    return "/" + str(page.url).split("/", 3)[3]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Module scope: while the sync API is open it marks its loop as running in this thread,
    which would stop the async tests that pytest runs after this module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Axe:
    """Runs axe-core in the page (evaluated over the DevTools protocol, so our CSP stays on)."""

    source = AXE.read_text() if AXE.exists() else ""

    @classmethod
    def serious_violations(cls, page: Any) -> list[dict[str, Any]]:
        page.evaluate(cls.source + "\n;0")
        result = page.evaluate(
            """() => axe.run(document, {runOnly: {type: 'tag', values:
                 ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
        )
        violations: list[dict[str, Any]] = result["violations"]
        if violations:
            print(f"axe on {page.url}:")
            for v in violations:
                targets = [n["target"] for n in v["nodes"]]
                print(f"  [{v['impact']}] {v['id']}: {v['help']} {json.dumps(targets)[:300]}")
        return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe() -> type[Axe]:
    return Axe


# Chromium logs every 4xx; a refusal page is a deliberate answer, a missing file is not.
REFUSAL_STATUS = re.compile(r"Failed to load resource: .* status of (403|409|422)\b")


class Phone:
    """One person's browser tab at phone size, remembering CSP violations and script errors."""

    def __init__(self, chromium: Any, server: LiveServer, artifacts: Path, js: bool) -> None:
        self.context = chromium.new_context(
            viewport=PHONE, locale="sv-SE", java_script_enabled=js, base_url=server.url
        )
        self.page: Page = self.context.new_page()
        self.artifacts = artifacts
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if REFUSAL_STATUS.search(message.text):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(message.text)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"))

    def new_tab(self) -> Page:
        page: Page = self.context.new_page()
        page.on("console", self._console)
        return page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(chromium: Any, live_server: LiveServer, artifacts: Path) -> Iterator[Any]:
    opened: list[Phone] = []

    def open_phone(js: bool = True) -> Phone:
        opened.append(Phone(chromium, live_server, artifacts, js))
        return opened[-1]

    yield open_phone
    for p in opened:
        p.close()
