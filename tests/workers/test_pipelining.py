"""A batch over one SMTP connection: pipelined where the server offers it, one command at a
time where it does not; either way each message learns its own outcome."""

from __future__ import annotations

import asyncio
import smtplib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from prao.models import OutboxMessage, OutboxStatus
from prao.services import delivery, smtp_send
from prao.services.mail_wire import Outgoing
from prao.services.smtp_send import quoteaddr
from tests.workers.conftest import Sink, free_port


async def messages(*addresses: str) -> list[OutboxMessage]:
    return [
        await OutboxMessage.create(kind="test", to_address=a, subject="Prov", body="Hej!")
        for a in addresses
    ]


def addresses(count: int) -> list[str]:
    return [f"elev{i}@example.se" for i in range(count)]


@pytest.fixture
def plain_smtp() -> Iterator[tuple[str, Sink]]:
    """A server that does not offer PIPELINING."""
    sink = Sink(pipelining=False)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", sink
    controller.stop()


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What the sender writes to any SMTP server, write by write."""
    written: list[bytes] = []
    send = smtplib.SMTP.send

    def counted(self: smtplib.SMTP, data: Any) -> None:
        written.append(data if isinstance(data, bytes) else data.encode())
        send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", counted)
    return written


async def statuses(rows: list[OutboxMessage]) -> list[tuple[OutboxStatus, int]]:
    after = [await OutboxMessage.get(id=m.id) for m in rows]
    return [(m.status, m.attempts) for m in after]


async def test_a_pipelined_batch_costs_one_write_a_message(
    db: None, smtp: tuple[str, Sink], writes: list[bytes]
) -> None:
    url, sink = smtp
    rows = await messages(*addresses(5))
    result = await delivery.deliver_batch([m.id for m in rows], url)
    assert (result.sent, result.deferred, result.failed) == (5, 0, 0)
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in rows}
    transactions = [w for w in writes if b"mail FROM:" in w]
    assert len(transactions) == 5
    # Each write after the first carries the previous message's content and the next's
    # commands; the last carries the last content alone (EHLO and NOOP are written apart).
    assert all(b"\r\n.\r\nmail FROM:" in w for w in transactions[1:])
    assert writes[-1].endswith(b"\r\n.\r\n") and b"mail FROM:" not in writes[-1]
    assert len(writes) <= 5 + 3


class CountingResets(Sink):
    resets = 0

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.resets += 1
        return "250 OK"


async def test_refusals_amid_a_pipelined_batch_spoil_nothing_else(db: None) -> None:
    sink = CountingResets()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"smtp://127.0.0.1:{port}"
    sink.data_replies = ["451 4.3.0 Try again later"]  # the first message's content
    sink.refused = {"elev1@example.se"}  # the second message's recipient
    rows = await messages(*addresses(5))
    try:
        result = await delivery.deliver_batch([m.id for m in rows], url)
    finally:
        controller.stop()
    assert (result.sent, result.deferred, result.failed) == (3, 1, 1)
    # The refused recipient's transaction was reset before the next MAIL (the refused
    # content ended its own); no other was.
    assert sink.resets == 1
    sent = {f"<outbox-{m.id}@prao>": 1 for m in rows[2:]}
    assert sink.by_message_id() == sent
    assert await statuses(rows) == [
        (OutboxStatus.PENDING, 1),
        (OutboxStatus.FAILED, 1),
        *[(OutboxStatus.SENT, 1)] * 3,
    ]
    failed = await OutboxMessage.get(id=rows[1].id)
    assert failed.last_error == "550 5.1.1 No such user"
    deferred = await OutboxMessage.get(id=rows[0].id)
    assert deferred.last_error.startswith("451") and deferred.next_attempt_at is not None


async def test_an_address_that_cannot_be_written_defers_only_its_own_message(
    db: None, smtp: tuple[str, Sink]
) -> None:
    url, sink = smtp
    rows = await messages("elev0@example.se", "åsa@exempel.se", "elev2@example.se")
    result = await delivery.deliver_batch([m.id for m in rows], url)
    assert (result.sent, result.deferred) == (2, 1)
    assert sink.by_message_id() == {f"<outbox-{rows[i].id}@prao>": 1 for i in (0, 2)}
    odd = await OutboxMessage.get(id=rows[1].id)
    assert odd.status == OutboxStatus.PENDING and odd.last_error.startswith("UnicodeEncodeError")


async def test_without_pipelining_the_commands_go_one_at_a_time(
    db: None, plain_smtp: tuple[str, Sink], writes: list[bytes]
) -> None:
    url, sink = plain_smtp
    sink.refused = {"elev1@example.se"}
    rows = await messages(*addresses(3))
    result = await delivery.deliver_batch([m.id for m in rows], url)
    assert (result.sent, result.failed) == (2, 1)
    assert sink.by_message_id() == {f"<outbox-{rows[i].id}@prao>": 1 for i in (0, 2)}
    assert not [w for w in writes if b"mail FROM:" in w and b"rcpt TO:" in w]
    assert await statuses(rows) == [
        (OutboxStatus.SENT, 1),
        (OutboxStatus.FAILED, 1),
        (OutboxStatus.SENT, 1),
    ]


@pytest.mark.parametrize(
    "address",
    [
        "elev1@example.se",
        "a.b-c+d@x.y.se",
        "Åsa <åsa@exempel.se>",
        "<a@b.se>",
        "a..b@c.se",
        ".a@b.se",
        "a b@c.se",
        '"x y"@c.se',
        "a@[1.2.3.4]",
        "åsa@exempel.se",
        "",
    ],
)
def test_addresses_are_quoted_as_smtplib_quotes_them(address: str) -> None:
    assert quoteaddr(address) == smtplib.quoteaddr(address)


async def test_an_address_with_a_line_break_smuggles_no_command(
    db: None, smtp: tuple[str, Sink], writes: list[bytes]
) -> None:
    url, sink = smtp
    evil = "elev1\r\nRCPT TO:<spy@example.com>"  # quoteaddr alone makes <spy@…> of it
    rows = await messages("elev0@example.se", evil, "elev2@example.se")
    result = await delivery.deliver_batch([m.id for m in rows], url)
    assert (result.sent, result.deferred) == (2, 1)
    assert not any(b"spy@example.com" in w for w in writes)
    assert all(m["To"] != evil for m in sink.messages) and len(sink.messages) == 2
    odd = await OutboxMessage.get(id=rows[1].id)
    assert odd.status == OutboxStatus.PENDING and "newline" in odd.last_error


async def test_a_server_that_is_down_is_tried_once_for_the_whole_batch(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[str] = []
    connect = smtp_send._connect

    def counted(url: str) -> smtplib.SMTP:
        tries.append(url)
        return connect(url)

    monkeypatch.setattr(smtp_send, "_connect", counted)
    rows = await messages(*addresses(25))
    result = await delivery.deliver_batch([m.id for m in rows], f"smtp://127.0.0.1:{free_port()}")
    assert (result.sent, result.deferred) == (0, len(rows)) and len(tries) == 1
    assert await statuses(rows) == [(OutboxStatus.PENDING, 1)] * len(rows)


class HeldSink(Sink):
    """Holds the content of the message to `held` until `release` is set."""

    def __init__(self, held: str) -> None:
        super().__init__()
        self.held = held
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.held in envelope.rcpt_tos:
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


async def test_a_batch_marks_what_went_out_as_it_goes(db: None) -> None:
    """What a worker that died now would leave sent but unmarked is the message on the wire,
    not the batch: the ones before it are marked already."""
    held = 14
    sink = HeldSink(held=f"elev{held}@example.se")
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        rows = await messages(*addresses(25))
        url = f"smtp://127.0.0.1:{port}"
        sending = asyncio.create_task(delivery.deliver_batch([m.id for m in rows], url))
        assert await asyncio.to_thread(sink.holding.wait, 30)
        await asyncio.sleep(0.3)  # the marks of the ones before are written by now
        during = [status for status, _ in await statuses(rows)]
        sink.release.set()
        result = await sending
    finally:
        sink.release.set()
        controller.stop()
    assert during == [OutboxStatus.SENT] * held + [OutboxStatus.SENDING] * (25 - held)
    assert result.sent == len(rows)
    assert await statuses(rows) == [(OutboxStatus.SENT, 1)] * len(rows)
    assert sink.by_message_id() == {f"<outbox-{m.id}@prao>": 1 for m in rows}


class ClosingSink(Sink):
    """Ends each session soon after it accepts a message (as a server ends idle sessions)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return await super().handle_DATA(server, session, envelope)


