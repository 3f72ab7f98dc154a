"""Two school-system calls that write the same pupils at once, on PostgreSQL: each row is
locked as it is written, so rows written in the callers' own orders deadlock."""

from __future__ import annotations

import asyncio

import pytest

from prao.errors import ErrorCode
from prao.models import Guardian, Pupil, User
from prao.services.pupil_rows import PupilRow
from prao.services.pupil_upsert import CONFLICT, upsert_pupils
from tests.factories import World

pytestmark = pytest.mark.postgres

COUNT = 200


def rows(version: str) -> list[PupilRow]:
    return [
        PupilRow(
            external_id=f"R-{i:03}",
            first_name="Elev",
            last_name=f"Nr{i}{version}",
            year_group=8,
            email=f"r{i}@elev.se",
            guardian_email=f"vh.r{i}.{version}@example.se",
        )
        for i in range(COUNT)
    ]


async def test_opposite_orders_of_the_same_pupils_both_save(postgres: None, world: World) -> None:
    """Both calls update the same stored pupils, one from the first row and one from the last;
    written in a stable order, one waits for the other and neither ends in a deadlock."""
    actor = await world.actor(world.coordinator_a)
    created = await upsert_pupils(actor, world.school_a.id, rows("0"))
    assert created.ok and created.value is not None and created.value.created == COUNT
    forward, backward = rows("a"), list(reversed(rows("b")))
    outcomes = await asyncio.gather(
        upsert_pupils(actor, world.school_a.id, forward),
        upsert_pupils(actor, world.school_a.id, backward),
    )
    assert [o.errors for o in outcomes] == [[], []]
    for outcome, sent in zip(outcomes, (forward, backward), strict=True):
        assert outcome.value is not None and outcome.value.updated == COUNT
        # Results come back in the caller's order, whatever order the rows were written in.
        saved = await Pupil.in_bulk(outcome.value.pupil_ids, "id")
        assert [saved[i].external_id for i in outcome.value.pupil_ids] == [
            r.external_id for r in sent
        ]
    names = {p.last_name[-1] for p in await Pupil.filter(external_id__startswith="R-")}
    assert len(names) == 1  # every pupil from the same call, the one that committed last
    assert await Guardian.filter(email__startswith="vh.r").count() == 3 * COUNT


async def test_opposite_orders_of_the_same_new_pupils_save_them_once(
    postgres: None, world: World
) -> None:
    """New pupils in opposite orders: the second call waits on the unique key of the first
    row both write, then is refused whole with the typed conflict, never an internal error."""
    actor = await world.actor(world.coordinator_a)
    outcomes = await asyncio.gather(
        upsert_pupils(actor, world.school_a.id, rows("a")),
        upsert_pupils(actor, world.school_a.id, list(reversed(rows("b")))),
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    refused = next(o for o in outcomes if not o.ok)
    assert [(e.code, e.message) for e in refused.errors] == [(ErrorCode.DUPLICATE, CONFLICT)]
    assert await Pupil.filter(external_id__startswith="R-").count() == COUNT
    assert await User.filter(email__startswith="r", email__endswith="@elev.se").count() == COUNT
