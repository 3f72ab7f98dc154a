"""Shared benchmark plumbing: a fresh PostgreSQL database, a real server process, statistics."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)


async def create_database(server: str) -> str:
    name = f"prao_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return urlunparse(urlparse(server)._replace(path=f"/{name}"))


async def drop_database(server: str, url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


@asynccontextmanager
async def seeded_database(statements: Sequence[str], size: int, what: str) -> AsyncIterator[str]:
    """A fresh database, migrated and seeded by `statements` (`$1` in one is `size`), with
    Prao's ORM on it while the block runs; dropped afterwards. Yields its URL."""
    from prao.config import load_settings
    from prao.db import close_db, init_db, migrate

    server = server_url()
    url = await create_database(server)
    settings = dataclasses.replace(load_settings(), database_url=url, redis_url=None)
    try:
        await migrate(settings)
        started = time.perf_counter()
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            for statement in statements:
                await conn.execute(statement, *((size,) if "$1" in statement else ()))
        finally:
            await conn.close()
        print(f"seeded {size:,} {what} in {time.perf_counter() - started:.1f} s")
        await init_db(settings)
        try:
            yield url
        finally:
            await close_db()
    finally:
        await drop_database(server, url)


def counted_statements() -> list[str]:
    """The SQL of every statement Prao's ORM connection executes from now on (its reads go
    through execute_query too), appended to the list returned."""
    from tortoise import connections

    conn = connections.get("default")
    statements: list[str] = []
    original = conn.execute_query

    async def counted(sql: str, values: list[Any] | None = None) -> Any:
        statements.append(sql)
        return await original(sql, values)

    conn.execute_query = counted
    return statements


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def describe_latency(latencies: list[float]) -> str:
    return (
        f"p50 {percentile(latencies, 50) * 1000:.1f} ms,"
        f" p99 {percentile(latencies, 99) * 1000:.1f} ms,"
        f" mean {statistics.fmean(latencies) * 1000:.1f} ms"
    )


TRACEBACK = "Traceback (most recent call last)"


