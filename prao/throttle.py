"""Throttling of mail-sending actions and of public look-ups (a certificate's verification
code), counted in the database so that every web process and worker sees the same counts: at
most `limit` actions per key within a sliding window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from prao import clock
from prao.errors import DomainError, ErrorCode
from prao.models import MailThrottle

MAX_KEY = 300  # the column's length
# Rows older than the longest window count for nothing; the cron deletes them.
LONGEST_WINDOW = timedelta(days=1)

QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

SIGN_UPS_PER_ADDRESS = 3  # a quarter of an hour
SIGN_UPS_PER_CALLER = 10  # an hour
INVITES_PER_ADDRESS = 3  # a day
INVITES_PER_EMPLOYER = 20  # a day
# Anyone may check a certificate's code, found or not; a few papers a quarter of an hour is
# plenty, and the codes (31^12 of them) cannot be tried in bulk.
VERIFICATIONS_PER_CALLER = 20
TOO_MANY_CHECKS = (
    "Du har kontrollerat många intyg på kort tid. Vänta en kvart och försök igen. "
    "Behöver du kontrollera fler, kontakta kommunen."
)
TOO_OFTEN = (
    "Det har skickats flera e-postmeddelanden till adressen eller härifrån på kort tid. "
    "Vänta en stund och försök igen."
)


@dataclass(frozen=True)
class Rule:
    key: str
    limit: int
    window: timedelta


def rule(kind: str, subject: str | int, limit: int, window: timedelta) -> Rule:
    return Rule(f"{kind}:{str(subject).strip().lower()}"[:MAX_KEY], limit, window)


async def allow(*rules: Rule, connection: BaseDBAsyncClient | None = None) -> bool:
    """Whether every rule still has room; if so, the action is counted under each key."""
    return await check(*rules, connection=connection) is None


async def check(*rules: Rule, connection: BaseDBAsyncClient | None = None) -> Rule | None:
    """The first rule without room (nothing counted), or None: allowed and counted.

    All or nothing: a refused action counts under no key. On PostgreSQL an advisory lock per
    key (taken in key order, so two callers never wait on each other crosswise) serialises
    the count and the insert, so concurrent requests cannot exceed a limit; SQLite serialises
    writers anyway. Given a connection, the locks last until its transaction ends."""
    if connection is not None:
        return await _check(rules, connection)
    async with in_transaction() as conn:
        return await _check(rules, conn)


async def _check(rules: tuple[Rule, ...], conn: BaseDBAsyncClient) -> Rule | None:
    now = clock.now()
    ordered = sorted(rules, key=lambda r: r.key)
    if conn.capabilities.dialect == "postgres":
        for r in ordered:
            await conn.execute_query("SELECT pg_advisory_xact_lock(hashtext($1))", [r.key])
    for r in ordered:
        used = (
            await MailThrottle.filter(key=r.key, created_at__gt=now - r.window)
            .using_db(conn)
            .count()
        )
        if used >= r.limit:
            return r
    for r in ordered:
        await (
            MailThrottle.filter(key=r.key, created_at__lte=now - LONGEST_WINDOW)
            .using_db(conn)
            .delete()
        )
        await MailThrottle.create(key=r.key, created_at=now, using_db=conn)
    return None


async def sign_up_refusal(email: str, caller: str) -> DomainError | None:
    """An employer sign-up mails the address: a few per address and per caller."""
    rules = [rule("sign-up:address", email, SIGN_UPS_PER_ADDRESS, QUARTER)]
    if caller:
        rules.append(rule("sign-up:caller", caller, SIGN_UPS_PER_CALLER, HOUR))
    return await _refusal(rules, "contact_email")


async def invite_refusal(email: str, employer_id: int) -> DomainError | None:
    """A colleague invite mails the address: a few per address and per workplace a day."""
    rules = [
        rule("invite:address", email, INVITES_PER_ADDRESS, DAY),
        rule("invite:employer", employer_id, INVITES_PER_EMPLOYER, DAY),
    ]
    return await _refusal(rules, "email")


async def verification_refusal(caller: str) -> DomainError | None:
    """Each look-up of a certificate's code counts, whatever it finds."""
    rules = [rule("verify:caller", caller or "unknown", VERIFICATIONS_PER_CALLER, QUARTER)]
    if await check(*rules) is None:
        return None
    return DomainError.of(ErrorCode.TOO_MANY_REQUESTS, "code", TOO_MANY_CHECKS)


async def _refusal(rules: list[Rule], field: str) -> DomainError | None:
    if await check(*rules) is None:
        return None
    return DomainError.of(ErrorCode.TOO_MANY_REQUESTS, field, TOO_OFTEN)


async def prune(now: datetime) -> int:
    """Forget actions older than the longest window (the workers' cron)."""
    return await MailThrottle.filter(created_at__lte=now - LONGEST_WINDOW).delete()
