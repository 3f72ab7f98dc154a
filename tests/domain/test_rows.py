"""prao.rows.fetch answers the same model instances as awaiting the queryset: every field equal
and of the same type (datetimes in the same zone, enums as enums), on either database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.models import Model
from tortoise.queryset import QuerySet

from prao import models, rows
from prao.services.booking import book_slot
from tests.factories import World


def _fields(instance: Model) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in instance._meta.db_fields}


def _same(ours: Sequence[Model], theirs: Sequence[Model]) -> None:
    assert [type(r) for r in ours] == [type(r) for r in theirs]
    assert [_fields(r) for r in ours] == [_fields(r) for r in theirs]
    for mine, orm in zip(ours, theirs, strict=True):
        for name, value in _fields(orm).items():
            assert type(getattr(mine, name)) is type(value), name
            if hasattr(value, "tzinfo"):
                assert getattr(mine, name).utcoffset() == value.utcoffset(), name
        assert mine.pk == orm.pk and mine._saved_in_db and not mine._partial


async def test_fetch_answers_what_the_orm_answers(world: World) -> None:
    staff = await world.actor(world.coordinator_a)
    assert (await book_slot(staff, world.slot.id, world.pupil_a.id)).ok
    querysets: list[QuerySet[Any]] = [
        models.Slot.all().order_by("id"),
        models.Slot.filter(id__gt=0).order_by("-id").limit(2),
        models.Employer.all().order_by("id"),
        models.School.all().order_by("id"),
        models.Period.all().order_by("id"),
        models.Booking.all().order_by("id"),
        models.Pupil.all().order_by("id"),
        models.Slot.filter(id=-1),  # nothing
    ]
    for queryset in querysets:
        fetched: list[Model] = await rows.fetch(queryset)
        _same(fetched, list(await queryset))
    assert await rows.fetch(models.Booking.all())


async def test_what_fetch_does_not_cover_is_awaited_the_orm_way(world: World) -> None:
    related = await rows.fetch(models.Pupil.all().select_related("school").order_by("id"))
    assert related and all(p.school.id == p.school_id for p in related)
    partial = await rows.fetch(models.Slot.all().only("id", "title"))
    assert partial and all(s._partial for s in partial)
    distinct: QuerySet[models.Slot] = models.Slot.all().order_by("id").distinct()
    fetched = await rows.fetch(distinct)
    _same(fetched, list(await models.Slot.all().order_by("id")))
