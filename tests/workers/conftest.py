"""A real Redis (a db of this run's own) and an in-process SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sink:
    """Collects what the SMTP server accepted. `data_replies` are answered to DATA in turn before
    it accepts (e.g. "451 ..."); addresses in `refused` get `refusal` at RCPT. It offers
    PIPELINING unless `pipelining` is off."""

    messages: list[Message] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    refusal: str = "550 5.1.1 No such user"
    data_attempts: int = 0
    # Offered as the common servers offer it: aiosmtpd reads pipelined commands in turn.
    pipelining: bool = True

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if not self.pipelining:
            return responses
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refused:
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.data_attempts += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=email_policy.default)
        )
        return "250 OK"

    def by_message_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in self.messages:
            counts[str(m["Message-ID"])] = counts.get(str(m["Message-ID"]), 0) + 1
        return counts


@pytest.fixture
def smtp() -> Iterator[tuple[str, Sink]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", sink
    controller.stop()
