"""The guardians' links to report the pupil sick or late (prao.services.guardian_absence),
made for the first-day brief in its transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from prao.auth import hash_secret
from prao.config import current_settings
from prao.models import Booking, BookingLink, Guardian, LinkPurpose
from prao.outbox import clean_addresses
from prao.validation import day_after, midnight


def _url(booking_id: int, raw: str) -> str:
    return f"{current_settings().base_url.rstrip('/')}/franvaro/{booking_id}/{raw}"


async def links_for(
    conn: BaseDBAsyncClient, booking: Booking, guardians: Sequence[Guardian]
) -> dict[str, str]:
    """One link for each guardian with an address, valid until the placement's last day is
    over (booking with slot fetched), in the brief's transaction; by the cleaned address the
    brief is sent to (two guardians sharing one address share the first one's link)."""
    urls: dict[str, str] = {}
    for guardian in sorted(guardians, key=lambda g: g.id):
        cleaned = clean_addresses([guardian.email])
        if not cleaned or cleaned[0] in urls:
            continue
        raw = secrets.token_urlsafe(32)
        await BookingLink.create(
            booking_id=booking.id,
            purpose=LinkPurpose.REPORT_ABSENCE,
            guardian_id=guardian.id,
            token_hash=hash_secret(raw),
            email=cleaned[0],
            expires_at=midnight(day_after(booking.slot.end_date)),
            using_db=conn,
        )
        urls[cleaned[0]] = _url(booking.id, raw)
    return urls
