"""Booking → outbox → arq on Redis → SMTP, and the same in-process without Redis."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from email.policy import compat32

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from prao import clock
from prao.config import Settings
from prao.models import OutboxEvent, OutboxMessage, OutboxStatus
from prao.outbox import expand_events
from prao.services.booking import book_slot
from prao.services.mail_wire import WIRE, Outgoing, build_email, wire_form
from server.jobs import running_jobs
from tests.db import column
from tests.factories import World
from tests.workers.burst import run_worker_burst
from tests.workers.conftest import Sink
from workers.arq_jobs import DELIVER_MESSAGES
from workers.in_process import InProcessJobs


async def test_booking_mail_goes_through_arq_and_smtp(
    world: World, settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp_url)
    async with running_jobs(configured):
        outcome = await book_slot(await world.actor(world.pupil_a_user), world.slot.id)
        assert outcome.ok
        # enqueued, not yet sent: the worker has not run, nor written the messages
        assert not sink.messages
        assert await OutboxEvent.filter(expanded_at__isnull=True).count() == 1
        assert await OutboxMessage.all().count() == 0
        worker = await run_worker_burst(redis_url, configured)
    assert worker.jobs_complete == 2  # the event's expansion, then its four messages in one batch
    assert world.employer.contact_email is not None
    assert sorted(m["To"] for m in sink.messages) == sorted(
        [
            "alva.user@example.se",
            "alva@example.se",
            "vh.alva@example.se",
            world.employer.contact_email,
        ]
    )
    assert all("Bagare" in m["Subject"] for m in sink.messages)
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 4


async def test_the_same_message_is_not_queued_twice(
    world: World, settings: Settings, redis_url: str, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    configured = dataclasses.replace(settings, redis_url=redis_url, smtp_url=smtp_url)
    async with running_jobs(configured) as runner:
        assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
        # Expanded here as the worker would, and its messages enqueued as the worker does.
        ids = await expand_events(list(await column(OutboxEvent.all(), "id")))
        assert len(ids) == 2
        await runner.deliver(ids)
        await runner.deliver(ids)  # a second enqueue of the same ids (e.g. a retry)
        pool = await create_pool(RedisSettings.from_dsn(redis_url))
        queued = await pool.queued_jobs()
        await pool.aclose()
        # One batch of the messages, and the expansion job, which will find its event expanded.
        batches = [job for job in queued if job.function == DELIVER_MESSAGES]
        assert len(batches) == 1 and sorted(batches[0].args[0]) == sorted(ids)
        assert len(queued) == 2
        await run_worker_burst(redis_url, configured)
    assert len(sink.messages) == len(ids)


async def test_without_redis_the_same_job_runs_in_process(
    world: World, settings: Settings, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    async with running_jobs(dataclasses.replace(settings, smtp_url=smtp_url)) as runner:
        assert isinstance(runner, InProcessJobs)
        assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
        await runner.drain()
    # her sign-in address and the employer's contact
    assert len(sink.messages) == 2
    assert await OutboxMessage.filter(status=OutboxStatus.SENT).count() == 2


async def test_without_smtp_messages_stay_in_the_outbox(world: World, settings: Settings) -> None:
    async with running_jobs(settings) as runner:
        assert isinstance(runner, InProcessJobs)
        assert (await book_slot(await world.actor(world.pupil_b_user), world.slot.id)).ok
        await runner.drain()
    assert await OutboxMessage.filter(status=OutboxStatus.PENDING).count() == 2
    assert not await OutboxMessage.filter(status__not=OutboxStatus.PENDING).exists()


async def test_without_redis_the_sweep_runs_in_process_and_retries_later(
    db: None, settings: Settings, smtp: tuple[str, Sink]
) -> None:
    smtp_url, sink = smtp
    sink.data_replies = ["451 4.3.0 Try again later"]
    message = await OutboxMessage.create(
        kind="test", to_address="alva@example.se", subject="Prov", body="Hej!"
    )
    async with running_jobs(dataclasses.replace(settings, smtp_url=smtp_url)) as runner:
        assert isinstance(runner, InProcessJobs)
        assert runner._sweeper is not None and not runner._sweeper.done()
        await runner.deliver([message.id])
        await runner.drain()
        await message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.next_attempt_at is not None
        assert await runner.sweep() == []  # its retry time is not a minute past yet
        await OutboxMessage.filter(id=message.id).update(
            next_attempt_at=clock.now() - timedelta(minutes=2)
        )
        assert await runner.sweep() == [message.id]
        await runner.drain()
    assert runner._sweeper is None
    assert sink.by_message_id() == {f"<outbox-{message.id}@prao>": 1}
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT


@pytest.mark.parametrize(
    ("subject", "to_address", "attachment_name"),
    [
        ("Prov", "alva@example.se", None),
        ("Bokning av praoplats: Bagare", "alva@example.se", "praoplats.ics"),
        ("Bokning avbokad: Café Solen, Storgatan 1", "vh.alva@example.se", "praoplats.ics"),
        ("Påminnelse " * 12, "a" * 60 + "@example.se", "bokningar åk 9 – vecka 3.csv"),
        ("  two  spaces\tand a tab ", "Åsa <åsa@exempel.se>", "x.ics"),
    ],
)
def test_the_wire_form_is_compat32s_byte_for_byte(
    subject: str, to_address: str, attachment_name: str | None
) -> None:
    message = Outgoing(
        id=7,
        to_address=to_address,
        subject=subject,
        body="Hej!\n\nDin praoplats är bokad.\n" * 20,
        attachment=None if attachment_name is None else "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        attachment_name=attachment_name,
        attachment_type="text/calendar",
        attempts=1,
    )
    email = build_email(message)
    reference = email.as_bytes(policy=compat32.clone(linesep="\r\n"))
    assert email.as_bytes(policy=WIRE) == reference
    # Written directly, the same bytes, given the same Date and multipart boundary.
    date, boundary = email["Date"], email.get_boundary()
    assert wire_form(message, date, boundary) == reference
    for part in [message, dataclasses.replace(message, body="", attachment="")]:
        for kind in ["text/calendar", "text/csv", "application/pdf", None]:
            other = dataclasses.replace(part, attachment_type=kind)
            email = build_email(other)
            email.replace_header("Date", date)
            if other.attachment is not None:
                email.set_boundary(boundary or "===============1234567890123456789==")
            reference = email.as_bytes(policy=compat32.clone(linesep="\r\n"))
            assert wire_form(other, date, email.get_boundary()) == reference


def test_the_wire_form_draws_a_boundary_of_its_own_for_each_message() -> None:
    message = Outgoing(1, "a@example.se", "Prov", "Hej", "BEGIN:VCALENDAR", "a.ics", None, 1)
    first, second = wire_form(message), wire_form(message)
    assert first != second and first.count(b"--===============") == 3
    calendar = message_from_bytes(first).get_payload(1)
    assert isinstance(calendar, Message) and calendar.get_payload(decode=True) == b"BEGIN:VCALENDAR"


@pytest.mark.parametrize(
    "subject",
    [
        "Bokning av praoplats",
        "Påminnelse: praon börjar lördag 5 december 2026",
        "Påminnelse: praon börjar måndag 7 december 2026 hos Restaurang Centrum AB i Varberg",
        "Prov",
    ],
)
def test_a_subject_reads_back_as_it_was_written(subject: str) -> None:
    """Folded at any length, the subject a mail program shows is the subject, with no leading
    space (one long encoded word used to begin a line of its own)."""
    message = Outgoing(7, "alva@example.se", subject, "Hej", None, None, None, 1)
    parsed = message_from_bytes(wire_form(message), policy=email_policy.default)
    assert parsed["Subject"] == subject
