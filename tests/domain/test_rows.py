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


async def test_by_ids_answers_what_the_orm_answers(world: World) -> None:
    staff = await world.actor(world.coordinator_a)
    assert (await book_slot(staff, world.slot.id, world.pupil_a.id)).ok
    for model in (models.Slot, models.Employer, models.School, models.Booking, models.Pupil):
        every: list[Model] = list(await model.all().order_by("id"))
        assert every, model
        wanted = [row.pk for row in every]
        # Order and duplicates of the ids do not matter; an unknown id finds nothing.
        fetched = await rows.by_ids(model, [*reversed(wanted), wanted[0], 2**31 - 1])
        _same(sorted(fetched, key=lambda r: r.pk), every)
        assert await rows.by_ids(model, []) == []


async def test_by_ids_brings_a_related_object_as_select_related_does(world: World) -> None:
    orm = list(await models.Pupil.all().select_related("school").order_by("id"))
    fetched = await rows.by_ids(models.Pupil, [p.pk for p in orm], related="school")
    fetched.sort(key=lambda p: p.pk)
    _same(fetched, orm)
    _same([p.school for p in fetched], [p.school for p in orm])
    # The pupil view reads the school fetched along, as it reads select_related's.
    assert [p.__dict__["_school"].name for p in fetched] == [p.school.name for p in orm]
