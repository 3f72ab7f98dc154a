"""Delivering outbox messages over SMTP, exactly once per message as far as we can know.

A worker claims a batch of messages in one conditional UPDATE (pending → sending, those due),
so two workers never send the same one, and sends them in turn over one SMTP connection that it
keeps between batches, pipelined where the server allows (prao.services.smtp_send). The sent
ones are marked while the batch goes on, in one UPDATE for those that came in meanwhile; a
temporary failure puts a message back to pending with a later attempt time; a permanent refusal
marks it failed for the coordinator to see. Neither spoils the rest of the batch. While a batch
is sending, its claim is renewed every few seconds; the sweep frees a claim that was not
renewed for STALE_CLAIM (its worker died) and re-enqueues whatever is still waiting. The
Message-ID lets a receiving server drop the rare duplicate (a worker killed after the server
accepted but before the mark: the message on the wire and the few accepted in the last
MARK_SECONDS)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.expressions import F, Q

from prao import clock
from prao.models import OutboxMessage, OutboxStatus
from prao.services.mail_wire import Outgoing
from prao.services.smtp_send import Reported, Tried, send_batch

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30.0  # first retry after this, doubling up to RETRY_MAX_SECONDS
RETRY_MAX_SECONDS = 3600.0
SWEEP_AFTER = timedelta(minutes=1)  # pending longer than this: enqueue again
BATCH_SIZE = 100  # messages a job claims and sends over one connection
MARK_SECONDS = 0.02  # what a batch sent is marked this often (what a crash can send twice)
# A claim lives STALE_CLAIM unless renewed; a batch renews it every RENEW_SECONDS while it sends.
# With the sweep every SWEEP_EVERY_SECONDS, a dead worker's messages are pending again within
# STALE_CLAIM + SWEEP_EVERY_SECONDS (45 s), under the minute promised.
STALE_CLAIM = timedelta(seconds=30)
RENEW_SECONDS = 10.0
SWEEP_EVERY_SECONDS = 15
# A batch takes no new message after this, so that it ends well within its job's timeout.
BATCH_SECONDS = 60.0
SWEEP_BATCH = 10_000
MAX_ERROR_LENGTH = 1000


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> float:
    return float(min(base * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


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


# One statement claims the batch and answers what sending needs; attempts counts the claim and
# fences it (a swept and re-claimed message is no longer ours). A message deferred after a
# temporary failure is not due before its next_attempt_at, whichever job asks for it.
CLAIM_POSTGRES = """
UPDATE outbox_message SET status = $1, claimed_at = $2, attempts = attempts + 1
WHERE id = ANY($4::int[]) AND status = $3 AND to_address IS NOT NULL
  AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
RETURNING id, to_address, subject, body, attachment, attachment_name, attachment_type, attempts
"""
CLAIM_SQLITE = """
UPDATE outbox_message SET status = ?, claimed_at = ?, attempts = attempts + 1
WHERE id IN ({placeholders}) AND status = ? AND to_address IS NOT NULL
  AND (next_attempt_at IS NULL OR julianday(next_attempt_at) <= julianday(?))
RETURNING id, to_address, subject, body, attachment, attachment_name, attachment_type, attempts
"""
MARK_SENT_POSTGRES = """
UPDATE outbox_message SET status = $1, sent_at = $2, claimed_at = NULL WHERE id = ANY($3::int[])
"""
MARK_SENT_SQLITE = """
UPDATE outbox_message SET status = ?, sent_at = ?, claimed_at = NULL WHERE id IN ({placeholders})
"""


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0  # refused for good
    skipped: int = 0  # not ours to send now: sent, claimed elsewhere, no address or no SMTP
    deferred: int = 0  # pending again, after a temporary failure or untried
    retry_in: float | None = None  # seconds until the deferred are worth another try

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, failed {self.failed}, deferred {self.deferred},"
            f" skipped {self.skipped}"
        )


@dataclass
class _Claim:
    ids: list[int]
    at: datetime  # the claim's time, renewed while it sends; it fences the renewal
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def claim_batch(message_ids: Sequence[int], now: datetime) -> list[Outgoing]:
    """Take the pending ones of these messages for sending (those with somewhere to go and
    due by `now`)."""
    ids = sorted(set(message_ids))
    if not ids:
        return []
    conn = connections.get("default")
    sending, pending = OutboxStatus.SENDING.value, OutboxStatus.PENDING.value
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(CLAIM_POSTGRES, [sending, now, pending, ids])
    else:
        sql = CLAIM_SQLITE.format(placeholders=", ".join("?" * len(ids)))
        rows = await conn.execute_query_dict(sql, [sending, now, *ids, pending, now])
    return sorted((Outgoing(**row) for row in rows), key=lambda message: message.id)


async def _mark_sent(ids: list[int], now: datetime) -> None:
    """One statement, written by hand: it runs several times a batch."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(MARK_SENT_POSTGRES, [OutboxStatus.SENT.value, now, ids])
    else:
        sql = MARK_SENT_SQLITE.format(placeholders=", ".join("?" * len(ids)))
        await conn.execute_query(sql, [OutboxStatus.SENT.value, now, *ids])


