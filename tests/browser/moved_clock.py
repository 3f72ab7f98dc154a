"""The browser journeys' clock: the server (and the sweeps the journey runs) read the moment
written in a file, the way the other tests move time by replacing prao.clock.now. An empty
file is the real time.

    python -m tests.browser.moved_clock serve PORT    the server, on the file's clock
    python -m tests.browser.moved_clock sweep         the mail due now (briefs, week, certificate)
    python -m tests.browser.moved_clock dates ID      a booking's first and last day
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from prao import clock
from prao.config import TIMEZONE

real_now = clock.now


def moment_file() -> Path:
    return Path(os.environ["PRAO_TEST_CLOCK"])


def moved_now() -> datetime:
    path = moment_file()
    text = path.read_text().strip() if path.exists() else ""
    return datetime.fromisoformat(text).astimezone(TIMEZONE) if text else real_now()


def set_moment(path: Path, moment: datetime | None) -> None:
    path.write_text(moment.isoformat() if moment else "")


async def _dates(booking_id: int) -> str:
    from prao.models import Booking

    booking = await Booking.get(id=booking_id).select_related("slot")
    return f"{booking.slot.start_date.isoformat()} {booking.slot.end_date.isoformat()}"


def main(args: list[str]) -> None:
    clock.now = moved_now
    if args[0] == "serve":
        import uvicorn

        uvicorn.run("server.asgi:app", port=int(args[1]), log_level="warning")
        return
    from prao.config import load_settings
    from server.with_db import with_db
    from workers.reminders import before_the_start

    if args[0] == "sweep":
        print(len(with_db(load_settings(), before_the_start)))
    elif args[0] == "dates":
        print(with_db(load_settings(), lambda: _dates(int(args[1]))))


if __name__ == "__main__":
    main(sys.argv[1:])
