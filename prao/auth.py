"""Sign-in links, API tokens, and turning either into an Actor. Secrets are stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import F

from prao import clock, notices, throttle
from prao.actor import ALL_PERMISSIONS, ANONYMOUS, Actor, parse_permissions
from prao.config import Settings
from prao.errors import DomainError, ErrorCode
from prao.jobs import jobs
from prao.models import (
    ApiToken,
    Employer,
    Organiser,
    Permission,
    Pupil,
    Role,
    School,
    SignInToken,
    User,
)
from prao.sql import numbered
from prao.validation import MAX_ID, valid_id

TOKEN_PREFIX = "prao_"
SIGN_IN_PATH = "/logga-in/"
LAST_USED_PRECISION = timedelta(minutes=1)
READ_ONLY = frozenset({Permission.READ})
# Sign-in links: a few per address and per caller (client address) in a quarter of an hour,
# counted for unknown addresses too, so the answer does not tell who has an account.
LINKS_PER_ADDRESS = 3
LINKS_PER_CALLER = 10
LINK_ALREADY_SENT = (
    "Vi har redan skickat en inloggningslänk till den adressen. Titta i inkorgen och i "
    "skräpposten, eller vänta en kvart och be om en ny länk."
)
LINKS_FROM_CALLER = (
    "Det har begärts många inloggningslänkar från din anslutning på kort tid. "
    "Vänta en kvart och försök igen."
)


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


# The session's user with what actor_for_user reads for her (her pupil's school, her
# employer's organiser, her school's organiser) in one indexed look-up: every signed-in request
# runs it, so it skips the ORM. Nothing is cached: a session ended a moment ago finds no row.
_SESSION_SQL = """
SELECT u.id, u.role, u.pupil_id, u.employer_id, u.school_id, u.organiser_id,
       p.school_id AS pupil_school_id, e.organiser_id AS employer_organiser_id,
       s.organiser_id AS school_organiser_id
FROM app_user u
LEFT JOIN pupil p ON p.id = u.pupil_id AND u.role = :pupil
LEFT JOIN employer e ON e.id = u.employer_id AND u.role = :employer
LEFT JOIN school s ON s.id = COALESCE(p.school_id, u.school_id)
WHERE u.id = :user AND u.is_active AND u.session_version = :version
"""


async def actor_for_user_id(user_id: int | None, session_version: int = 0) -> Actor:
    """The session's person, while the session is still valid: the user is active and her
    session version is the one stamped at sign-in (one query; bumping it ends the session).
    The same Actor as actor_for_user gives."""
    if not isinstance(user_id, int) or not isinstance(session_version, int):
        return ANONYMOUS
    if not valid_id(user_id) or not -MAX_ID - 1 <= session_version <= MAX_ID:
        return ANONYMOUS  # no row has it: spare the database a value it cannot compare
    conn = connections.get("default")
    sql, values = numbered(
        _SESSION_SQL,
        {
            "pupil": Role.PUPIL.value,
            "employer": Role.EMPLOYER.value,
            "user": user_id,
            "version": session_version,
        },
        conn.capabilities.dialect,
    )
    _, rows = await conn.execute_query(sql, values)
    if not rows:
        return ANONYMOUS
    row = rows[0]
    role = Role(row["role"])
    school_id = row["school_id"]
    organiser_id = row["organiser_id"]
    if role is Role.PUPIL and row["pupil_id"] is not None:
        school_id = row["pupil_school_id"]
    if role is Role.EMPLOYER and row["employer_id"] is not None:
        organiser_id = row["employer_organiser_id"]
    if school_id is not None and organiser_id is None:
        organiser_id = row["school_organiser_id"]
    return Actor(
        kind="user",
        id=row["id"],
        role=role,
        pupil_id=row["pupil_id"],
        employer_id=row["employer_id"],
        school_id=school_id,
        organiser_id=organiser_id,
    )


async def end_sessions(user_id: int) -> None:
    """Every session of the user ends at once, on every device (sign-out, deactivation,
    "logga ut överallt"): the version stamped into them no longer matches."""
    await User.filter(id=user_id).update(session_version=F("session_version") + 1)


async def issue_sign_in_token(user: User, settings: Settings) -> str:
    """A new link; the user's older unused links stop working (only the newest is good)."""
    raw = secrets.token_urlsafe(32)
    await SignInToken.filter(user_id=user.id, used_at__isnull=True).update(used_at=clock.now())
    await SignInToken.create(
        user_id=user.id,
        token_hash=hash_secret(raw),
        expires_at=clock.now() + timedelta(minutes=settings.sign_in_link_minutes),
    )
    return raw


