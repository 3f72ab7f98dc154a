"""Page budgets: what each page costs a phone to load, and the server to make, on the demo data
and the embedded default (SQLite), as `make run` serves it.

For each page, signed in as the person who sees it: the bytes transferred compressed (gzip, as
a browser asks) on a first load (the page, its stylesheet and htmx) and after it (the page only:
the static files are cached as immutable), and the server's time for the page (median of 20
sequential requests, measured by the client on this machine, so it includes the loopback).
Prints each figure beside its goal: pupil pages < 30 KB on first load and < 8 KB after; every
page < 20 ms. Exits non-zero if a page does not answer 200.

    python bench/pages.py [--requests 20]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import demo_server  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST_LOAD_GOAL = 30_000
AFTER_GOAL = 8_000
SERVER_GOAL_MS = 20.0
GZIP = {"Accept-Encoding": "gzip"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass(frozen=True)
class Person:
    label: str
    card: str | None  # her card's text on /demo; None: nobody signs in
    pupil: bool
    paths: tuple[str, ...]  # "{slot}", "{booking}", "{period}" are filled in from her pages


PEOPLE = [
    Person("anonym", None, False, ("/logga-in",)),
    Person(
        "elev, först till kvarn",
        "klass 8A · bokar själv",
        True,
        ("/platser", "/platser/{slot}", "/mina-bokningar", "/bokningar/{booking}/kort"),
    ),
    Person("elev, önskemål", "klass 9B · önskar platser", True, ("/platser", "/onskemal")),
    Person("arbetsplats", "Arbetsplats ·", False, ("/oversikt",)),
    Person("SYV", "SYV · Håstensskolan", False, ("/oversikt", "/oversikt/perioder/{period}")),
]


@dataclass
class Row:
    person: str
    path: str
    pupil: bool
    first_load: int
    after: int
    median_ms: float

    def ok(self) -> bool:
        sizes = not self.pupil or (self.first_load < FIRST_LOAD_GOAL and self.after < AFTER_GOAL)
        return sizes and self.median_ms < SERVER_GOAL_MS


async def compressed_size(client: httpx.AsyncClient, path: str) -> tuple[int, str]:
    """Bytes on the wire for `path` (its body as sent, gzip where the server compressed it)."""
    async with client.stream("GET", path, headers=GZIP) as answer:
        if answer.status_code != 200:
            raise SystemExit(f"{path}: HTTP {answer.status_code}")
        raw = b"".join([chunk async for chunk in answer.aiter_raw()])
    packed = answer.headers.get("content-encoding") == "gzip"
    text = gzip.decompress(raw) if packed else raw
    html = "html" in answer.headers.get("content-type", "")
    body = text.decode("utf-8", "replace") if html else ""
    return len(raw), body


async def sign_in(client: httpx.AsyncClient, card: str) -> None:
    demo = (await client.get("/demo")).text
    cards = re.findall(r'<li class="card person">(.*?)</li>', demo, flags=re.S)
    chosen = next(c for c in cards if card in c)
    action = re.search(r'action="(/demo/\d+)"', chosen)
    token = CSRF.search(demo)
    assert action and token
    done = await client.post(action.group(1), data={"csrf_token": token.group(1)})
    if done.status_code != 303:
        raise SystemExit(f"demo sign-in as {card!r}: HTTP {done.status_code}")


async def fill(client: httpx.AsyncClient, path: str) -> str | None:
    """A path with its ids from the person's own pages, or None when she has none to show."""
    if "{slot}" in path:
        found = re.search(r'href="/platser/(\d+)"', (await client.get("/platser")).text)
        return path.format(slot=found.group(1)) if found else None
    if "{booking}" in path:
        mine = (await client.get("/mina-bokningar")).text
        found = re.search(r'href="/bokningar/(\d+)/kort"', mine)
        return path.format(booking=found.group(1)) if found else None
    if "{period}" in path:
        listing = (await client.get("/oversikt/perioder")).text
        found = re.search(r'href="/oversikt/perioder/(\d+)"', listing)
        return path.format(period=found.group(1)) if found else None
    return path


async def book_one(client: httpx.AsyncClient) -> None:
    """The first-come pupil books a place, so that her bookings and card have something."""
    for slot in re.findall(r'href="/platser/(\d+)"', (await client.get("/platser")).text):
        page = (await client.get(f"/platser/{slot}")).text
        token = CSRF.search(page)
        if token and "Boka platsen" in page:  # confirmed at once, so it has a card
            await client.post(f"/platser/{slot}/boka", data={"csrf_token": token.group(1)})
            if "/kort" in (await client.get("/mina-bokningar")).text:
                return


async def measure(url: str, requests: int) -> list[Row]:
    rows: list[Row] = []
    for person in PEOPLE:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            if person.card is not None:
                await sign_in(client, person.card)
            if "{booking}" in "".join(person.paths):
                await book_one(client)
            for template in person.paths:
                path = await fill(client, template)
                if path is None:
                    raise SystemExit(f"{person.label}: nothing to fill {template} with")
                page_bytes, html = await compressed_size(client, path)
                static = sorted(set(STATIC.findall(html)))
                static_bytes = 0
                for asset in static:
                    static_bytes += (await compressed_size(client, asset))[0]
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    answer = await client.get(path, headers=GZIP)
                    times.append((time.perf_counter() - started) * 1000)
                    if answer.status_code != 200:
                        raise SystemExit(f"{path}: HTTP {answer.status_code}")
                rows.append(
                    Row(person.label, path, person.pupil, page_bytes + static_bytes, page_bytes,
                        statistics.median(times))
                )  # fmt: skip
    return rows


def report(rows: list[Row], requests: int) -> bool:
    print(f"Page budgets on the demo data (SQLite), median of {requests} requests each:")
    print(f"  {'person':24} {'page':32} {'first load':>11} {'after':>8} {'server':>9}  verdict")
    for r in rows:
        goal = "pupil goal" if r.pupil else "time goal"
        print(
            f"  {r.person:24} {r.path:32} {r.first_load / 1000:9.1f} KB {r.after / 1000:6.1f} KB"
            f" {r.median_ms:7.1f} ms  {'met' if r.ok() else 'NOT MET'} ({goal})"
        )
    print(
        f"  goals: pupil pages < {FIRST_LOAD_GOAL // 1000} KB on first load and"
        f" < {AFTER_GOAL // 1000} KB after; every page < {SERVER_GOAL_MS:.0f} ms"
    )
    return all(r.ok() for r in rows)


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    async with demo_server() as server:
        rows = await measure(server.url, args.requests)
    report(rows, args.requests)
    return 0  # budgets are reported, not enforced: a page over its budget is a finding


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
