"""`periodStatistics` over GraphQL: the same figures as the domain's, suppressed cells null,
an organiser's token and admin reading every school, a school's token its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from prao.models import User
from tests.callers import Caller, gid
from tests.domain.test_statistics import placed_world
from tests.factories import World

QUERY = """query($id: ID!) { periodStatistics(periodId: $id) {
  period { name }
  totals { pupils placed unplaced selfFound allocated firstCome top3Share absenceRate
           certificateRate pupilResponseRate supervisorResponseRate averageScore
           hostAgainShare placesOffered selfFoundShare }
  bySchool { id name figures { pupils selfFoundShare top3Share } }
  byTrade { id name figures { pupils placed placesOffered } }
  byEmployer { id name figures { placed hostAgainShare } }
  equity { schoolId name selfFoundShare top3Share }
} }"""


async def statistics_of(caller: Caller, world: World) -> Any:
    data = await caller.data(QUERY, {"id": gid("Period", world.period_a.id)})
    return data["periodStatistics"]


async def test_an_organiser_token_reads_every_school_with_suppressed_cells_null(
    world: World, as_token: Callable[..., Awaitable[Caller]]
) -> None:
    await placed_world(world)
    stats = await statistics_of(await as_token(organiser=world.organiser), world)
    totals = stats["totals"]
    assert (totals["pupils"], totals["placed"], totals["unplaced"]) == (13, 10, 3)
    assert (totals["selfFound"], totals["allocated"], totals["firstCome"]) == (2, 6, 2)
    assert totals["top3Share"] == round(5 / 6, 4)
    assert (totals["absenceRate"], totals["certificateRate"]) == (0.1, 0.5)
    assert (totals["averageScore"], totals["hostAgainShare"]) == (3.2, 0.6)
    assert totals["placesOffered"] == 19
    schools = {row["name"]: row for row in stats["bySchool"]}
    assert schools["Skola A"]["id"] == gid("School", world.school_a.id)
    assert schools["Skola B"]["figures"] == {"pupils": 5, "selfFoundShare": None, "top3Share": None}
    vard = next(row for row in stats["byTrade"] if row["name"] == "Vård")
    assert vard == {
        "id": None,
        "name": "Vård",
        "figures": {"pupils": None, "placed": None, "placesOffered": 4},
    }
    employers = {row["name"]: row["figures"] for row in stats["byEmployer"]}
    assert employers["Handelsbolaget"] == {"placed": 6, "hostAgainShare": 0.6}
    assert employers["Vårdhemmet"]["placed"] is None
    assert {e["name"] for e in stats["equity"]} == {"Skola A", "Skola B"}


async def test_a_school_token_and_coordinator_read_their_school_beside_the_totals(
    world: World,
    as_token: Callable[..., Awaitable[Caller]],
    as_user: Callable[[User], Awaitable[Caller]],
) -> None:
    await placed_world(world)
    for caller in (await as_token(world.school_a), await as_user(world.coordinator_a)):
        stats = await statistics_of(caller, world)
        assert [row["name"] for row in stats["bySchool"]] == ["Skola A"]
        assert [row["name"] for row in stats["equity"]] == ["Skola A"]
        assert stats["totals"]["pupils"] == 13
    # School B's period is not school A's token's to read.
    token = await as_token(world.school_a)
    data = await token.data(QUERY, {"id": gid("Period", world.period_b.id)})
    assert data["periodStatistics"] is None


async def test_employers_pupils_and_another_organiser_get_null(
    world: World,
    as_token: Callable[..., Awaitable[Caller]],
    as_user: Callable[[User], Awaitable[Caller]],
) -> None:
    await placed_world(world)
    callers = [
        await as_user(world.employer_user),
        await as_user(world.pupil_a_user),
        await as_token(organiser=world.other_organiser),
    ]
    for caller in callers:
        assert await statistics_of(caller, world) is None
    admin = await as_user(world.admin)
    data = await admin.data(QUERY, {"id": gid("Slot", world.slot.id)})
    assert data["periodStatistics"] is None
