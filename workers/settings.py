"""arq WorkerSettings: `prao worker` (or `arq workers.settings.WorkerSettings`)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.worker import func

from prao.config import load_settings
from prao.db import close_db, init_db
from prao.jobs import DELIVER_MESSAGE
from prao.services.delivery import deliver_message


async def startup(ctx: dict[str, Any]) -> None:
    ctx["settings"] = settings = load_settings()
    await init_db(settings)


async def shutdown(ctx: dict[str, Any]) -> None:
    await close_db()


async def deliver_message_job(ctx: dict[str, Any], message_id: int) -> bool:
    return await deliver_message(message_id, ctx["settings"].smtp_url)


FUNCTIONS = [func(deliver_message_job, name=DELIVER_MESSAGE)]


class WorkerSettings:
    functions: ClassVar[list[Any]] = FUNCTIONS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    max_tries = 5
