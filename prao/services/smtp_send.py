"""Sending a batch of messages over one kept SMTP connection, pipelined where the server allows.

With PIPELINING (RFC 2920, which every common server offers) a message costs one round trip
instead of four: its MAIL, RCPT and DATA go in one write, and its content goes in the write that
starts the next message. The replies still come one by one, in order, so each message learns
its own outcome, and a refusal spoils nothing else (a failed transaction is RSET first). A server
without it gets the commands one at a time, through smtplib's sendmail. Errors are smtplib's
exceptions either way, so that deciding what is permanent does not care which path sent."""

from __future__ import annotations

import contextlib
import re
import smtplib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from smtplib import SMTPDataError
from urllib.parse import unquote, urlparse

from prao.services.mail_wire import FROM_ADDRESS_BARE, Outgoing, wire_form

SMTP_TIMEOUT_SECONDS = 30
CHECK_IDLE_SECONDS = 2.0  # a connection idle longer is checked with NOOP before it is used
CRLF = b"\r\n"

Tried = list[tuple[Outgoing, Exception | None]]
More = Callable[[], bool]


class _Connections(threading.local):
    """One open SMTP connection per sending thread, kept between messages and batches: opening
    one costs more than sending a message. Checked with NOOP when a batch starts on it after it
    lay idle (a server drops idle sessions); dropped after any error that may have spoiled the
    session."""

    url: str | None = None
    smtp: smtplib.SMTP | None = None
    used = 0.0  # time.monotonic() when it last finished a batch
    fresh = False  # the one `get` answered was opened just now

    def get(self, smtp_url: str, check: bool) -> smtplib.SMTP:
        self.fresh = False
        if self.smtp is not None and self.url == smtp_url:
            if not check or time.monotonic() - self.used < CHECK_IDLE_SECONDS:
                return self.smtp
            try:
                if self.smtp.noop()[0] == 250:
                    return self.smtp
            except (OSError, smtplib.SMTPException):
                pass
            self.drop()
        self.smtp, self.url, self.fresh = _connect(smtp_url), smtp_url, True
        return self.smtp

    def drop(self) -> None:
        smtp, self.smtp, self.url = self.smtp, None, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()


connections = _Connections()


