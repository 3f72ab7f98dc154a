"""One DataLoader per related type, created per request.

Loaders fetch by primary key without a policy scope: they serve only fields of objects the actor
was already allowed to see (a visible booking's pupil, a visible slot's employer). Entry points
(lists, `node`, mutations) go through prao.policy. Pupils are shown only as prao.policy's pupil
view for the actor, and a booking's period only where policy lets the actor see periods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from api.types import Employer, Period, Pupil, School, Slot
from prao import models, policy, rows
from prao.actor import Actor
from prao.rows import fetch as rows_of

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def _by_id(
    model: type[M], ids: Sequence[int], build: Callable[[M], T]
) -> list[T | BaseException]:
    # Foreign keys guarantee the rows; a missing one is a bug, reported as the load's error.
    found = {row.pk: row for row in await rows.by_ids(model, ids)}
    return [build(found[i]) if i in found else LookupError(f"{model.__name__} {i}") for i in ids]


class Loaders:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.employer = DataLoader[int, Employer](self._employers)
        self.slot = DataLoader[int, Slot](self._slots)
        self.pupil = DataLoader[int, Pupil](self._pupils)
        self.school = DataLoader[int, School](self._schools)
        self.period = DataLoader[int, Period](self._periods)
        self.booking_period = DataLoader[int, Period | None](self._booking_periods)

    async def _employers(self, ids: list[int]) -> list[Employer | BaseException]:
        return await _by_id(models.Employer, ids, Employer.from_row)

    async def _slots(self, ids: list[int]) -> list[Slot | BaseException]:
        return await _by_id(models.Slot, ids, Slot.from_row)

    async def _schools(self, ids: list[int]) -> list[School | BaseException]:
        return await _by_id(models.School, ids, School.from_row)

    async def _periods(self, ids: list[int]) -> list[Period | BaseException]:
        return await _by_id(models.Period, ids, Period.from_row)

    async def _booking_periods(self, ids: list[int]) -> list[Period | None | BaseException]:
        """A booking's period within the actor's period scope (none for an employer)."""
        scope = policy.periods(self.actor).filter(id__in=ids)
        found = {row.pk: row for row in await rows_of(scope)}
        return [Period.from_row(found[i]) if i in found else None for i in ids]

    async def _pupils(self, ids: list[int]) -> list[Pupil | BaseException]:
        # The school comes along in the same query: the view needs its organiser and name.
        found = await rows.by_ids(models.Pupil, ids, related="school")
        # One audit event per batch: a page of 100 bookings with pupils is one read of 100.
        views = await policy.pupil_views(self.actor, found, purpose="graphql", source="nested")
        by_id = {view.id: Pupil.from_view(view) for view in views}
        return [by_id[i] if i in by_id else LookupError(f"Pupil {i}") for i in ids]
