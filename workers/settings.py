"""arq WorkerSettings: `prao worker` (or `arq workers.settings.WorkerSettings`)."""

from __future__ import annotations

from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.cron import cron
from arq.worker import func

from prao.config import load_settings, redis_url_env, use_settings
from prao.db import close_db, init_db
from prao.services.delivery import RETRY_BASE_SECONDS, SWEEP_EVERY_SECONDS
from workers.allocation import run_allocation_job
from workers.arq_jobs import DELIVER_MESSAGES, EXPAND_EVENTS, RUN_ALLOCATION
from workers.consent_reminders import consent_reminders_job
from workers.delivery import deliver_messages_job, sweep_outbox_job
from workers.events import expand_events_job, sweep_events_job
from workers.mail_throttle import prune_mail_throttle_job
from workers.reminders import placement_reminders_job
from workers.retention import retention_job
from workers.stale_requests import flag_stale_pending_job

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"


async def startup(ctx: dict[str, Any]) -> None:
    ctx["settings"] = settings = load_settings()
    use_settings(settings)
    await init_db(settings)
    # OUTBOX_RETRY_SECONDS shortens the first retry where waiting makes no sense.
    retry = settings.outbox_retry_seconds
    ctx["retry_base_seconds"] = RETRY_BASE_SECONDS if retry is None else retry


async def shutdown(ctx: dict[str, Any]) -> None:
    await close_db()


FUNCTIONS = [
    # No result kept: the key is free at once for the messages to be enqueued again. A batch
    # stops taking messages after BATCH_SECONDS (60), well within the timeout.
    func(deliver_messages_job, name=DELIVER_MESSAGES, keep_result=0, timeout=120),
    func(expand_events_job, name=EXPAND_EVENTS, keep_result=0, timeout=600),
    func(run_allocation_job, name=RUN_ALLOCATION, max_tries=1, timeout=3600),
]

CRON_JOBS = [
    cron(sweep_events_job, name="sweep_events", second=0, run_at_startup=True, keep_result=0),
    # Often enough that a dead worker's claim (STALE_CLAIM) is freed within the minute.
    cron(
        sweep_outbox_job,
        name="sweep_outbox",
        second=set(range(0, 60, SWEEP_EVERY_SECONDS)),
        run_at_startup=True,
        keep_result=0,
    ),
    cron(placement_reminders_job, name="placement_reminders", minute=7, second=30),
    cron(flag_stale_pending_job, name="flag_stale_pending", minute=17, second=30),
    cron(prune_mail_throttle_job, name="prune_mail_throttle", minute=27, second=30),
    cron(consent_reminders_job, name="consent_reminders", minute=37, second=30),
    # Once a day, at night; a run missed is made up by the next (it erases what is due by then).
    cron(retention_job, name="retention", hour=3, minute=47, second=30, timeout=3600),
]


class WorkerSettings:
    functions: ClassVar[list[Any]] = FUNCTIONS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(redis_url_env() or DEFAULT_REDIS_URL)
    max_tries = 5  # after that a message waits for the sweep, which enqueues it afresh
    # arq sleeps poll_delay after reading each batch of jobs; its default (0.5 s) leaves a
    # worker idle between batches of messages.
    poll_delay = 0.05
    max_jobs = 20  # batches in flight, each in its own thread with its own SMTP connection
    # On SIGTERM (a deploy) take no new job and let the batches in flight end, so that what
    # went out is recorded; only a job still running after this is cancelled.
    job_completion_wait = 20
    cron_jobs: ClassVar[list[Any]] = CRON_JOBS
