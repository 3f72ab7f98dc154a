"""A client that hangs up before its request's body is read gets no answer and leaves no
error in the log (a load generator stopping mid-rush filled the log with tracebacks)."""

from __future__ import annotations

import logging

import pytest
from starlette.types import Message

from prao.config import Settings
from server.app import create_app


def _scope(path: str, content_type: bytes) -> dict[str, object]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", content_type)],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/graphql", b"application/json"),
        ("/logga-in", b"application/x-www-form-urlencoded"),
    ],
)
async def test_a_client_gone_before_its_body_is_answered_by_nobody(
    settings: Settings, db: None, caplog: pytest.LogCaptureFixture, path: str, content_type: bytes
) -> None:
    app = create_app(settings, manage_db=False)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    with caplog.at_level(logging.ERROR):
        await app(_scope(path, content_type), receive, send)
    assert sent == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_failure_other_than_a_disconnect_still_propagates(
    settings: Settings, db: None
) -> None:
    app = create_app(settings, manage_db=False)

    async def receive() -> Message:
        raise ConnectionResetError("not a disconnect")

    async def send(message: Message) -> None:
        pass

    with pytest.raises(ConnectionResetError):
        await app(_scope("/graphql", b"application/json"), receive, send)