async def request_sign_in_link(
    email: str, settings: Settings, caller: str = ""
) -> DomainError | None:
    """E-mail a link if the address belongs to someone; say nothing either way (no enumeration).
    Refused (no mail) when the address or the caller has asked too often lately."""
    email = email.strip().lower()
    rules = [throttle.rule("sign-in:address", email, LINKS_PER_ADDRESS, throttle.QUARTER)]
    if caller:
        rules.append(throttle.rule("sign-in:caller", caller, LINKS_PER_CALLER, throttle.QUARTER))
    refused = await throttle.check(*rules)
    if refused is not None:
        why = LINK_ALREADY_SENT if refused is rules[0] else LINKS_FROM_CALLER
        return DomainError.of(ErrorCode.TOO_MANY_REQUESTS, "email", why)
    user = await User.get_or_none(email=email, is_active=True)
    if user is None:
        return None
    raw = await issue_sign_in_token(user, settings)
    message = await notices.sign_in_link(
        email=user.email,
        url=f"{settings.base_url}{SIGN_IN_PATH}{raw}",
        minutes=settings.sign_in_link_minutes,
    )
    await jobs.deliver([message.id])
    return None


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
    name: str,
    school: School | None = None,
    organiser: Organiser | None = None,
    permissions: frozenset[Permission] = ALL_PERMISSIONS,
    expires_at: datetime | None = None,
    created_by: str = "",
) -> tuple[ApiToken, str]:
    """The new token and its secret; only the secret's hash is stored. Callers that face
    people (the CLI, the admin pages) default to READ_ONLY; this default keeps the rights
    tokens had before permissions existed."""
    if (school is None) == (organiser is None):
        raise ValueError("a token is scoped to exactly one school or one organiser")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        name=name,
        token_hash=hash_secret(raw),
        school_id=school.id if school else None,
        organiser_id=organiser.id if organiser else None,
        permissions=format_permissions(permissions),
        expires_at=expires_at,
        created_by=created_by,
    )
    return token, raw


def format_permissions(permissions: frozenset[Permission]) -> str:
    """Stored in the order of the enum, so equal sets are equal strings."""
    return ",".join(p.value for p in Permission if p in permissions)


@dataclass(frozen=True)
class TokenRefusal:
    """Why a bearer token was refused: "unknown", "revoked" or "expired" (with when)."""

    reason: str
    expired_at: datetime | None = None

    @property
    def message(self) -> str:
        """What the caller is told (Swedish, like every message to a school's staff)."""
        if self.reason == "revoked":
            return "API-token är återkallad."
        if self.reason == "expired" and self.expired_at is not None:
            return f"API-token gick ut {clock.local(self.expired_at):%Y-%m-%d %H:%M}."
        return "Okänd API-token."


def token_status(token: ApiToken, now: datetime) -> str:
    """ "active", "revoked" or "expired"; revocation first: it is the deliberate act of the two."""
    return _status(token.revoked_at, token.expires_at, now)


def _status(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> str:
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


UNKNOWN = TokenRefusal("unknown")
REVOKED = TokenRefusal("revoked")


# The token with its organiser (its own, or its school's) in one indexed look-up: every API
# request runs it, so it skips the ORM's query building and model objects. Nothing is cached, so
# a revoked token is refused on its next request.
_BEARER_SQL = """
SELECT t.id, t.school_id, COALESCE(t.organiser_id, s.organiser_id) AS organiser_id,
       t.permissions, t.revoked_at, t.expires_at, t.last_used_at
FROM api_token t LEFT JOIN school s ON s.id = t.school_id
WHERE t.token_hash = {hash}
"""
_BEARER = {
    dialect: _BEARER_SQL.format(hash=mark)
    for dialect, mark in (("postgres", "$1"), ("sqlite", "?"))
}


def _moment(name: str, value: Any) -> datetime | None:
    # SQLite answers stored text, PostgreSQL an aware datetime: the field converts either.
    if value is None:  # as most tokens' revoked_at and expires_at: nothing to convert
        return None
    converted: datetime | None = ApiToken._meta.fields_map[name].to_python_value(value)
    return converted


async def authenticate_bearer(raw: str) -> Actor | TokenRefusal:
    """The token's actor, or the reason it is refused."""
    now = clock.now()
    conn = connections.get("default")
    sql = _BEARER.get(conn.capabilities.dialect, _BEARER["sqlite"])
    _, rows = await conn.execute_query(sql, [hash_secret(raw.strip())])
    if not rows:
        return UNKNOWN
    row = rows[0]
    revoked_at = _moment("revoked_at", row["revoked_at"])
    expires_at = _moment("expires_at", row["expires_at"])
    status = _status(revoked_at, expires_at, now)
    if status != "active":
        return TokenRefusal(status, expires_at if status == "expired" else None)
    # "Last used" to the minute is enough, and spares a write on every request.
    last_used_at = _moment("last_used_at", row["last_used_at"])
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        await ApiToken.filter(id=row["id"]).update(last_used_at=now)
    return Actor(
        kind="token",
        id=row["id"],
        school_id=row["school_id"],
        organiser_id=row["organiser_id"],
        permissions=parse_permissions(row["permissions"]),
    )


async def actor_for_bearer(raw: str) -> Actor | None:
    """None for an unknown, revoked or expired token (authenticate_bearer says which)."""
    found = await authenticate_bearer(raw)
    return found if isinstance(found, Actor) else None