class CommandServer:
    """Any HTTP server command (e.g. a competitor) in a subprocess, with its peak memory sampled.

    Ready once `ready_path` answers at all; the command must listen on `self.port`."""

    def __init__(
        self,
        argv: list[str],
        port: int,
        ready_path: str = "/",
        env: Mapping[str, str] | None = None,
        inherit_env: bool = True,
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ready_path = ready_path
        self.name = Path(argv[0]).name
        # The server's log goes to a file, never to a pipe nobody reads while it runs: once a
        # pipe's buffer is full, the server's next log line blocks its event loop for good.
        # Closed in __aexit__.
        self.log = tempfile.TemporaryFile(mode="w+", prefix="bench_server_")  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**(os.environ if inherit_env else {}), **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            text=True,
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        parent = psutil.Process(self.proc.pid)
        while not self._stop.is_set():
            try:
                procs = [parent, *parent.children(recursive=True)]
                self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)

    async def __aenter__(self) -> CommandServer:
        self._sampler.start()
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                if self.proc.poll() is not None:
                    break
                try:
                    await client.get(f"{self.url}{self.ready_path}")
                    return self
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        await self.__aexit__()
        raise RuntimeError(f"{self.name} did not start: {self.logged()[-2000:]}")

    def logged(self) -> str:
        """What the server has written to its log so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # A figure measured while the server failed requests is no figure: say so.
        logged = self.logged()
        self.log.close()
        if errors := logged.count(TRACEBACK):
            last = logged[logged.rindex(TRACEBACK) :][-3000:]
            print(f"  {self.name} logged {errors} error(s), the last:\n{last}", file=sys.stderr)


class Server(CommandServer):
    """`prao serve` (uvicorn) in a subprocess, with its peak resident memory sampled.

    Without Redis unless `redis_url` is given (jobs then go to arq there, as in production)."""

    def __init__(
        self,
        database_url: str,
        workers: int = 1,
        env: Mapping[str, str] | None = None,
        redis_url: str | None = None,
    ) -> None:
        port = free_port()
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PRAO_VAR_DIR": str(ROOT / "var" / "bench"),
            **(env or {}),
        }
        full_env.pop("REDIS_URL", None)
        if redis_url:
            full_env["REDIS_URL"] = redis_url
        argv = [sys.executable, "-m", "uvicorn", "server.asgi:app", "--port", str(port)]
        argv += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        super().__init__(argv, port, ready_path="/logga-in", env=full_env, inherit_env=False)


# PostgreSQL wire protocol: requests sent before the startup message, answered by the proxy.
_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
# asyncpg's pool sends this when a connection goes back to the pool: a round trip, not a query.
ASYNCPG_RESET = "SELECT pg_advisory_unlock_all();"
POOL_RESET = "pool reset"


class StatementCounter:
    """A TCP proxy in front of PostgreSQL that counts the statements its clients execute.

    Counted on the wire, so it sees every statement whatever the driver: each simple-protocol
    Query message and each extended-protocol Execute message, transaction control included.
    `kinds` tallies them by first SQL keyword (SELECT, INSERT, BEGIN, ...). It adds latency:
    use it for counting, not for timing."""

    def __init__(self, database_url: str, keep_text: bool = False) -> None:
        parsed = urlparse(database_url)
        # With keep_text, every counted statement's SQL too, in order (for a breakdown).
        self.texts: list[str] | None = [] if keep_text else None
        self.target_host = parsed.hostname or "127.0.0.1"
        self.target_port = parsed.port or 5432
        self._parsed = parsed
        self.port = 0
        self.kinds: Counter[str] = Counter()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The database URL to give a client so that its statements are counted."""
        netloc = self._parsed.netloc.rsplit("@", 1)
        user = f"{netloc[0]}@" if len(netloc) == 2 else ""
        return urlunparse(self._parsed._replace(netloc=f"{user}127.0.0.1:{self.port}"))

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def reset(self) -> None:
        self.kinds.clear()
        if self.texts is not None:
            self.texts.clear()

    async def __aenter__(self) -> StatementCounter:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        server_w: asyncio.StreamWriter | None = None
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
            back = asyncio.ensure_future(self._pipe(server_r, client_w))
            try:
                await self._forward_counted(client_r, client_w, server_w)
            finally:
                back.cancel()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            for writer in (client_w, server_w):
                if writer is not None:
                    writer.close()
            self._tasks.discard(task)

    async def _forward_counted(
        self,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        server_w: asyncio.StreamWriter,
    ) -> None:
        # Untyped messages until the startup message; encryption requests are refused here so
        # the rest of the conversation stays readable.
        while True:
            head = await client_r.readexactly(4)
            body = await client_r.readexactly(int.from_bytes(head, "big") - 4)
            code = int.from_bytes(body[:4], "big")
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                client_w.write(b"N")
                await client_w.drain()
                continue
            server_w.write(head + body)
            await server_w.drain()
            break
        statements: dict[bytes, str] = {}  # prepared statement name -> SQL
        portals: dict[bytes, str] = {}  # portal name -> SQL
        while True:
            head = await client_r.readexactly(5)
            body = await client_r.readexactly(int.from_bytes(head[1:], "big") - 4)
            kind = head[:1]
            if kind == b"Q":
                self._count(body.split(b"\0", 1)[0].decode(errors="replace"))
            elif kind == b"P":
                name, query = body.split(b"\0", 2)[:2]
                statements[name] = query.decode(errors="replace")
            elif kind == b"B":
                portal, name = body.split(b"\0", 2)[:2]
                portals[portal] = statements.get(name, "?")
            elif kind == b"E":
                self._count(portals.get(body.split(b"\0", 1)[0], "?"))
            server_w.write(head + body)
            await server_w.drain()

    def _count(self, sql: str) -> None:
        words = sql.strip().lstrip("(").split(None, 1)
        kind = words[0].upper() if words else "?"
        if sql.startswith(ASYNCPG_RESET):
            kind = POOL_RESET
        self.kinds[kind] += 1
        if self.texts is not None:
            self.texts.append(sql)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    @property
    def per_second(self) -> float:
        """Answered requests per second, failed ones included (they are reported apart)."""
        return (len(self.latencies) + sum(self.errors.values())) / self.elapsed

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


async def closed_loop(
    clients: int, seconds: float, request: Callable[[int], Awaitable[str | None]]
) -> LoadResult:
    """`clients` callers each send `request(client_index)` back to back for `seconds`.

    `request` returns None on success or a short description of what went wrong; only
    successful requests' latencies are kept."""
    result = LoadResult()
    deadline = time.perf_counter() + seconds

    async def caller(index: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                problem = await request(index)
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if problem is None:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors[problem[:160]] += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(clients)))
    result.elapsed = time.perf_counter() - started
    return result


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User + system CPU time used so far by a process (and, by default, its live children)."""
    parent = psutil.Process(pid)
    procs = [parent, *parent.children(recursive=True)] if children else [parent]
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


@asynccontextmanager
async def demo_server() -> AsyncIterator[CommandServer]:
    """Prao as `make run` serves it: demo data on the embedded default (SQLite), in a fresh
    directory that goes with the server."""
    with tempfile.TemporaryDirectory(prefix="prao-demo-") as var:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SMTP_URL")}
        env.update(
            DATABASE_URL=f"sqlite://{var}/prao.sqlite3",
            DEMO="1",
            PRAO_VAR_DIR=var,
            BASE_URL=f"http://127.0.0.1:{port}",
        )
        for command in ("migrate", "seed-demo"):
            done = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "server", command, cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await done.communicate()
            if done.returncode:
                raise RuntimeError(f"prao {command} failed: {err.decode()[-2000:]}")
        argv = [sys.executable, "-m", "uvicorn", "server.asgi:app", "--port", str(port)]
        async with CommandServer(argv, port, ready_path="/logga-in", env=env) as server:
            yield server
