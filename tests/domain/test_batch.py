"""Concurrent callers share round trips: one in flight at a time, each caller its own answer."""

from __future__ import annotations

import asyncio

import pytest

from prao.batch import Batched


async def test_callers_ready_together_share_one_round_trip_and_get_their_own_answers() -> None:
    sent: list[list[int]] = []

    async def send(items: list[int]) -> list[int]:
        sent.append(items)
        await asyncio.sleep(0.01)
        return [item * 10 for item in items]

    batched = Batched(send)
    assert await asyncio.gather(*(batched(i) for i in (1, 2, 3))) == [10, 20, 30]
    assert sent == [[1, 2, 3]]
    assert await batched(4) == 40  # alone on a quiet server: at once, by itself
    assert sent[-1] == [4]


async def test_what_is_asked_during_a_round_trip_travels_in_the_next() -> None:
    sent: list[list[str]] = []
    release = asyncio.Event()

    async def send(items: list[str]) -> list[str]:
        sent.append(items)
        if len(sent) == 1:
            await release.wait()
        return items

    batched = Batched(send)
    first = asyncio.ensure_future(batched("a"))
    await asyncio.sleep(0.01)  # "a" is in flight
    later = [asyncio.ensure_future(batched(x)) for x in "bc"]
    await asyncio.sleep(0.01)
    assert sent == [["a"]]  # "b" and "c" wait for the round trip in flight
    release.set()
    assert await asyncio.gather(first, *later) == ["a", "b", "c"]
    assert sent == [["a"], ["b", "c"]]


async def test_a_failed_round_trip_fails_each_caller_and_the_next_one_is_made() -> None:
    calls = 0

    async def send(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("away")
        return items

    batched = Batched(send)
    results = await asyncio.gather(batched(1), batched(2), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    assert await batched(3) == 3


async def test_a_caller_that_goes_away_does_not_cancel_the_others() -> None:
    async def send(items: list[int]) -> list[int]:
        await asyncio.sleep(0.01)
        return items

    batched = Batched(send)
    leaving = asyncio.ensure_future(batched(1))
    staying = asyncio.ensure_future(batched(2))
    await asyncio.sleep(0)
    leaving.cancel()
    assert await staying == 2
    with pytest.raises(asyncio.CancelledError):
        await leaving
