"""The one place that knows what time it is; all dates are Europe/Stockholm."""

from __future__ import annotations

from datetime import date, datetime

from prao.config import TIMEZONE


def now() -> datetime:
    return datetime.now(TIMEZONE)


def today() -> date:
    return now().date()


def local(moment: datetime) -> datetime:
    return moment.astimezone(TIMEZONE)
