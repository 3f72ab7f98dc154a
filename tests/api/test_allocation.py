"""startAllocationRun, applyAllocationRun and allocationRun over GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from prao.errors import ErrorCode
from prao.models import AllocationRun as RunRow
from prao.models import AuditEvent, Booking, User, Wish
from tests import factories
from tests.allocation_world import Setup, wish
from tests.callers import Caller, gid
from tests.conftest import drain_jobs

START = """
mutation($input: StartAllocationRunInput!) {
  startAllocationRun(input: $input) {
    run { id status progress seed policy dryRun }
    errors { code field message }
  }
}"""
APPLY = """
mutation($input: ApplyAllocationRunInput!) {
  applyAllocationRun(input: $input) { run { id status } errors { code field message } }
}"""
# Codes the tests below reach through the API (the every-code check in tests/api collects them).
ALLOCATION_CODES = {ErrorCode.STALE_PROPOSAL}

READ = """
query($id: ID!) {
  allocationRun(id: $id) {
    status progress progressText
    period { name }
    result { pupils placed unplacedCount rankCounts unplacedPupilIds
             schools { placed rankCounts school { name } } }
  }
}"""


async def test_start_read_apply(
    setup: Setup,
    as_user: Callable[[User], Awaitable[Caller]],
) -> None:
    extra = await factories.pupil(setup.world.school_a)
    await wish(extra, setup.period, setup.slots[0])  # P only, like pupil 4: one is left out
    caller = await as_user(setup.world.coordinator_a)
    data = await caller.data(
        START, {"input": {"periodId": gid("Period", setup.period.id), "seed": 12}}
    )
    payload = data["startAllocationRun"]
    assert payload["errors"] == []
    run = payload["run"]
    assert run["seed"] == 12 and run["policy"] == "CONVEX" and run["dryRun"] is True
    await drain_jobs()
    read = (await caller.data(READ, {"id": run["id"]}))["allocationRun"]
    assert read["status"] == "DONE" and read["progress"] == 100
    assert read["result"]["placed"] == 4 and read["result"]["rankCounts"] == [1, 3, 0]
    assert read["result"]["schools"][0]["school"]["name"] == "Skola A"
    (left_out,) = read["result"]["unplacedPupilIds"]
    assert left_out in {gid("Pupil", extra.id), gid("Pupil", setup.pupils[3].id)}
    assert await AuditEvent.filter(object_type="pupil").exists()
    applied = (await caller.data(APPLY, {"input": {"runId": run["id"]}}))["applyAllocationRun"]
    assert applied["errors"] == [] and applied["run"]["status"] == "APPLIED"
    assert await Booking.all().count() == 4


async def test_refusals_are_payload_errors(
    setup: Setup,
    as_user: Callable[[User], Awaitable[Caller]],
    as_token: Callable[..., Awaitable[Caller]],
) -> None:
    period = gid("Period", setup.period.id)
    other = await as_user(setup.world.coordinator_b)
    refused = (await other.data(START, {"input": {"periodId": period}}))["startAllocationRun"]
    assert refused["run"] is None and refused["errors"][0]["code"] == "NOT_FOUND"
    token_b = await as_token(setup.world.school_b)
    refused = (await token_b.data(START, {"input": {"periodId": period}}))["startAllocationRun"]
    assert refused["errors"][0]["code"] == "NOT_FOUND"
    bad = (await other.data(START, {"input": {"periodId": "nonsense"}}))["startAllocationRun"]
    assert bad["errors"][0]["code"] == "INVALID"
    assert await RunRow.all().count() == 0
    token_a = await as_token(setup.world.school_a)
    data: dict[str, Any] = await token_a.data(START, {"input": {"periodId": period, "seed": -4}})
    assert data["startAllocationRun"]["errors"][0]["field"] == "seed"
    ok = (await token_a.data(START, {"input": {"periodId": period}}))["startAllocationRun"]
    assert ok["errors"] == []
    await drain_jobs()
    run_id = ok["run"]["id"]
    assert (await other.data(READ, {"id": run_id}))["allocationRun"] is None
    node = "query($id: ID!) { node(id: $id) { ... on AllocationRun { status } } }"
    assert (await other.data(node, {"id": run_id}))["node"] is None
    assert (await token_a.data(node, {"id": run_id}))["node"] == {"status": "DONE"}
    theirs = (await other.data(APPLY, {"input": {"runId": run_id}}))["applyAllocationRun"]
    assert theirs["errors"][0]["code"] == "NOT_FOUND"
    assert await Booking.all().count() == 0


async def test_stale_proposal_is_refused_over_the_api(
    setup: Setup, as_user: Callable[[User], Awaitable[Caller]]
) -> None:
    caller = await as_user(setup.world.coordinator_a)
    period = gid("Period", setup.period.id)
    run = (await caller.data(START, {"input": {"periodId": period}}))["startAllocationRun"]["run"]
    await drain_jobs()
    await Wish.filter(pupil_id=setup.pupils[3].id).delete()
    refused = (await caller.data(APPLY, {"input": {"runId": run["id"]}}))["applyAllocationRun"]
    assert [e["code"] for e in refused["errors"]] == ["STALE_PROPOSAL"]
    assert refused["errors"][0]["field"] == "runId"
    read = (await caller.data(READ, {"id": run["id"]}))["allocationRun"]
    assert read["status"] == "STALE"
    assert await Booking.all().count() == 0
