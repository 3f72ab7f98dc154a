"""Requests are let in in the order they arrived, no more than a set number at a time: a
request that has waited is never passed over by one that arrived after it."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Message, Receive, Scope, Send

from server.admission import ArrivalOrder


def _http(name: str, path: str = "/graphql") -> Scope:
    return {"type": "http", "path": path, "name": name}


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


async def _drop(message: Message) -> None:
    pass


class Held:
    """An app whose requests stay inside until released one by one, recording who entered."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.inside = 0
        self.most_inside = 0
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["name"]
        self.entered.append(name)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.release.setdefault(name, asyncio.Event()).wait()
        finally:
            self.inside -= 1


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_waiting_requests_enter_in_arrival_order_before_newcomers() -> None:
    app = Held()
    gate = ArrivalOrder(app, inside=2)
    names = ["a", "b", "c", "d", "e"]
    tasks = {n: asyncio.create_task(gate(_http(n), _nothing, _drop)) for n in names}
    await _settle()
    assert app.entered == ["a", "b"]

    # A place frees up just as a newcomer arrives: the one who waited longest takes it.
    app.release.setdefault("a", asyncio.Event()).set()
    tasks["late"] = asyncio.create_task(gate(_http("late"), _nothing, _drop))
    await _settle()
    assert app.entered == ["a", "b", "c"]

    for name in ["b", "c", "d", "e", "late"]:
        app.release.setdefault(name, asyncio.Event()).set()
        await _settle()
    await asyncio.gather(*tasks.values())
    assert app.entered == ["a", "b", "c", "d", "e", "late"]
    assert app.most_inside == 2


async def test_a_failing_request_gives_its_place_back() -> None:
    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("view failed")

    gate = ArrivalOrder(failing, inside=1)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await gate(_http("x"), _nothing, _drop)
    held = Held()
    gate.app = held
    task = asyncio.create_task(gate(_http("after"), _nothing, _drop))
    await _settle()
    assert held.entered == ["after"]
    held.release["after"].set()
    await task


async def test_static_files_and_lifespan_do_not_queue() -> None:
    app = Held()
    gate = ArrivalOrder(app, inside=1)
    first = asyncio.create_task(gate(_http("page"), _nothing, _drop))
    await _settle()
    static = asyncio.create_task(gate(_http("css", "/static/app.css"), _nothing, _drop))
    lifespan = asyncio.create_task(gate({"type": "lifespan", "name": "life"}, _nothing, _drop))
    await _settle()
    assert app.entered == ["page", "css", "life"]
    for name in app.entered:
        app.release[name].set()
    await asyncio.gather(first, static, lifespan)
