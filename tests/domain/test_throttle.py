"""The throttle's rule: at most `limit` actions per key in a sliding window, all or nothing
over several keys, old rows pruned."""

from __future__ import annotations

from datetime import timedelta

from prao import clock, throttle
from prao.models import MailThrottle


async def test_limit_per_key_in_a_sliding_window(db: None) -> None:
    rule = throttle.rule("test", "A@Example.se ", 2, throttle.QUARTER)
    assert rule.key == "test:a@example.se"
    assert [await throttle.allow(rule) for _ in range(3)] == [True, True, False]
    assert await throttle.allow(throttle.rule("test", "b@example.se", 2, throttle.QUARTER))
    await MailThrottle.filter(key=rule.key).update(created_at=clock.now() - timedelta(minutes=16))
    assert await throttle.allow(rule)


async def test_a_refusal_counts_under_no_key(db: None) -> None:
    full = throttle.rule("test", "full", 1, throttle.DAY)
    other = throttle.rule("test", "other", 5, throttle.DAY)
    assert await throttle.allow(full)
    assert await throttle.check(other, full) == full
    assert await MailThrottle.filter(key=other.key).count() == 0


async def test_old_rows_are_pruned(db: None) -> None:
    rule = throttle.rule("test", "old", 5, throttle.QUARTER)
    await throttle.allow(rule)
    await MailThrottle.all().update(created_at=clock.now() - timedelta(days=2))
    assert await throttle.prune(clock.now()) == 1
    assert await MailThrottle.all().count() == 0
