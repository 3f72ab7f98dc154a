"""Who sent the request, believed from X-Forwarded-For only when a configured proxy says so."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from prao import audit

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


def client_address(conn: HTTPConnection, allowed: tuple[str, ...]) -> str:
    """The peer's address, unless the peer is one of the `allowed` proxies
    (FORWARDED_ALLOW_IPS); then the right-most X-Forwarded-For entry that is not one of our
    proxies. Entries left of it were written by the client and are not believed, so rotating
    the header changes nothing."""
    peer = conn.client.host if conn.client else "unknown"
    networks = _networks(allowed)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for v in conn.headers.getlist("x-forwarded-for") for h in v.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            return hop[:64]
    return peer


class ClientAddress:
    """Puts the believed address in the scope's `client` (as uvicorn's proxy headers would,
    so `request.client.host` is it for rate limits) and in the audit log's context."""

    def __init__(self, app: ASGIApp, forwarded_allow_ips: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = tuple(forwarded_allow_ips)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        address = client_address(HTTPConnection(scope), self.allowed)
        port = scope["client"][1] if scope.get("client") else 0
        scope["client"] = (address, port)
        token = audit.client.set(address)
        try:
            await self.app(scope, receive, send)
        finally:
            audit.client.reset(token)
