"""The solver on hand-made instances whose optimal answers are known."""

from __future__ import annotations

import pytest

from prao.allocation.baselines import deferred_acceptance, greedy
from prao.allocation.solver import (
    Instance,
    PupilWishes,
    SlotPlaces,
    draw_lottery,
    rank_weights,
    shares,
    solve,
)


def pupil(pid: int, *slots: int, school: int = 1) -> PupilWishes:
    return PupilWishes(
        id=pid, school_id=school, wishes=tuple((s, r + 1) for r, s in enumerate(slots))
    )


def instance(pupils: list[PupilWishes], places: dict[int, int], **kw: object) -> Instance:
    slots = tuple(SlotPlaces(id=s, places=n) for s, n in places.items())
    return Instance(pupils=tuple(pupils), slots=slots, **{"max_rank": 3, **kw})  # type: ignore[arg-type]


def test_places_more_than_first_wish_greedy() -> None:
    # Pupil 1 wishes A then B; pupil 2 only A. Whoever goes first by first wish takes A:
    # if 1 is first, 2 is left out. The optimum places both: 1 at B, 2 at A.
    inst = instance([pupil(1, 10, 11), pupil(2, 10)], {10: 1, 11: 1})
    for seed in range(10):
        solution = solve(inst, seed)
        assert solution.assignment == {1: (11, 2), 2: (10, 1)}
    left_out = [seed for seed in range(20) if greedy(inst, seed).placed < 2]
    assert left_out, "greedy in some order places only one"


def test_placing_more_beats_better_ranks() -> None:
    # Three pupils all wish A first; B and C are second wishes of only two of them.
    inst = instance([pupil(1, 10, 11), pupil(2, 10, 12), pupil(3, 10)], {10: 1, 11: 1, 12: 1})
    solution = solve(inst, 7)
    assert solution.placed == 3
    assert solution.assignment[3] == (10, 1)
    assert solution.rank_counts == [1, 2, 0]


def test_bookings_that_stay_use_their_places() -> None:
    # Slot A has capacity 2 but one place is held by a confirmed booking: places left 1.
    inst = instance([pupil(1, 10, 11), pupil(2, 10, 11)], {10: 1, 11: 1})
    solution = solve(inst, 3)
    assert sorted(s for s, _ in solution.assignment.values()) == [10, 11]
    full = instance([pupil(1, 10), pupil(2, 10)], {10: 0})
    assert solve(full, 3).placed == 0


def policy_instance(policy: str) -> Instance:
    # Pupil 1 may take A (1st) or B (2nd), pupil 2 B (1st) or C (2nd), pupil 3 A (3rd) or
    # C (4th); slots 20 and 21 are full. Everyone fits in exactly two ways:
    #   X = 1:A 2:B 3:C, ranks (1, 1, 4): linear 6, squares 18, one last wish;
    #   Y = 1:B 2:C 3:A, ranks (2, 2, 3): linear 7, squares 17, no first wish.
    pupils = [pupil(1, 10, 11), pupil(2, 11, 12), pupil(3, 20, 21, 10, 12)]
    return instance(pupils, {10: 1, 11: 1, 12: 1, 20: 0, 21: 0}, max_rank=4, policy=policy)


X = {1: (10, 1), 2: (11, 1), 3: (12, 4)}
Y = {1: (11, 2), 2: (12, 2), 3: (10, 3)}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("linear", X), ("convex", Y), ("most_first_wishes", X), ("fewest_last_wishes", Y)],
)
def test_policies_choose_their_profile(policy: str, expected: dict[int, tuple[int, int]]) -> None:
    for seed in range(5):
        assert solve(policy_instance(policy), seed).assignment == expected


def balancing_instance(balance: bool) -> Instance:
    # Slot A (2 places): school 1's two pupils wish it 1st, school 2's two pupils 3rd.
    # Their fallbacks are 3rd (school 1, slot B) and 4th (school 2, slot F) wishes.
    one = [PupilWishes(i, 1, ((10, 1), (20, 2), (11, 3))) for i in (1, 2)]
    two = [PupilWishes(i, 2, ((20, 1), (21, 2), (10, 3), (12, 4))) for i in (3, 4)]
    return instance(
        one + two, {10: 2, 11: 2, 12: 2, 20: 0, 21: 0}, max_rank=4, policy="convex", balance=balance
    )


def test_balancing_shares_a_slot_between_schools() -> None:
    for seed in range(5):
        unbalanced = solve(balancing_instance(False), seed)
        # Squares 1+1+16+16 = 34 beat 1+9+9+16 = 35: school 1 takes both places at A.
        assert {p for p, (s, _) in unbalanced.assignment.items() if s == 10} == {1, 2}
        balanced = solve(balancing_instance(True), seed)
        at_a = {p for p, (s, _) in balanced.assignment.items() if s == 10}
        # Both schools wished A twice: one place each.
        assert balanced.quotas[(10, 1)] == balanced.quotas[(10, 2)] == 1
        assert len(at_a & {1, 2}) == 1 and len(at_a & {3, 4}) == 1
        assert balanced.placed == unbalanced.placed == 4


