"""What a booking form post costs besides the booking, and what it still refuses: a session
ended or an account deactivated a moment ago books nothing, and templates are not re-read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tortoise import connections

from prao.auth import end_sessions
from prao.models import Booking, Role, Slot, User
from prao.services.booking import book_slot
from tests import factories
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every query the ORM or hand-written SQL sends through the default connection."""
    seen: list[str] = []
    client = type(connections.get("default"))
    real = client.execute_query

    async def counted(self: Any, query: str, values: Any = None) -> Any:
        seen.append(query)
        return await real(self, query, values)

    monkeypatch.setattr(client, "execute_query", counted)
    yield seen


def copy_of(client: httpx.AsyncClient, app: object) -> httpx.AsyncClient:
    """Another browser holding the very same cookie."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies=httpx.Cookies(client.cookies)
    )


async def post_booking(client: httpx.AsyncClient, slot_id: int, token: str) -> httpx.Response:
    return await client.post(f"/platser/{slot_id}/boka", data={"csrf_token": token})


def assert_refused(answer: httpx.Response) -> None:
    """A dead session is dropped with its CSRF token, so the form it posted is refused."""
    assert answer.status_code == 403
    assert "ingenting ändrades" in main_text(answer.text)


async def test_a_session_signed_out_a_moment_ago_books_nothing(
    world: World, browser_for: ClientFactory, app: object
) -> None:
    async with browser_for(world.pupil_a_user) as original, copy_of(original, app) as copy:
        token = await token_of(copy, f"/platser/{world.slot.id}")
        await original.post(
            "/logga-ut", data={"csrf_token": await token_of(original, "/mina-bokningar")}
        )
        refused = await post_booking(copy, world.slot.id, token)
        assert_refused(refused)
        assert (await copy.get("/mina-bokningar")).headers["location"] == "/logga-in"
    assert await Booking.all().count() == 0
    assert (await Slot.get(id=world.slot.id)).taken == 0


async def test_a_session_ended_or_deactivated_between_two_posts_books_nothing(
    world: World, browser_for: ClientFactory
) -> None:
    other = await factories.slot(world.employer, title="Kock")
    async with browser_for(world.pupil_a_user) as c:
        token = await token_of(c, f"/platser/{world.slot.id}")
        await end_sessions(world.pupil_a_user.id)
        assert_refused(await post_booking(c, world.slot.id, token))
    async with browser_for(world.pupil_a_user) as c:
        token = await token_of(c, f"/platser/{other.id}")
        await User.filter(id=world.pupil_a_user.id).update(is_active=False)
        assert_refused(await post_booking(c, other.id, token))
    assert await Booking.all().count() == 0


async def test_a_booking_post_costs_one_statement_besides_the_booking(
    world: World, browser_for: ClientFactory, statements: list[str]
) -> None:
    """The session's person in one statement; a refused booking's page in one more."""
    full = await factories.slot(world.employer, title="Kock", capacity=1)
    assert (await book_slot(await world.actor(world.pupil_b_user), full.id)).ok
    hugo = await world.actor(await factories.pupil_user(world.pupil_a2))
    spare = await factories.slot(world.employer, title="Servitör")
    # The booking service's own statements, for a refusal and for a booking.
    statements.clear()
    assert not (await book_slot(hugo, full.id)).ok
    refusal = len(statements)
    statements.clear()
    assert (await book_slot(hugo, spare.id)).ok
    booking = len(statements)
    async with browser_for(world.pupil_a_user) as c:
        token = await token_of(c, f"/platser/{world.slot.id}")
        statements.clear()
        refused = await post_booking(c, full.id, token)
        assert refused.status_code == 409 and "Platsen är fullbokad." in main_text(refused.text)
        assert len(statements) == refusal + 2
        statements.clear()
        done = await post_booking(c, world.slot.id, token)
        assert done.status_code == 303 and done.headers["location"] == "/mina-bokningar"
        assert len(statements) == booking + 1
        assert "Bokningen är klar!" in main_text((await c.get("/mina-bokningar")).text)


async def test_pages_are_rendered_without_reading_their_templates_again(
    world: World, browser_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with browser_for(world.pupil_a_user) as c:
        assert (await c.get(f"/platser/{world.slot.id}")).status_code == 200

        def no_file(path: object) -> float:
            raise AssertionError(f"template file looked at again: {path}")

        monkeypatch.setattr(os.path, "getmtime", no_file)
        page = await c.get(f"/platser/{world.slot.id}")
        assert page.status_code == 200 and "Boka platsen" in page.text


async def test_staff_and_pupils_of_other_schools_still_get_no_booking(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.coordinator_a) as staff:
        token = await token_of(staff, "/oversikt")
        answer = await post_booking(staff, world.slot.id, token)
        assert answer.status_code in (403, 422)
    x_user = await factories.user(Role.PUPIL, pupil_id=world.pupil_x.id)
    async with browser_for(x_user) as c:
        token = await token_of(c, "/platser")
        answer = await post_booking(c, world.slot.id, token)
        assert answer.status_code == 404
    assert await Booking.all().count() == 0
