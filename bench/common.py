"""Shared benchmark plumbing: a fresh PostgreSQL database, a real server process, statistics."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


class Server:
    """`prao serve` in a subprocess, with its peak resident memory sampled while it runs."""

    def __init__(self, database_url: str, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PRAO_VAR_DIR": str(ROOT / "var" / "bench"),
        }
        env.pop("REDIS_URL", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "prao.asgi:app",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
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

    async def __aenter__(self) -> Server:
        self._sampler.start()
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    await client.get(f"{self.url}/logga-in")
                    return self
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("server did not start")

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        self.proc.terminate()
        self.proc.wait(timeout=20)


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
