"""The benchmarks' SMTP server: aiosmtpd (a real SMTP conversation over TCP) in a process of its
own, so that its CPU is counted apart from the senders' and the bench's. It advertises
PIPELINING (aiosmtpd reads each command in turn from its buffered stream, as RFC 2920 asks) and
counts what it accepted by Message-ID.

    python bench/smtp_sink.py PORT      prints "ready", then on each line read from stdin
                                        a JSON line: {"cpu": seconds so far, "seen": {id: n}}
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>]+>)", re.M | re.I)


class CountingSink:
    """Counts accepted messages by Message-ID (runs in the SMTP controller's own thread)."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        match = MESSAGE_ID.search(envelope.original_content)
        with self.lock:
            self.seen[match.group(1).decode() if match else "?"] += 1
        return "250 OK"


def main() -> None:
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    try:
        print("ready", flush=True)
        for _ in sys.stdin:
            with sink.lock:
                seen = dict(sink.seen)
            print(json.dumps({"cpu": time.process_time(), "seen": seen}), flush=True)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