async def deliver_batch(
    message_ids: Sequence[int], smtp_url: str | None, retry_base: float = RETRY_BASE_SECONDS
) -> BatchResult:
    """Send these messages over one connection; without SMTP configured they stay pending and
    visible on the outbox page. A temporary failure defers only its message (`retry_in`)."""
    if smtp_url is None:
        return BatchResult(skipped=len(message_ids))
    claim = _Claim([], clock.now())
    batch = await claim_batch(message_ids, claim.at)
    result = BatchResult(skipped=len(set(message_ids)) - len(batch))
    if not batch:
        return result
    claim.ids = [message.id for message in batch]
    heartbeat = asyncio.create_task(_renew(claim))
    stop = threading.Event()
    work = asyncio.ensure_future(_send_in_turn(smtp_url, batch, stop, retry_base, result))
    try:
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            # Shutdown or the job's timeout: finish the message on the wire, record what went
            # out (else the sweep would send it again), leave the rest pending. The work goes
            # on in a task of its own, seen through to the end however often this one is
            # cancelled meanwhile.
            stop.set()
            await _see_through(work)
            raise
    finally:
        claim.done.set()
        await heartbeat
    return result


async def _send_in_turn(
    smtp_url: str,
    batch: Sequence[Outgoing],
    stop: threading.Event,
    retry_base: float,
    result: BatchResult,
) -> None:
    """Sends the batch in one go and records the outcomes while it goes on: each mark takes
    whatever came in since the one before (at least MARK_SECONDS before), so a worker that dies
    leaves only those few sent but unmarked, and the marks cost fewer statements a message the
    faster mail goes.
    What was not tried when the sending ends (`stop`, BATCH_SECONDS) is given back."""
    loop = asyncio.get_running_loop()
    arrived = asyncio.Event()
    tried = Reported(lambda: loop.call_soon_threadsafe(arrived.set))
    sending = asyncio.ensure_future(
        asyncio.to_thread(send_batch, smtp_url, batch, stop, BATCH_SECONDS, tried)
    )
    recorded = 0
    try:
        while not sending.done():
            waiting = asyncio.ensure_future(arrived.wait())
            await asyncio.wait([sending, waiting], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            arrived.clear()
            known = len(tried)
            if known > recorded:
                await _record(batch[recorded:known], tried[recorded:known], retry_base, result)
                recorded = known
                # Marks at most every MARK_SECONDS: a statement a message would cost more
                # than the message when the server answers slowly.
                await asyncio.wait([sending], timeout=MARK_SECONDS)
    except BaseException:
        # A mark failed (the database is away): send no more that could not be marked either.
        stop.set()
        with contextlib.suppress(Exception):
            await sending
        raise
    await sending  # its error, if it had one
    await _record(batch[recorded:], tried[recorded:], retry_base, result)


async def _see_through(task: asyncio.Future[None]) -> None:
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    task.result()


async def _renew(claim: _Claim) -> None:
    """Keeps the batch's claim fresh while it sends, so the sweep leaves it alone however slow
    the server; a claim swept meanwhile (the renewal came too late) is left to its new owner."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(claim.done.wait(), RENEW_SECONDS)
            return
        now = clock.now()
        try:
            await OutboxMessage.filter(
                id__in=claim.ids, status=OutboxStatus.SENDING, claimed_at=claim.at
            ).update(claimed_at=now)
        except Exception:  # a database hiccup: the next renewal may get through
            log.exception("renewing the claim of %s messages failed", len(claim.ids))
        else:
            claim.at = now


async def _record(
    batch: Sequence[Outgoing], tried: Tried, retry_base: float, result: BatchResult
) -> None:
    now = clock.now()
    sent = [message.id for message, error in tried if error is None]
    if sent:
        # Unfenced: a message whose claim was swept meanwhile was sent all the same.
        await _mark_sent(sent, now)
    result.sent += len(sent)
    # The rest a few statements at a time: alike outcomes (the same error, the same attempt,
    # e.g. a server that is down) share one UPDATE, fenced by the attempt count.
    groups: dict[tuple[int, str, bool], list[int]] = {}
    for message, error in tried:
        if error is not None:
            key = (message.attempts, describe(error), is_permanent(error))
            groups.setdefault(key, []).append(message.id)
    retry: list[float] = []
    for (attempts, error_text, permanent), ids in groups.items():
        mine = OutboxMessage.filter(id__in=ids, status=OutboxStatus.SENDING, attempts=attempts)
        if permanent:
            await mine.update(status=OutboxStatus.FAILED, last_error=error_text, claimed_at=None)
            log.warning("messages %s refused for good: %s", ids, error_text)
            result.failed += len(ids)
            continue
        seconds = backoff(attempts, retry_base)
        await mine.update(
            status=OutboxStatus.PENDING,
            last_error=error_text,
            claimed_at=None,
            next_attempt_at=now + timedelta(seconds=seconds),
        )
        result.deferred += len(ids)
        retry.append(seconds)
    untried = batch[len(tried) :]
    for attempts in {message.attempts for message in untried}:
        ids = [message.id for message in untried if message.attempts == attempts]
        # Not tried after all: the claim gives its attempt back.
        await OutboxMessage.filter(
            id__in=ids, status=OutboxStatus.SENDING, attempts=attempts
        ).update(status=OutboxStatus.PENDING, claimed_at=None, attempts=F("attempts") - 1)
        result.deferred += len(ids)
        retry.append(0.0)
    if retry:
        result.retry_in = min([*retry, *([] if result.retry_in is None else [result.retry_in])])


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
