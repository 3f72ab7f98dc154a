"""Mail-sending actions are throttled per address and per caller, across processes (counted in
the database): sign-in links, employer sign-up and colleague invites. A refusal is a Swedish
message and writes no mail."""

from __future__ import annotations

import httpx

from prao import orgnr
from prao.auth import LINKS_PER_ADDRESS, LINKS_PER_CALLER, issue_sign_in_token
from prao.config import Settings
from prao.models import Employer, OutboxMessage, Role, SignInToken, User
from prao.services.employers import invite_supervisor
from prao.throttle import INVITES_PER_EMPLOYER, SIGN_UPS_PER_CALLER
from tests import factories
from tests.callers import ClientFactory, main_text, token_of
from tests.factories import World
from tests.web.test_signin import LINK_RE, open_link, request_link

ALREADY_SENT = "Vi har redan skickat en inloggningslänk"


async def test_a_few_links_per_address_then_a_swedish_message_and_no_mail(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(LINKS_PER_ADDRESS):
        assert (await request_link(client, "alva.user@example.se")).status_code == 200
    refused = await request_link(client, "ALVA.user@example.se ")
    assert refused.status_code == 429
    assert ALREADY_SENT in main_text(refused.text)
    assert 'aria-invalid="true"' in refused.text
    assert await OutboxMessage.filter(kind="sign_in_link").count() == LINKS_PER_ADDRESS
    # Another address from the same caller is still served.
    assert (await request_link(client, "nobody@example.se")).status_code == 200


async def test_unknown_addresses_are_throttled_the_same_way(
    client: httpx.AsyncClient, world: World
) -> None:
    answers = {}
    for email in ("alva.user@example.se", "nobody@example.se"):
        for _ in range(LINKS_PER_ADDRESS):
            await request_link(client, email)
        answers[email] = await request_link(client, email)
    known, unknown = answers["alva.user@example.se"], answers["nobody@example.se"]
    assert known.status_code == unknown.status_code == 429
    assert main_text(known.text).replace("alva.user@example.se", "X") == main_text(
        unknown.text
    ).replace("nobody@example.se", "X")
    assert await OutboxMessage.filter(to_address="nobody@example.se").count() == 0


async def test_links_are_throttled_per_caller_too(client: httpx.AsyncClient, world: World) -> None:
    for i in range(LINKS_PER_CALLER):
        assert (await request_link(client, f"okand{i}@example.se")).status_code == 200
    refused = await request_link(client, "alva.user@example.se")
    assert refused.status_code == 429
    assert "från din anslutning" in main_text(refused.text)
    assert await OutboxMessage.all().count() == 0


async def test_a_newer_link_makes_the_older_ones_unusable(
    client: httpx.AsyncClient, world: World, settings: Settings, browser_for: ClientFactory
) -> None:
    await request_link(client, "alva.user@example.se")
    await request_link(client, "alva.user@example.se")
    first, second = [
        LINK_RE.search(m.body).group(1)  # type: ignore[union-attr]
        for m in await OutboxMessage.filter(kind="sign_in_link").order_by("id")
    ]
    async with browser_for(None) as old:
        refused = await open_link(old, first)
        assert refused.status_code == 400 and "Länken fungerar inte" in refused.text
        assert (await old.get("/mina-bokningar")).headers["location"] == "/logga-in"
    assert (await open_link(client, second)).status_code == 303
    # Issued directly too (staff invites and sign-ups use the same path).
    third = await issue_sign_in_token(world.coordinator_a, settings)
    fourth = await issue_sign_in_token(world.coordinator_a, settings)
    async with browser_for(None) as c:
        assert (await open_link(c, third)).status_code == 400
        assert (await open_link(c, fourth)).status_code == 303
    assert await SignInToken.filter(used_at__isnull=True).count() == 0


def sign_up_form(world: World, email: str, org_number: str = "5560360793") -> dict[str, str]:
    return {"organiserId": str(world.organiser.id), "name": "Varbergs Snickeri AB",
            "orgNumber": org_number, "address": "Hamngatan 1", "city": "Varberg",
            "contactEmail": email, "contactName": "Siv Snickare"}  # fmt: skip


async def sign_up(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    token = await token_of(client, "/arbetsgivare/registrera")
    return await client.post("/arbetsgivare/registrera", data={"csrf_token": token, **data})


async def test_sign_up_is_throttled_per_address(world: World, browser_for: ClientFactory) -> None:
    async with browser_for(None) as c:
        # The first creates the account; the others (other numbers: one account per number)
        # mail a sign-in link to the address that is already known.
        for n in range(3):
            form = sign_up_form(world, "info@snickeri.se", orgnr.with_check_digit(f"55603607{n}"))
            assert (await sign_up(c, form)).status_code == 200
        mails = await OutboxMessage.all().count()
        form = sign_up_form(world, "info@snickeri.se", orgnr.with_check_digit("556036079"))
        refused = await sign_up(c, form)
        assert refused.status_code == 429
        assert "Vänta en stund" in main_text(refused.text)
        assert 'id="contactEmail-fel"' in refused.text
    assert await OutboxMessage.all().count() == mails == 3
    assert await Employer.filter(contact_email="info@snickeri.se").count() == 1


async def test_sign_up_is_throttled_per_caller(world: World, browser_for: ClientFactory) -> None:
    known = [await factories.user(Role.EMPLOYER) for _ in range(SIGN_UPS_PER_CALLER)]
    async with browser_for(None) as c:
        for user in known:
            assert (await sign_up(c, sign_up_form(world, user.email))).status_code == 200
        refused = await sign_up(c, sign_up_form(world, "ny@snickeri.se"))
        assert refused.status_code == 429
    assert not await User.filter(email="ny@snickeri.se").exists()
    assert not await Employer.filter(contact_email="ny@snickeri.se").exists()
    assert await OutboxMessage.filter(to_address="ny@snickeri.se").count() == 0


async def invite(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await token_of(client, "/arbetsgivare/kollegor")
    return await client.post(
        "/arbetsgivare/kollegor", data={"csrf_token": token, "email": email, "name": "Kim"}
    )


async def test_invites_are_throttled_per_address(world: World, browser_for: ClientFactory) -> None:
    async with browser_for(world.employer_user) as c:
        assert (await invite(c, "kollega@cafe.se")).status_code == 303
        await User.filter(email="kollega@cafe.se").delete()  # invite her again, and again
        assert (await invite(c, "kollega@cafe.se")).status_code == 303
        await User.filter(email="kollega@cafe.se").delete()
        assert (await invite(c, "kollega@cafe.se")).status_code == 303
        await User.filter(email="kollega@cafe.se").delete()
        refused = await invite(c, "kollega@cafe.se")
        assert refused.status_code == 429 and "Vänta en stund" in main_text(refused.text)
    assert not await User.filter(email="kollega@cafe.se").exists()
    assert await OutboxMessage.filter(to_address="kollega@cafe.se").count() == 3


async def test_invites_are_throttled_per_workplace(world: World, settings: Settings) -> None:
    actor = await world.actor(world.employer_user)
    for i in range(INVITES_PER_EMPLOYER):
        assert (await invite_supervisor(actor, f"k{i}@cafe.se", "", settings)).ok
    refused = await invite_supervisor(actor, "en-till@cafe.se", "", settings)
    assert [e.code for e in refused.errors] == ["TOO_MANY_REQUESTS"]
    assert not await User.filter(email="en-till@cafe.se").exists()
    assert await OutboxMessage.all().count() == INVITES_PER_EMPLOYER
    # Another workplace is not affected.
    other = await world.actor(world.other_employer_user)
    assert (await invite_supervisor(other, "annan@bygg.se", "", settings)).ok
