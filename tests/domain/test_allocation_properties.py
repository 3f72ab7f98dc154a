"""Property tests of the solver on random instances, checked against independent answers."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from prao.allocation.solver import (
    POLICIES,
    Instance,
    PupilWishes,
    SlotPlaces,
    rank_weights,
    shares,
    solve,
)


@st.composite
def instances(draw: st.DrawFn, max_pupils: int = 12) -> Instance:
    slot_count = draw(st.integers(1, 6))
    slots = tuple(SlotPlaces(id=100 + i, places=draw(st.integers(0, 3))) for i in range(slot_count))
    pupils = []
    for pid in range(1, draw(st.integers(0, max_pupils)) + 1):
        chosen = draw(st.lists(st.sampled_from([s.id for s in slots]), max_size=4, unique=True))
        pupils.append(
            PupilWishes(
                id=pid,
                school_id=draw(st.integers(1, 3)),
                wishes=tuple((s, r + 1) for r, s in enumerate(chosen)),
            )
        )
    policy = draw(st.sampled_from(POLICIES))
    return Instance(
        pupils=tuple(pupils), slots=slots, max_rank=4, policy=policy, balance=draw(st.booleans())
    )


def maximum_matching(instance: Instance) -> int:
    """Pupils × individual places, matched by scipy (Hopcroft–Karp), not by our solver."""
    columns: dict[int, list[int]] = {}
    for s in instance.slots:
        start = sum(len(c) for c in columns.values())
        columns[s.id] = list(range(start, start + max(s.places, 0)))
    width = sum(len(c) for c in columns.values())
    if not instance.pupils or width == 0:
        return 0
    rows, cols = [], []
    for i, p in enumerate(instance.pupils):
        for slot_id, _ in p.wishes:
            for c in columns[slot_id]:
                rows.append(i)
                cols.append(c)
    graph = csr_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(instance.pupils), width)
    )
    matched = maximum_bipartite_matching(graph, perm_type="column")
    return int((matched >= 0).sum())


@settings(max_examples=100, deadline=None)
@given(instances(), st.integers(0, 2**31 - 1))
def test_feasible_maximal_and_deterministic(instance: Instance, seed: int) -> None:
    solution = solve(instance, seed)
    places = {s.id: s.places for s in instance.slots}
    wishes = {p.id: dict(p.wishes) for p in instance.pupils}
    used = Counter(slot_id for slot_id, _ in solution.assignment.values())
    assert all(used[s] <= max(places[s], 0) for s in used)  # no slot over capacity
    assert len(solution.assignment) == len(set(solution.assignment))  # nobody twice
    for pupil_id, (slot_id, rank) in solution.assignment.items():
        assert wishes[pupil_id].get(slot_id) == rank  # only a slot she wished for
    assert solution.placed == maximum_matching(instance)
    again = solve(instance, seed)
    assert again.assignment == solution.assignment
    assert sorted(solution.lottery) == sorted(p.id for p in instance.pupils)


def brute_force_best(instance: Instance) -> tuple[int, int]:
    """(most placed, least policy cost) over every assignment, balancing penalty included."""
    weights = rank_weights(instance.policy, instance.max_rank)
    penalty = max(weights) - min(weights) + 1 if instance.balance else 0
    places = {s.id: s.places for s in instance.slots}
    options = [[None, *(w for w in p.wishes if places[w[0]] > 0)] for p in instance.pupils]
    demand: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for p, opts in zip(instance.pupils, options, strict=True):
        for w in opts[1:]:
            assert w is not None
            demand[w[0]][p.school_id] += 1
    quota = {s: shares(places[s], dict(d)) for s, d in demand.items()}
    best = (0, 0)
    for combo in itertools.product(*options):
        used = Counter(
            (w[0], p.school_id) for p, w in zip(instance.pupils, combo, strict=True) if w
        )
        per_slot = Counter(w[0] for w in combo if w)
        if any(per_slot[s] > places[s] for s in per_slot):
            continue
        cost = sum(weights[w[1] - 1] for w in combo if w)
        if instance.balance:
            cost += penalty * sum(
                max(0, n - quota[s][k]) for (s, k), n in used.items() if len(demand[s]) > 1
            )
        placed = sum(1 for w in combo if w)
        if (placed, -cost) > (best[0], -best[1]) or best == (0, 0):
            best = (placed, cost)
    return best


@settings(max_examples=100, deadline=None)
@given(instances(max_pupils=5), st.integers(0, 2**31 - 1))
def test_lottery_never_beats_a_higher_objective(instance: Instance, seed: int) -> None:
    """Whatever the draw, the placed count and the policy's cost are the true optimum."""
    solution = solve(instance, seed)
    weights = rank_weights(instance.policy, instance.max_rank)
    penalty = max(weights) - min(weights) + 1 if instance.balance else 0
    overflow = 0
    for (slot_id, school_id), quota in solution.quotas.items():
        taken = sum(
            1
            for p in instance.pupils
            if p.school_id == school_id and solution.assignment.get(p.id, (0,))[0] == slot_id
        )
        overflow += max(0, taken - quota)
    cost = sum(weights[r - 1] for _, r in solution.assignment.values()) + penalty * overflow
    assert (solution.placed, cost) == brute_force_best(instance)
