"""A transaction that loses to a concurrent one runs once more; a second loss is a typed
refusal with nothing saved, never an internal error."""

from __future__ import annotations

import asyncpg
import pytest
from tortoise.exceptions import OperationalError

from prao.db import WriteConflict, is_write_conflict, retry_on_conflict
from prao.errors import ErrorCode
from prao.models import Pupil
from prao.services import pupil_store
from prao.services.pupil_rows import PupilRow
from prao.services.pupil_upsert import CONFLICT, upsert_pupils
from tests.factories import World


def deadlock() -> asyncpg.exceptions.DeadlockDetectedError:
    return asyncpg.exceptions.DeadlockDetectedError("deadlock detected")


def test_deadlocks_and_serialization_failures_are_conflicts_however_wrapped() -> None:
    assert is_write_conflict(deadlock())
    assert is_write_conflict(asyncpg.exceptions.SerializationError("could not serialize"))
    try:
        try:
            raise deadlock()
        except asyncpg.PostgresError as exc:
            raise OperationalError(exc) from exc
    except OperationalError as wrapped:
        assert is_write_conflict(wrapped)
    assert not is_write_conflict(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not is_write_conflict(ValueError("40P01"))


async def test_one_lost_transaction_runs_again() -> None:
    calls: list[int] = []

    async def work() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise deadlock()
        return "saved"

    assert await retry_on_conflict(work) == "saved"
    assert len(calls) == 2


async def test_two_losses_raise_write_conflict_and_other_errors_pass_through() -> None:
    calls: list[int] = []

    async def always_loses() -> None:
        calls.append(1)
        raise deadlock()

    with pytest.raises(WriteConflict):
        await retry_on_conflict(always_loses)
    assert len(calls) == 2

    async def broken() -> None:
        calls.append(1)
        raise ValueError("not a conflict")

    with pytest.raises(ValueError):
        await retry_on_conflict(broken)
    assert len(calls) == 3  # not retried


async def test_upsert_that_keeps_losing_answers_the_typed_conflict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = await world.actor(world.coordinator_a)
    real_write = pupil_store.write
    attempts: list[int] = []

    async def write_then_lose(*args: object, **kwargs: object) -> object:
        attempts.append(1)
        await real_write(*args, **kwargs)  # type: ignore[arg-type]
        raise deadlock()

    monkeypatch.setattr(pupil_store, "write", write_then_lose)
    rows = [PupilRow(external_id="W-1", first_name="Elev", last_name="Ett", year_group=8)]
    outcome = await upsert_pupils(actor, world.school_a.id, rows)
    assert [(e.code, e.field, e.message) for e in outcome.errors] == [
        (ErrorCode.DUPLICATE, "pupils", CONFLICT)
    ]
    assert len(attempts) == 2
    assert not await Pupil.filter(external_id="W-1").exists()