def test_shares_proportional_largest_remainder() -> None:
    assert shares(10, {1: 3, 2: 1}) == {1: 3, 2: 1}  # everyone fits
    assert shares(4, {1: 6, 2: 2}) == {1: 3, 2: 1}
    assert shares(3, {1: 1, 2: 1, 3: 1, 4: 1}) == {1: 1, 2: 1, 3: 1, 4: 0}
    assert sum(shares(7, {1: 5, 2: 9, 3: 2}).values()) == 7


def test_outside_demand_reserves_a_share() -> None:
    # Another school's pupils (not in this run) wished for A as much as ours: we take our
    # share cheaply and the rest only when nothing else works.
    ours = [pupil(1, 10, 11), pupil(2, 10, 11)]
    slots = (SlotPlaces(10, 2, outside_demand=((9, 2),)), SlotPlaces(11, 1))
    inst = Instance(pupils=tuple(ours), slots=slots, max_rank=2)
    solution = solve(inst, 1)
    assert sorted(solution.assignment.values()) == [(10, 1), (11, 2)]
    crowded = Instance(pupils=tuple(ours), slots=(slots[0],), max_rank=2)
    assert solve(crowded, 1).placed == 2  # placing everyone still comes first


def test_lottery_breaks_ties_and_is_reproducible() -> None:
    inst = instance([pupil(i, 10, 11) for i in range(1, 7)], {10: 2, 11: 2})
    first = solve(inst, 42)
    assert solve(inst, 42).assignment == first.assignment
    assert first.lottery == draw_lottery(list(range(1, 7)), 42)
    # The first two drawn get their first wish, the next two their second.
    order = first.lottery
    assert {first.assignment[p][1] for p in order[:2]} == {1}
    assert {first.assignment[p][1] for p in order[2:4]} == {2}
    assert all(p not in first.assignment for p in order[4:])
    others = {tuple(sorted(solve(inst, seed).assignment)) for seed in range(30)}
    assert len(others) > 1  # a different seed can change who wins a tie
    for seed in range(30):
        assert solve(inst, seed).rank_counts == first.rank_counts  # but never the profile


def test_lottery_never_overrides_the_rank_profile() -> None:
    # Both want A first; pupil 1 has B second, pupil 2 only C third. Convex: 1 at B, 2 at A
    # costs 4 + 1 = 5 against 1 + 9 = 10, so pupil 2 gets A even when pupil 1 is drawn first.
    inst = instance([pupil(1, 10, 11), pupil(2, 10, 20, 12)], {10: 1, 11: 1, 12: 1, 20: 0})
    drawn_first = set()
    for seed in range(40):
        solution = solve(inst, seed)
        drawn_first.add(solution.lottery[0])
        assert solution.assignment == {1: (11, 2), 2: (10, 1)}
    assert drawn_first == {1, 2}


def test_rank_weights_orders() -> None:
    assert rank_weights("convex", 3) == [1, 4, 9]
    assert rank_weights("linear", 3) == [1, 2, 3]
    most_first = rank_weights("most_first_wishes", 5)
    assert most_first[1] - most_first[0] > most_first[4] - most_first[1]
    with pytest.raises(ValueError, match="unknown policy"):
        rank_weights("random", 3)


def test_deferred_acceptance_is_stable_on_a_small_instance() -> None:
    inst = instance([pupil(1, 10, 11), pupil(2, 10)], {10: 1, 11: 1})
    da = deferred_acceptance(inst, 0)
    winner = da.lottery[0]
    assert da.assignment[winner] == (10, 1)


def test_wishes_it_cannot_use_are_skipped() -> None:
    # Pupil 1 names slot 10 twice (it counts at her better rank) and slot 99, which is not in
    # the instance; slot 11 has no place left. Pupil 3's wish at rank 5 lengthens the profile.
    one = PupilWishes(1, 1, ((10, 3), (99, 1), (11, 2), (10, 2)))
    two = PupilWishes(2, 1, ((11, 1),))
    three = PupilWishes(3, 1, ((12, 5),))
    inst = instance([three, one, two], {10: 1, 11: 0, 12: 1})
    for seed in range(3):
        solution = solve(inst, seed)
        assert solution.assignment == {1: (10, 2), 3: (12, 5)}
        assert solution.rank_counts == [0, 1, 0, 0, 1]
        assert sorted(solution.lottery) == [1, 2, 3]
    assert solve(instance([], {10: 1}), 1).assignment == {}
    assert solve(instance([two], {}), 1).rank_counts == [0, 0, 0]


def test_an_instance_too_large_for_exact_tie_breaking_is_refused() -> None:
    # A rank weight of 10^13 times a scale of 10^6 leaves no room below the cost limit; a
    # long list whose costly ranks nobody uses is solved.
    deep = PupilWishes(1, 1, ((10, 3_000_000),))
    with pytest.raises(ValueError, match="too large"):
        solve(instance([deep], {10: 1}), 1)
    wide = instance([pupil(1, 10)], {10: 1}, max_rank=3_000_000)
    assert solve(wide, 1).assignment == {1: (10, 1)}
