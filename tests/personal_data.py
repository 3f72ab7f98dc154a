"""Looking for personal data where it should be gone: every text of every row of every table,
searched for what a pupil is known by."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from tortoise import Tortoise

from prao.models import AttendanceDay, Booking, Certificate, Pupil, Wish


async def rows_holding(needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for each text value in the database that holds a needle."""
    wanted = [n for n in needles if n]
    found = []
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        for row in await model.all().values():
            for column, value in row.items():
                if value is None or isinstance(value, (int, float, bool, date)):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                found += [(table, column, n) for n in wanted if n in text]
    return found


def known_by(*pupils: Pupil) -> list[str]:
    return [
        v
        for p in pupils
        for v in (p.first_name, p.last_name, p.email, p.external_id)
        if v is not None
    ]


async def statistics() -> dict[str, Any]:
    """What the statistics count: bookings by period, slot, status and origin; pupils by school
    and year group; attendance by day; wishes by rank; certificates and their assessments."""
    return {
        "bookings": sorted(
            await Booking.all().values_list("pupil_id", "period_id", "slot_id", "status", "origin")
        ),
        "pupils": sorted(await Pupil.all().values_list("id", "school_id", "year_group")),
        "attendance": sorted(await AttendanceDay.all().values_list("booking_id", "day", "status")),
        "wishes": sorted(await Wish.all().values_list("pupil_id", "slot_id", "rank")),
        "certificates": sorted(
            await Certificate.all().values_list(
                "booking_id",
                "code",
                "signed_at",
                "days_attended",
                "days_total",
                "punctuality",
                "initiative",
                "cooperation",
                "interest",
                "employer_name",
                "start_date",
                "end_date",
            )
        ),
    }
