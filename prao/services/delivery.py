"""Delivering outbox messages over SMTP. Idempotent: a sent message is never sent again."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from urllib.parse import urlparse

from prao import clock
from prao.models import OutboxMessage, OutboxStatus

FROM_ADDRESS = "Prao <noreply@prao.local>"


def _send(smtp_url: str, message: EmailMessage) -> None:
    url = urlparse(smtp_url)
    with smtplib.SMTP(url.hostname or "127.0.0.1", url.port or 25, timeout=30) as smtp:
        if url.username:
            smtp.starttls()
            smtp.login(url.username, url.password or "")
        smtp.send_message(message)


async def deliver_message(message_id: int, smtp_url: str | None) -> bool:
    """Send one message; without SMTP configured it stays pending and visible on the outbox page."""
    message = await OutboxMessage.get_or_none(id=message_id)
    if message is None or message.status != OutboxStatus.PENDING or not message.to_address:
        return False
    if smtp_url is None:
        return False
    email = EmailMessage()
    email["From"] = FROM_ADDRESS
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = f"<outbox-{message.id}@prao.local>"
    email.set_content(message.body)
    try:
        await asyncio.to_thread(_send, smtp_url, email)
    except (OSError, smtplib.SMTPException) as exc:
        await OutboxMessage.filter(id=message.id).update(
            attempts=message.attempts + 1, last_error=str(exc)[:1000]
        )
        raise
    await OutboxMessage.filter(id=message.id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SENT, sent_at=clock.now(), attempts=message.attempts + 1
    )
    return True