def _connect(smtp_url: str) -> smtplib.SMTP:
    url = urlparse(smtp_url)
    port = url.port or (465 if url.scheme == "smtps" else 25)
    host = url.hostname or "127.0.0.1"
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    smtp = smtp_class(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if url.username:
            if url.scheme != "smtps":
                smtp.starttls()
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.ehlo_or_helo_if_needed()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _session_survives(exc: Exception, smtp: smtplib.SMTP) -> bool:
    """smtplib resets the session after a refused sender, recipient or message (and closes it
    after a 421); anything else leaves it in an unknown state."""
    refused = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
    return isinstance(exc, refused) and smtp.sock is not None


class Reported(list[tuple[Outgoing, Exception | None]]):
    """The outcomes so far, each one told to `told()` as it is known (from the sending thread),
    so that they can be recorded while the batch goes on."""

    def __init__(self, told: Callable[[], object]) -> None:
        super().__init__()
        self.told = told

    def append(self, outcome: tuple[Outgoing, Exception | None]) -> None:
        super().append(outcome)
        self.told()

    def extend(self, outcomes: Iterable[tuple[Outgoing, Exception | None]]) -> None:
        super().extend(outcomes)
        self.told()


def send_batch(
    smtp_url: str,
    batch: Sequence[Outgoing],
    stop: threading.Event,
    seconds: float,
    tried: Tried | None = None,
) -> Tried:
    """Sends in turn over this thread's connection (off the event loop) and answers what
    became of each message it tried, in order, in `tried` (a `Reported` tells each as it comes);
    it takes no more once `stop` is set or `seconds` are up. When the server cannot be reached,
    the rest share that error: a hundred attempts to connect to a dead server in a row would
    tell nothing more."""
    tried = [] if tried is None else tried
    deadline = time.monotonic() + seconds

    def more() -> bool:
        return not stop.is_set() and time.monotonic() <= deadline

    checked = False
    while len(tried) < len(batch) and more():
        try:
            smtp = connections.get(smtp_url, check=not checked)
        except Exception as exc:
            tried.extend((rest, exc) for rest in batch[len(tried) :])
            break
        checked = True
        if smtp.has_extn("pipelining"):
            _Pipeline(smtp, batch, tried, more, connections.fresh).run()
        else:
            _send_one(smtp, batch[len(tried)], tried)
    connections.used = time.monotonic()
    return tried


def _send_one(smtp: smtplib.SMTP, message: Outgoing, tried: Tried) -> None:
    try:
        email = wire_form(message)
    except Exception as exc:  # this message's fault: it must not cost the batch its marks
        tried.append((message, exc))
        return
    try:
        smtp.sendmail(FROM_ADDRESS_BARE, [message.to_address], email)
    except Exception as exc:
        if not _session_survives(exc, smtp):
            connections.drop()  # the next message starts afresh
        tried.append((message, exc))
    else:
        tried.append((message, None))


# A plain addr-spec (dot-atoms of RFC 5322's atext on either side of the @) is what smtplib's
# quoteaddr makes of it, in angle brackets; parsing it to find that out cost 150 µs a message.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)


def quoteaddr(address: str) -> str:
    """smtplib.quoteaddr(address), quickly where the address is plain."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return str(smtplib.quoteaddr(address))


_FROM = quoteaddr(FROM_ADDRESS_BARE)


def _envelope(smtp: smtplib.SMTP, message: Outgoing) -> tuple[bytes, bytes]:
    """The commands that open the message's transaction, and its content, as smtplib sends
    them (the SIZE it declares, its quoting of addresses and of lines that start with a dot)."""
    if "\r" in message.to_address or "\n" in message.to_address:
        # What smtplib refuses too: a line break would smuggle commands of its own.
        raise ValueError("command and arguments contain prohibited newline characters")
    email = wire_form(message)
    options = f" size={len(email)}" if smtp.has_extn("size") else ""
    commands = (
        f"mail FROM:{_FROM}{options}\r\nrcpt TO:{quoteaddr(message.to_address)}\r\ndata\r\n"
    ).encode(smtp.command_encoding)
    content = smtplib._quote_periods(email)  # type: ignore[attr-defined]
    if content[-2:] != CRLF:
        content += CRLF
    return commands, content + b"." + CRLF


Reply = tuple[int, bytes]
Opening = tuple[Outgoing, bytes, bytes]  # a message, its commands, its content


class _Pipeline:
    """From the first message not yet tried on, one write a message: the content of the one
    the server waits for (it said 354), then the next one's commands; the replies are read in
    order. Ends when the batch is done, `more()` says stop, or the connection is lost; a
    message whose content went out then counts as tried, one whose commands were merely
    written goes again over a new connection, unless nothing else was tried over a `fresh`
    one (a kept one may have been closed by the server meanwhile: that is no one's fault)."""

    def __init__(
        self, smtp: smtplib.SMTP, batch: Sequence[Outgoing], tried: Tried, more: More, fresh: bool
    ) -> None:
        self.smtp, self.batch, self.tried, self.more = smtp, batch, tried, more
        self.fresh = fresh
        self.waiting: tuple[Outgoing, bytes] | None = None  # its content is owed to the server
        self.reset = False  # the last transaction failed before its content: RSET first
        self.recorded = len(tried)

    def run(self) -> None:
        while True:
            index = len(self.tried) + (self.waiting is not None)
            opening, unbuildable = self._open(index)
            if self.waiting is None and opening is None:
                if unbuildable is None:
                    return
                self.tried.append((self.batch[index], unbuildable))
                continue
            try:
                replies = self._exchange(opening)
            except (OSError, smtplib.SMTPException) as exc:
                connections.drop()
                if self.waiting is not None:  # its content went out: the server may have it
                    self.tried.append((self.waiting[0], exc))
                elif opening is not None and len(self.tried) == self.recorded and self.fresh:
                    self.tried.append((opening[0], exc))  # else this could go on for ever
                return
            if unbuildable is not None:  # after the one that was in flight, in order
                self.tried.append((self.batch[index], unbuildable))
            if replies is None:
                if self.smtp.sock is None:
                    return
                continue
            assert opening is not None
            if not self._opened(opening, *replies):
                return

    def _open(self, index: int) -> tuple[Opening | None, Exception | None]:
        """The next message's commands and content, if it is time for one."""
        if index >= len(self.batch) or not self.more():
            return None, None
        try:
            return (self.batch[index], *_envelope(self.smtp, self.batch[index])), None
        except Exception as exc:  # this message's fault alone: none of it is sent
            return None, exc

    def _exchange(self, opening: Opening | None) -> tuple[Reply, Reply, Reply] | None:
        """One write, and the replies to it: to the content in flight, then to the opening's
        commands (None when there is no opening, or the server is closing the session)."""
        out = self.waiting[1] if self.waiting is not None else b""
        if opening is not None:
            out += (b"RSET\r\n" if self.reset else b"") + opening[1]
        self.smtp.send(out)
        if self.waiting is not None:
            code, reply = self.smtp.getreply()
            error = None if code == 250 else SMTPDataError(code, reply)
            self.tried.append((self.waiting[0], error))
            self.waiting = None
            if code == 421:  # closing: whatever was opened meanwhile goes again
                connections.drop()
                return None
        if opening is None:
            return None
        if self.reset:
            self.smtp.getreply()
            self.reset = False
        return self.smtp.getreply(), self.smtp.getreply(), self.smtp.getreply()

    def _opened(self, opening: Opening, mail: Reply, rcpt: Reply, data: Reply) -> bool:
        """Whether the session goes on after these replies to the opening's commands."""
        message = opening[0]
        accepted = mail[0] == 250 and rcpt[0] in (250, 251)
        if accepted and data[0] == 354:
            self.waiting = (message, opening[2])
            return True
        self.reset = True
        failure: Exception
        if mail[0] != 250:
            failure = smtplib.SMTPSenderRefused(mail[0], mail[1], FROM_ADDRESS_BARE)
        elif rcpt[0] not in (250, 251):
            failure = smtplib.SMTPRecipientsRefused({message.to_address: rcpt})
        else:
            failure = SMTPDataError(data[0], data[1])
        self.tried.append((message, failure))
        # A server closing, or one that wants content for a transaction we did not open.
        if 421 in (mail[0], rcpt[0], data[0]) or data[0] == 354:
            connections.drop()
            return False
        return True
