"""Delivering outbox messages over SMTP, exactly once per message as far as we can know.

A worker claims a message with a conditional UPDATE (pending → sending), so two workers never
send the same one; it is marked sent only after the SMTP server accepted it. A temporary failure
puts it back to pending with a later attempt time; a permanent refusal marks it failed for the
coordinator to see. The sweep re-enqueues whatever is still waiting and frees claims left by a
worker that died mid-send. The Message-ID lets a receiving server drop the rare duplicate (a
worker killed after the server accepted but before the database heard of it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import threading
from datetime import datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate
from enum import StrEnum
from urllib.parse import unquote, urlparse

from tortoise.expressions import F, Q

from prao import clock
from prao.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

FROM_ADDRESS_BARE = "noreply@prao.local"
FROM_ADDRESS = f"Prao <{FROM_ADDRESS_BARE}>"
SMTP_TIMEOUT_SECONDS = 30
RETRY_BASE_SECONDS = 30.0  # first retry after this, doubling up to RETRY_MAX_SECONDS
RETRY_MAX_SECONDS = 3600.0
SWEEP_AFTER = timedelta(minutes=1)  # pending longer than this: enqueue again
STALE_CLAIM = timedelta(minutes=5)  # longer than any send may take (job timeout + margin)
SWEEP_BATCH = 10_000
MAX_ERROR_LENGTH = 1000
WIRE = compat32.clone(linesep="\r\n")  # smtplib sends bytes as they are


class Delivered(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # not ours to send now: sent, claimed elsewhere, no address or no SMTP
    FAILED = "failed"  # refused for good


class DeliveryDeferred(Exception):
    """A temporary failure: the message is pending again, to be tried after `seconds`."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> float:
    return float(min(base * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def message_id_header(message_id: int) -> str:
    return f"<outbox-{message_id}@prao>"


def is_permanent(exc: BaseException) -> bool:
    """A 5xx refusal of the recipient or of the message itself. Everything else (connection
    refused, 4xx, a refused sender or login, which are our configuration) is worth retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def describe(exc: BaseException) -> str:
    """The server's own words where it gave any ("550 5.1.1 No such user")."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = [_reply(code, text) for code, text in exc.recipients.values()]
        return "; ".join(refusals)[:MAX_ERROR_LENGTH]
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)[:MAX_ERROR_LENGTH]
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()


def build_email(message: OutboxMessage) -> Message:
    """The MIME message. Built with the compat32 classes: the modern EmailMessage API parses
    every header it is given and cost milliseconds of CPU a message."""
    text = MIMEText(message.body, "plain", "utf-8")
    email: Message = text
    if message.attachment is not None:
        maintype, _, subtype = (message.attachment_type or "text/plain").partition("/")
        part: Message
        if maintype == "text":
            part = MIMEText(message.attachment, subtype, "utf-8")
            if subtype == "calendar":
                part.set_param("method", "PUBLISH")
        else:
            part = MIMEApplication(message.attachment.encode(), subtype)
        part.add_header("Content-Disposition", "attachment", filename=message.attachment_name)
        email = MIMEMultipart("mixed")
        email.attach(text)
        email.attach(part)
    email["From"] = FROM_ADDRESS
    email["To"] = message.to_address or ""
    email["Subject"] = Header(message.subject, "utf-8").encode()
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id_header(message.id)
    return email


class _Connections(threading.local):
    """One open SMTP connection per sending thread, kept between messages: opening one costs
    more than sending a message. Checked with NOOP before use; dropped after any error."""

    url: str | None = None
    smtp: smtplib.SMTP | None = None

    def get(self, smtp_url: str) -> smtplib.SMTP:
        if self.smtp is not None and self.url == smtp_url:
            try:
                if self.smtp.noop()[0] == 250:
                    return self.smtp
            except (OSError, smtplib.SMTPException):
                pass
            self.drop()
        self.smtp, self.url = _connect(smtp_url), smtp_url
        return self.smtp

    def drop(self) -> None:
        smtp, self.smtp, self.url = self.smtp, None, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()


_connections = _Connections()


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
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send(smtp_url: str, message: OutboxMessage) -> None:
    email = build_email(message)  # here, in the thread, off the event loop
    smtp = _connections.get(smtp_url)
    try:
        smtp.sendmail(FROM_ADDRESS_BARE, [message.to_address or ""], email.as_bytes(policy=WIRE))
    except BaseException:
        _connections.drop()  # whatever state the session is in, the next message starts afresh
        raise


async def claim(message_id: int, now: datetime) -> OutboxMessage | None:
    """Take the message for sending, or None when it is not pending (or has nowhere to go)."""
    claimed = await OutboxMessage.filter(
        id=message_id, status=OutboxStatus.PENDING, to_address__isnull=False
    ).update(status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return await OutboxMessage.get(id=message_id)


async def deliver_message(
    message_id: int, smtp_url: str | None, retry_base: float = RETRY_BASE_SECONDS
) -> Delivered:
    """Send one message; without SMTP configured it stays pending and visible on the outbox page.
    Raises DeliveryDeferred on a temporary failure."""
    if smtp_url is None:
        return Delivered.SKIPPED
    now = clock.now()
    message = await claim(message_id, now)
    if message is None:
        return Delivered.SKIPPED
    # The attempt count fences the claim: a swept and re-claimed message is no longer ours.
    mine = OutboxMessage.filter(
        id=message.id, status=OutboxStatus.SENDING, attempts=message.attempts
    )
    try:
        await asyncio.to_thread(_send, smtp_url, message)
    except Exception as exc:
        error = describe(exc)
        if is_permanent(exc):
            await mine.update(status=OutboxStatus.FAILED, last_error=error, claimed_at=None)
            log.warning("message %s refused for good: %s", message.id, error)
            return Delivered.FAILED
        seconds = backoff(message.attempts, retry_base)
        await mine.update(
            status=OutboxStatus.PENDING,
            last_error=error,
            claimed_at=None,
            next_attempt_at=clock.now() + timedelta(seconds=seconds),
        )
        raise DeliveryDeferred(seconds, error) from exc
    if not await mine.update(status=OutboxStatus.SENT, sent_at=clock.now(), claimed_at=None):
        # The claim outlived STALE_CLAIM and was swept; record the send all the same.
        await OutboxMessage.filter(id=message.id).update(
            status=OutboxStatus.SENT, sent_at=clock.now(), claimed_at=None
        )
    return Delivered.SENT


async def sweep_outbox(now: datetime) -> list[int]:
    """Free stale claims, then return the ids of messages waiting longer than SWEEP_AFTER (since
    they were written, or since their retry time), for the caller to enqueue again."""
    stale = OutboxMessage.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stale_ids: list[int] = [int(i) for i in await stale.values_list("id", flat=True)]  # type: ignore[call-overload]
    if stale_ids:
        # Conditional again: a claim renewed meanwhile is not freed.
        await stale.filter(id__in=stale_ids).update(status=OutboxStatus.PENDING, claimed_at=None)
        log.warning("outbox sweep freed %s stale claims", len(stale_ids))
    cut = now - SWEEP_AFTER
    # A freed claim is due at once, however young the message: its worker died with it.
    due = (
        Q(next_attempt_at__lt=cut)
        | Q(next_attempt_at__isnull=True, created_at__lt=cut)
        | Q(id__in=stale_ids or [0])
    )
    ids = (
        await OutboxMessage.filter(due, status=OutboxStatus.PENDING, to_address__isnull=False)
        .order_by("id")
        .limit(SWEEP_BATCH)
        .values_list("id", flat=True)
    )
    return [int(i) for i in ids]  # type: ignore[call-overload]
