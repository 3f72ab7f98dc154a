"""Sign-in links, API tokens, and turning either into an Actor. Secrets are stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from tortoise.expressions import Q

from prao import clock, outbox
from prao.actor import ANONYMOUS, Actor
from prao.config import Settings
from prao.jobs import jobs
from prao.models import ApiToken, Employer, Organiser, Pupil, Role, School, SignInToken, User

TOKEN_PREFIX = "prao_"
SIGN_IN_PATH = "/logga-in/"
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def actor_for_user(user: User) -> Actor:
    """Resolve the school and organiser a user acts within."""
    school_id = user.school_id
    organiser_id = user.organiser_id
    if user.role == Role.PUPIL and user.pupil_id is not None:
        pupil = await Pupil.get(id=user.pupil_id)
        school_id = pupil.school_id
    if user.role == Role.EMPLOYER and user.employer_id is not None:
        organiser_id = (await Employer.get(id=user.employer_id)).organiser_id
    if school_id is not None and organiser_id is None:
        organiser_id = (await School.get(id=school_id)).organiser_id
    return Actor(
        kind="user",
        id=user.id,
        role=Role(user.role),
        pupil_id=user.pupil_id,
        employer_id=user.employer_id,
        school_id=school_id,
        organiser_id=organiser_id,
    )


async def actor_for_user_id(user_id: int | None) -> Actor:
    if user_id is None:
        return ANONYMOUS
    user = await User.get_or_none(id=user_id, is_active=True)
    return ANONYMOUS if user is None else await actor_for_user(user)


async def issue_sign_in_token(user: User, settings: Settings) -> str:
    raw = secrets.token_urlsafe(32)
    await SignInToken.create(
        user_id=user.id,
        token_hash=hash_secret(raw),
        expires_at=clock.now() + timedelta(minutes=settings.sign_in_link_minutes),
    )
    return raw


async def request_sign_in_link(email: str, settings: Settings) -> None:
    """E-mail a link if the address belongs to someone; say nothing either way (no enumeration)."""
    user = await User.get_or_none(email=email.strip().lower(), is_active=True)
    if user is None:
        return
    raw = await issue_sign_in_token(user, settings)
    message = await outbox.sign_in_link(
        email=user.email,
        url=f"{settings.base_url}{SIGN_IN_PATH}{raw}",
        minutes=settings.sign_in_link_minutes,
    )
    await jobs.deliver([message.id])


async def redeem_sign_in_token(raw: str) -> User | None:
    """Single use: the conditional UPDATE lets exactly one redemption through."""
    now = clock.now()
    token = await SignInToken.get_or_none(token_hash=hash_secret(raw))
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    used = await SignInToken.filter(id=token.id, used_at__isnull=True).update(used_at=now)
    if not used:
        return None
    return await User.get_or_none(id=token.user_id, is_active=True)


async def create_api_token(
    name: str, school: School | None = None, organiser: Organiser | None = None
) -> tuple[ApiToken, str]:
    if (school is None) == (organiser is None):
        raise ValueError("a token is scoped to exactly one school or one organiser")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        name=name,
        token_hash=hash_secret(raw),
        school_id=school.id if school else None,
        organiser_id=organiser.id if organiser else None,
    )
    return token, raw


async def actor_for_bearer(raw: str) -> Actor | None:
    """None for an unknown, revoked or expired token."""
    now = clock.now()
    token = (
        await ApiToken.filter(
            Q(token_hash=hash_secret(raw.strip())),
            Q(revoked_at__isnull=True),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        )
        .select_related("school")
        .first()
    )
    if token is None:
        return None
    if token.school_id is not None:
        organiser_id = token.school.organiser_id  # type: ignore[union-attr]
    else:
        assert token.organiser_id is not None
        organiser_id = token.organiser_id
    # "Last used" to the minute is enough, and spares a write on every request.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        await ApiToken.filter(id=token.id).update(last_used_at=now)
    return Actor.for_token(token, organiser_id)
