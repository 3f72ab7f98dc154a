"""The benchmarks' SMTP server, in a process of its own so that its CPU is counted apart from
the senders' and the bench's. It counts what it accepted by Message-ID. Two of them:

- `lean` (the default): a small SMTP server on asyncio's Protocol. A real conversation over
  TCP (greeting, EHLO with PIPELINING, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT,
  503 for a command out of order), answering each burst of pipelined commands in one write as
  production servers do; it stands in for a mail server written in C, which costs next to
  nothing a message, so that the bench measures the senders rather than itself.
- `aiosmtpd`: aiosmtpd, offering PIPELINING (it reads each command in turn from its buffered
  stream, as RFC 2920 asks). About 0.7 ms of CPU a message, more than the senders spend.

    python bench/smtp_sink.py PORT [lean|aiosmtpd]
        prints "ready", then on each line read from stdin a JSON line:
        {"cpu": its CPU seconds so far, "seen": {message id: times accepted}}
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
import threading
import time
from collections import Counter
from typing import Any

MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>]+>)", re.M | re.I)
STUFFED = re.compile(rb"^\.\.", re.M)
EHLO = [b"250-sink", b"250-PIPELINING", b"250-SIZE 33554432", b"250-8BITMIME", b"250 HELP"]


class Counts:
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def accept(self, content: bytes) -> None:
        match = MESSAGE_ID.search(content)
        with self.lock:
            self.seen[match.group(1).decode() if match else "?"] += 1


class LeanSession(asyncio.Protocol):
    """One SMTP session: commands line by line, or the content of a message after DATA."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.buffer = b""
        self.in_data = False
        self.sender: bytes | None = None
        self.recipients: list[bytes] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies: list[bytes] = []
        while True:
            if self.in_data:
                # The content ends at a line holding a single dot (the buffer starts with the
                # DATA line's CRLF, so an empty message ends at once too).
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    break
                content, self.buffer = self.buffer[2 : end + 2], self.buffer[end + 5 :]
                self.counts.accept(STUFFED.sub(b".", content))
                self.in_data, self.sender, self.recipients = False, None, []
                replies.append(b"250 OK")
                continue
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                break
            self.buffer = rest
            reply = self.command(line)
            replies.append(reply)
            if reply.startswith(b"221"):
                break
        if replies and self.transport is not None:
            self.transport.write(b"\r\n".join(replies) + b"\r\n")  # one write a burst
            if replies[-1].startswith(b"221"):
                self.transport.close()

    def command(self, line: bytes) -> bytes:
        verb, _, argument = line.partition(b" ")
        verb = verb.upper()
        if verb in (b"EHLO", b"HELO", b"RSET"):
            self.sender, self.recipients = None, []
            return b"\r\n".join(EHLO) if verb == b"EHLO" else b"250 OK"
        if verb == b"NOOP":
            return b"250 OK"
        if verb == b"QUIT":
            return b"221 Bye"
        if verb == b"MAIL":
            return self.mail(argument)
        if verb == b"RCPT":
            return self.rcpt(argument)
        if verb == b"DATA":
            if not self.recipients:
                return b"503 Error: need RCPT command"
            self.in_data = True
            self.buffer = b"\r\n" + self.buffer
            return b"354 End data with <CR><LF>.<CR><LF>"
        return b'500 Error: command "' + verb[:20] + b'" not recognized'

    def mail(self, argument: bytes) -> bytes:
        if self.sender is not None:
            return b"503 Error: nested MAIL command"
        if not argument.upper().startswith(b"FROM:<"):
            return b"501 Syntax: MAIL FROM:<address>"
        self.sender = argument[5:]
        return b"250 OK"

    def rcpt(self, argument: bytes) -> bytes:
        if self.sender is None:
            return b"503 Error: need MAIL command"
        if not argument.upper().startswith(b"TO:<") or b"@" not in argument:
            return b"501 Syntax: RCPT TO:<address>"
        self.recipients.append(argument[3:])
        return b"250 OK"


def serve_lean(counts: Counts, port: int) -> None:
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: LeanSession(counts), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
    while True:  # until it listens
        try:
            with socket.create_connection(("127.0.0.1", port)):
                return
        except OSError:
            time.sleep(0.05)


class AiosmtpdHandler:
    def __init__(self, counts: Counts) -> None:
        self.counts = counts

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.counts.accept(envelope.original_content)
        return "250 OK"


def main() -> None:
    port, kind = int(sys.argv[1]), (sys.argv[2:] or ["lean"])[0]
    counts = Counts()
    controller = None
    if kind == "aiosmtpd":
        from aiosmtpd.controller import Controller

        controller = Controller(AiosmtpdHandler(counts), hostname="127.0.0.1", port=port)
        controller.start()
    else:
        serve_lean(counts, port)
    try:
        print("ready", flush=True)
        for _ in sys.stdin:
            with counts.lock:
                seen = dict(counts.seen)
            print(json.dumps({"cpu": time.process_time(), "seen": seen}), flush=True)
    finally:
        if controller is not None:
            controller.stop()


if __name__ == "__main__":
    main()
