"""Relay paging both ways, refusals for bad page arguments, and cursors that survive inserts."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.callers import Caller, gid
from tests.factories import World

SLOTS = """
query($first: Int, $after: String, $last: Int, $before: String) {
  slots(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _slots(api: Caller, **variables: Any) -> dict[str, Any]:
    data = await api.data(SLOTS, variables)
    return data["slots"]  # type: ignore[no-any-return]


async def _make_slots(world: World, count: int) -> list[str]:
    made = [await factories.slot(world.employer) for _ in range(count)]
    return [gid("Slot", s.id) for s in made]


async def test_last_and_before_page_backwards_over_the_same_order(world: World, as_token) -> None:
    await _make_slots(world, 12)
    api = await as_token(world.school_a)
    forward: list[str] = []
    after = None
    while True:
        page = await _slots(api, first=5, after=after)
        forward += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    backward: list[str] = []
    before = None
    while True:
        page = await _slots(api, last=5, before=before)
        backward = [n["id"] for n in page["nodes"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]

    assert forward == backward
    assert len(forward) == len(set(forward)) == page["totalCount"] >= 12


async def test_last_alone_gives_the_final_items(world: World, as_token) -> None:
    await _make_slots(world, 6)
    api = await as_token(world.school_a)
    everything = await _slots(api, first=100)
    tail = await _slots(api, last=3)
    assert [n["id"] for n in tail["nodes"]] == [n["id"] for n in everything["nodes"]][-3:]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    assert tail["pageInfo"]["hasNextPage"] is False


async def test_after_and_before_bound_a_window(world: World, as_token) -> None:
    await _make_slots(world, 8)
    api = await as_token(world.school_a)
    ids = [n["id"] for n in (await _slots(api, first=100))["nodes"]]
    cursors = (await api.data("{ slots(first: 100) { edges { cursor } } }"))["slots"]["edges"]
    window = await _slots(api, first=100, after=cursors[1]["cursor"], before=cursors[5]["cursor"])
    assert [n["id"] for n in window["nodes"]] == ids[2:5]


async def test_cursor_stays_valid_while_rows_are_inserted(world: World, as_token) -> None:
    await _make_slots(world, 6)
    api = await as_token(world.school_a)
    first_page = await _slots(api, first=3)
    seen = [n["id"] for n in first_page["nodes"]]
    added = await _make_slots(world, 4)
    rest: list[str] = []
    after = first_page["pageInfo"]["endCursor"]
    while after:
        page = await _slots(api, first=3, after=after)
        rest += [n["id"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert not set(seen) & set(rest)  # nothing repeated, as an offset would
    assert set(added) <= set(rest)  # new rows land at the end, not in a skipped gap


async def _refusal(api: Caller, query: str, variables: dict[str, Any]) -> str:
    payload = await api.result(query, variables)
    assert payload["data"] is None
    [error] = payload["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return str(error["message"])


async def test_bad_page_arguments_are_clear_errors(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    assert "between 0 and 100" in await _refusal(api, SLOTS, {"first": 101})
    assert "between 0 and 100" in await _refusal(api, SLOTS, {"last": 101})
    assert "between 0 and 100" in await _refusal(api, SLOTS, {"first": -1})
    assert "not both" in await _refusal(api, SLOTS, {"first": 5, "last": 5})
    assert "not a cursor" in await _refusal(api, SLOTS, {"after": "bm9wZQ=="})
    assert "not a cursor" in await _refusal(api, SLOTS, {"before": "%%%"})


async def test_id_cursor_is_refused_in_sync_order(world: World, as_token) -> None:
    await _make_slots(world, 2)
    api = await as_token(world.school_a)
    cursor = (await _slots(api, first=1))["pageInfo"]["endCursor"]
    query = """query($after: String) {
      slots(first: 5, after: $after, updatedSince: "2000-01-01T00:00:00Z") { nodes { id } }
    }"""
    assert "not a cursor" in await _refusal(api, query, {"after": cursor})


async def test_nodes_returns_visible_objects_in_order_and_null_for_the_rest(
    world: World, as_token
) -> None:
    api = await as_token(world.school_a)
    asked = [
        gid("Pupil", world.pupil_a.id),
        gid("Pupil", world.pupil_b.id),  # another school's pupil
        gid("Slot", world.slot.id),
        "not-an-id",
        gid("Pupil", world.pupil_x.id),  # another organiser's pupil
        gid("Pupil", world.pupil_a2.id),
    ]
    data = await api.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Pupil { firstName } } }",
        {"ids": asked},
    )
    got = [n["id"] if n else None for n in data["nodes"]]
    assert got == [asked[0], None, asked[2], None, None, asked[5]]


async def test_nodes_refuses_more_than_a_page(world: World, as_token) -> None:
    api = await as_token(world.school_a)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    ids = [gid("Slot", i) for i in range(1, 102)]
    assert "at most 100" in await _refusal(api, query, {"ids": ids})
