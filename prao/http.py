"""Request-level helpers shared by the web and API adapters: who is asking, and CSRF."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from functools import lru_cache

from starlette.requests import HTTPConnection

from prao.actor import ANONYMOUS, Actor
from prao.auth import TokenRefusal, actor_for_user_id, authenticate_bearer, end_sessions

SESSION_USER = "user_id"
SESSION_VERSION = "session_version"
SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class InvalidToken(Exception):
    """A bearer token was given but is unknown, revoked or expired; `refusal` tells which."""

    def __init__(self, refusal: TokenRefusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal

    @property
    def message(self) -> str:
        return self.refusal.message


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in allowed)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(conn: HTTPConnection) -> str:
    """Who sent the request, for rate limits and the audit log: the peer's address, unless the
    peer is a configured proxy (FORWARDED_ALLOW_IPS); then the right-most X-Forwarded-For entry
    that is not one of our proxies. Entries left of it were written by the client and are not
    believed, so rotating the header changes nothing."""
    peer = conn.client.host if conn.client else "unknown"
    settings = getattr(conn.app.state, "settings", None) if "app" in conn.scope else None
    allowed = settings.forwarded_allow_ips if settings is not None else ()
    networks = _networks(tuple(allowed))
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for v in conn.headers.getlist("x-forwarded-for") for h in v.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            return hop[:64]
    return peer


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def request_actor(conn: HTTPConnection) -> Actor:
    """Bearer token first (school systems), then the session cookie (people)."""
    raw = bearer(conn)
    if raw is not None:
        found = await authenticate_bearer(raw)
        if isinstance(found, TokenRefusal):
            raise InvalidToken(found)
        return found
    if "session" not in conn.scope:
        return ANONYMOUS
    user_id = conn.session.get(SESSION_USER)
    if user_id is None:
        return ANONYMOUS
    actor = await actor_for_user_id(user_id, conn.session.get(SESSION_VERSION, 0))
    if actor.is_anonymous:
        conn.session.clear()  # signed out elsewhere or deactivated: drop the dead cookie
    return actor


def csrf_token(conn: HTTPConnection) -> str:
    token = conn.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        conn.session[SESSION_CSRF] = token
    return str(token)


def csrf_ok(conn: HTTPConnection, submitted: str | None) -> bool:
    expected = conn.session.get(SESSION_CSRF) if "session" in conn.scope else None
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


def sign_in(conn: HTTPConnection, user_id: int, session_version: int) -> None:
    conn.session.clear()  # a fresh session on sign-in: no fixation
    conn.session[SESSION_USER] = user_id
    conn.session[SESSION_VERSION] = session_version
    csrf_token(conn)


async def sign_out(conn: HTTPConnection) -> None:
    """Ends the session on the server too, so a copy of the cookie stops working at once.
    The session version is per person, so her sessions on other devices end as well."""
    user_id = conn.session.get(SESSION_USER)
    if isinstance(user_id, int):
        await end_sessions(user_id)
    conn.session.clear()