def outgoing(index: int) -> Outgoing:
    return Outgoing(index, f"elev{index}@example.se", "Prov", "Hej!", None, None, None, 1)


def test_a_kept_connection_the_server_closed_is_replaced_without_blaming_a_message() -> None:
    sink = ClosingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"smtp://127.0.0.1:{port}"
    try:
        with ThreadPoolExecutor(1) as thread:  # one thread: the connection it keeps is reused
            first = thread.submit(smtp_send.send_batch, url, [outgoing(1)], threading.Event(), 9)
            assert [error for _, error in first.result()] == [None]
            time.sleep(0.3)  # the server has closed the session by now
            batch = [outgoing(2), outgoing(3)]
            second = thread.submit(smtp_send.send_batch, url, batch, threading.Event(), 9)
            assert [error for _, error in second.result()] == [None, None]
            thread.submit(smtp_send.connections.drop).result()
    finally:
        controller.stop()
    assert sink.by_message_id() == {f"<outbox-{i}@prao>": 1 for i in (1, 2, 3)}


async def test_a_mark_that_fails_stops_the_batch_sending(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What went out but cannot be marked will be sent again: no more of it than need be."""

    async def away(ids: list[int], now: Any) -> None:
        raise ConnectionError("the database is away")

    monkeypatch.setattr(delivery, "_mark_sent", away)
    sink = HeldSink(held="elev1@example.se")  # the first mark fails while this one is held
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        rows = await messages(*addresses(25))
        sending = asyncio.create_task(
            delivery.deliver_batch([m.id for m in rows], f"smtp://127.0.0.1:{port}")
        )
        assert await asyncio.to_thread(sink.holding.wait, 30)
        await asyncio.sleep(0.3)  # the first mark has failed by now
        sink.release.set()
        with pytest.raises(ConnectionError):
            await sending
    finally:
        sink.release.set()
        controller.stop()
    # The first, the one on the wire when its mark failed, perhaps the next; no more.
    assert 2 <= len(sink.messages) <= 3
