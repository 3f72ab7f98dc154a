"""Visit every page a person can reach from her start page, in a real browser, and collect what
is wrong with each: sideways scrolling, console errors, 5xx answers, failed sub-requests, serious
axe violations, and (afterwards, in one run of the Nu HTML Checker) invalid HTML.

Only links are followed (GET): forms are not submitted, so a crawl changes nothing. Files
(calendar, CSV, Excel) are left to the download tests."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from tests.browser.conftest import REFUSAL_STATUS, Axe

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = {"mobil": PHONE, "dator": DESKTOP}
VNU = Path(__file__).resolve().parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Files are the download tests' business; signing out would end the crawl.
SKIPPED = re.compile(r"\.(ics|csv|xlsx)$|^/logga-ut|^/static/")
# htmx's attributes are not HTML's: the checker is told to let them pass, nothing else.
HTMX_ATTRIBUTE = r".*Attribute “hx-[a-z-]+” (is )?not allowed.*"
PER_KIND = 2
# The demo outbox shows everyone's would-be e-mails: their links are other people's (a card of
# another pupil's booking rightly answers 404), so the page is checked but not followed.
NOT_FOLLOWED_FROM = ("/utkorg",)

__all__ = ["Crawl", "crawl", "html_errors", "page_problems"]


@dataclass
class Crawl:
    """What one person's crawl saw: the paths visited and each problem found."""

    person: str
    visited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # path -> the HTML the server sent


def page_problems(page: Any, axe: bool = True) -> list[str]:
    """What is wrong with the page as it stands at its current viewport size."""
    problems = []
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        # The culprits: elements past the edge that no scrolling box of their own holds.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => {
                 if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
                 for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
                   if (getComputedStyle(a).overflowX !== 'visible') return false;
                 return true;
               }).slice(0, 3).map(e => e.outerHTML.slice(0, 80))"""
        )
        problems.append(f"scrolls sideways: {width[0]} px wide in {width[1]} px ({wide})")
    if axe:
        for v in Axe.serious_violations(page):
            targets = [n["target"] for n in v["nodes"]][:3]
            problems.append(f"axe [{v['impact']}] {v['id']}: {v['help']} {json.dumps(targets)}")
    return problems


def _path(url: str, origin: str) -> str | None:
    """The same-origin path (with query) a link leads to, or None to leave it alone."""
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if SKIPPED.search(parts.path) else path


def crawl(context: Any, person: str, start: str, limit: int, artifacts: Path, origin: str) -> Crawl:
    """Breadth first from `start`, at most `limit` pages, each checked at phone and desktop size."""
    seen = Crawl(person)
    page = context.new_page()
    events: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not REFUSAL_STATUS.search(message.text):
            events.append(f"console error: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: events.append(f"script error: {error}"))
    page.on(
        "requestfailed",
        lambda request: events.append(f"failed request: {request.url} ({request.failure})"),
    )
    page.on(
        "response",
        lambda response: (
            events.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 500
            else None
        ),
    )
    queue = deque([start])
    queued = {start}
    kinds = {_kind(start): 1}
    while queue and len(seen.visited) < limit:
        path = queue.popleft()
        events.clear()
        page.set_viewport_size(PHONE)
        response = page.goto(path, wait_until="load")
        seen.visited.append(path)
        found: list[str] = []
        html = response is not None and "text/html" in response.headers.get("content-type", "")
        if response is not None and html:
            seen.pages[path] = response.text()
        for size, viewport in SIZES.items() if html else ():
            page.set_viewport_size(viewport)
            problems = page_problems(page)
            if problems:
                shot = artifacts / f"crawl-{person}-{size}-{_slug(path)}.png"
                page.screenshot(path=str(shot), full_page=True)
                found += [f"{size}: {p}" for p in problems]
        found += events
        seen.problems += [f"{person} {path}: {p}" for p in found]
        links = (
            []
            if path.startswith(NOT_FOLLOWED_FROM)
            else page.eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(a => a.href)"
            )
        )
        for href in links:
            target = _path(href, origin)
            if target is None or target in queued:
                continue
            # Twenty slot pages teach no more than two: each kind of page is visited twice.
            kind = _kind(target)
            if kinds.get(kind, 0) < PER_KIND:
                kinds[kind] = kinds.get(kind, 0) + 1
                queued.add(target)
                queue.append(target)
    page.close()
    return seen


def _kind(path: str) -> str:
    """/platser/12?after=3 and /platser/7?after=9 are the same kind of page."""
    parts = urlsplit(path)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "start"


def html_errors(pages: dict[str, str], workdir: Path) -> list[str]:
    """The Nu HTML Checker's errors for each page, in one run of the checker for all of them."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        raise RuntimeError("the Nu HTML Checker needs Java and vnu-jar: make browser-deps")
    names: dict[str, str] = {}
    for n, (path, html) in enumerate(sorted(pages.items())):
        name = f"{n:03d}.html"
        (workdir / name).write_text(html, encoding="utf-8")
        names[name] = path
    done = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", "--exit-zero-always",
         "--filterpattern", HTMX_ATTRIBUTE, *(str(workdir / name) for name in names)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    report = json.loads(done.stderr or done.stdout)
    errors = []
    for message in report.get("messages", []):
        url = message.get("url", "")
        where = names.get(url.rsplit("/", 1)[-1], url)
        line = message.get("lastLine", "?")
        errors.append(f"{where} line {line}: {message.get('message')}")
    return errors
