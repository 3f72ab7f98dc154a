"""Who is asking, as the server's middleware tells the adapters: static files cost no lookup,
a refused bearer token is a 401 for the API and anonymous for the web, a dead session cookie
is dropped."""

from __future__ import annotations

import httpx
import pytest

from prao.actor import Actor
from prao.auth import actor_for_user, actor_for_user_id, create_api_token, end_sessions
from prao.models import Role, User
from server import auth
from tests import factories
from tests.callers import ClientFactory
from tests.factories import World
from web import STATIC_DIR
from web.access import SIGN_IN

STATIC_FILE = next(p.name for p in STATIC_DIR.iterdir() if p.suffix == ".css")


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The session lookups the authentication makes (each one a database query)."""
    seen: list[int | None] = []
    real = actor_for_user_id  # the lookup server.auth imported, patched where it is used

    async def counted(user_id: int | None, session_version: int = 0) -> Actor:
        seen.append(user_id)
        return await real(user_id, session_version)

    monkeypatch.setattr(auth, "actor_for_user_id", counted)
    return seen


async def test_static_files_need_nobody_identified(
    world: World, browser_for: ClientFactory, lookups: list[int | None]
) -> None:
    async with browser_for(world.coordinator_a) as signed_in:
        lookups.clear()
        assert (await signed_in.get(f"/static/{STATIC_FILE}")).status_code == 200
        assert lookups == []
        assert (await signed_in.get("/oversikt")).status_code == 200
        assert lookups == [world.coordinator_a.id]


async def test_a_refused_token_is_a_401_for_the_api_and_nobody_for_the_web(
    world: World, client: httpx.AsyncClient
) -> None:
    token, raw = await create_api_token("Skolsystem", school=world.school_a)
    await token.delete()
    headers = {"Authorization": f"Bearer {raw}"}
    api = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    assert api.json() == {"errors": [{"message": "Okänd API-token."}]}
    page = await client.get("/oversikt", headers=headers)
    assert page.status_code == 303 and page.headers["location"] == SIGN_IN


async def test_a_session_ended_elsewhere_loses_its_cookie(
    world: World, browser_for: ClientFactory
) -> None:
    async with browser_for(world.coordinator_a) as signed_in:
        assert (await signed_in.get("/oversikt")).status_code == 200
        await end_sessions(world.coordinator_a.id)
        dropped = await signed_in.get("/oversikt")
        assert dropped.headers["location"] == SIGN_IN
        assert dropped.headers["set-cookie"].startswith("prao_session=null;")
        assert "prao_session" not in signed_in.cookies


async def test_the_session_lookup_finds_the_actor_of_every_kind_of_person(world: World) -> None:
    people = [
        world.pupil_a_user,
        world.pupil_b_user,
        world.coordinator_a,
        world.admin,
        world.employer_user,
        world.other_employer_user,
        # a pupil account whose school is set on the user too: the pupil's school counts
        await factories.user(Role.PUPIL, pupil_id=world.pupil_x.id, school_id=world.school_a.id),
        # an employer user with a school of her own: the employer's organiser counts
        await factories.user(
            Role.EMPLOYER, employer_id=world.other_employer.id, school_id=world.school_a.id
        ),
    ]
    for person in people:
        found = await actor_for_user_id(person.id, person.session_version)
        assert found == await actor_for_user(person), person.role
        assert found.organiser_id is not None and not found.is_anonymous
    assert (await actor_for_user_id(world.pupil_a_user.id)).school_id == world.school_a.id
    stray = await actor_for_user_id(people[6].id)
    assert (stray.school_id, stray.organiser_id) == (world.school_x.id, world.other_organiser.id)


async def test_the_session_lookup_refuses_a_dead_or_forged_session(world: World) -> None:
    person = world.coordinator_a
    assert not (await actor_for_user_id(person.id, 0)).is_anonymous
    await end_sessions(person.id)
    assert (await actor_for_user_id(person.id, 0)).is_anonymous
    assert not (await actor_for_user_id(person.id, 1)).is_anonymous
    await User.filter(id=person.id).update(is_active=False)
    assert (await actor_for_user_id(person.id, 1)).is_anonymous
    pupil = world.pupil_a_user.id
    for user_id, version in [
        (None, 0),
        ("1", 0),
        (pupil, "0"),
        (0, 0),
        (2**31, 0),
        (pupil, 2**31),
        (pupil, -(2**31) - 1),
        (10**6, 0),
    ]:
        assert (await actor_for_user_id(user_id, version)).is_anonymous  # type: ignore[arg-type]
