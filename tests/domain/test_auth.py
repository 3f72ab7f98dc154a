"""Sign-in links and API tokens: single use, short expiry, only hashes at rest."""

from __future__ import annotations

from datetime import timedelta

from prao import clock
from prao.auth import (
    actor_for_bearer,
    create_api_token,
    hash_secret,
    issue_sign_in_token,
    redeem_sign_in_token,
    request_sign_in_link,
)
from prao.config import Settings
from prao.models import ApiToken, OutboxMessage, SignInToken
from tests.factories import World


async def test_sign_in_link_is_single_use_and_hashed(world: World, settings: Settings) -> None:
    raw = await issue_sign_in_token(world.pupil_a_user, settings)
    stored = await SignInToken.get(user_id=world.pupil_a_user.id)
    assert stored.token_hash == hash_secret(raw) and raw not in stored.token_hash
    user = await redeem_sign_in_token(raw)
    assert user is not None and user.id == world.pupil_a_user.id
    assert await redeem_sign_in_token(raw) is None


async def test_expired_or_unknown_link_is_refused(world: World, settings: Settings) -> None:
    raw = await issue_sign_in_token(world.pupil_a_user, settings)
    await SignInToken.filter(token_hash=hash_secret(raw)).update(
        expires_at=clock.now() - timedelta(seconds=1)
    )
    assert await redeem_sign_in_token(raw) is None
    assert await redeem_sign_in_token("not-a-token") is None


async def test_link_expires_after_the_configured_minutes(world: World, settings: Settings) -> None:
    await issue_sign_in_token(world.pupil_a_user, settings)
    stored = await SignInToken.get(user_id=world.pupil_a_user.id)
    assert stored.expires_at - clock.now() <= timedelta(minutes=settings.sign_in_link_minutes)


async def test_request_link_mails_known_addresses_only(world: World, settings: Settings) -> None:
    await request_sign_in_link("  ALVA.USER@example.se ", settings)
    await request_sign_in_link("nobody@example.se", settings)
    messages = await OutboxMessage.filter(kind="sign_in_link")
    assert [m.to_address for m in messages] == ["alva.user@example.se"]
    assert f"{settings.base_url}/logga-in/" in messages[0].body
    token = messages[0].body.split("/logga-in/")[1].split()[0]
    assert (await redeem_sign_in_token(token)) is not None


async def test_api_token_scoped_hashed_and_revocable(world: World) -> None:
    token, raw = await create_api_token("Skolsystem", school=world.school_a)
    assert raw.startswith("prao_") and token.token_hash == hash_secret(raw)
    assert not await ApiToken.filter(token_hash=raw).exists()
    actor = await actor_for_bearer(raw)
    assert actor is not None and actor.is_token
    assert (actor.school_id, actor.organiser_id) == (world.school_a.id, world.organiser.id)
    assert (await ApiToken.get(id=token.id)).last_used_at is not None
    await ApiToken.filter(id=token.id).update(revoked_at=clock.now())
    assert await actor_for_bearer(raw) is None


async def test_expired_api_token_is_refused(world: World) -> None:
    token, raw = await create_api_token("Gammal", organiser=world.organiser)
    actor = await actor_for_bearer(raw)
    assert (
        actor is not None and actor.school_id is None and actor.organiser_id == world.organiser.id
    )
    await ApiToken.filter(id=token.id).update(expires_at=clock.now() - timedelta(minutes=1))
    assert await actor_for_bearer(raw) is None
    assert await actor_for_bearer("prao_unknown") is None
