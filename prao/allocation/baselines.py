"""The two ways places are handed out without an allocation run, to measure the run against:
first come first served in random order, and pupil-proposing deferred acceptance with
lottery priorities (every slot ranks pupils by one common lottery)."""

from __future__ import annotations

from collections import defaultdict

from prao.allocation.solver import Instance, Solution, draw_lottery


def _solution(
    instance: Instance, assignment: dict[int, tuple[int, int]], lottery: list[int]
) -> Solution:
    max_rank = max([instance.max_rank, *(r for _, r in assignment.values())])
    counts = [0] * max_rank
    for _, rank in assignment.values():
        counts[rank - 1] += 1
    return Solution(assignment=assignment, lottery=lottery, rank_counts=counts)


def greedy(instance: Instance, seed: int) -> Solution:
    """Pupils arrive in random order and take their best wish that still has a place."""
    lottery = draw_lottery([p.id for p in instance.pupils], seed)
    left = {s.id: s.places for s in instance.slots}
    by_id = {p.id: p for p in instance.pupils}
    assignment: dict[int, tuple[int, int]] = {}
    for pupil_id in lottery:
        for slot_id, rank in sorted(by_id[pupil_id].wishes, key=lambda w: w[1]):
            if left.get(slot_id, 0) > 0:
                left[slot_id] -= 1
                assignment[pupil_id] = (slot_id, rank)
                break
    return _solution(instance, assignment, lottery)


def deferred_acceptance(instance: Instance, seed: int) -> Solution:
    """Gale–Shapley, pupils proposing; slots keep the best-lottery proposers up to capacity."""
    lottery = draw_lottery([p.id for p in instance.pupils], seed)
    priority = {pid: i for i, pid in enumerate(lottery)}
    places = {s.id: s.places for s in instance.slots}
    lists = {p.id: sorted(p.wishes, key=lambda w: w[1]) for p in instance.pupils}
    next_choice = dict.fromkeys(lists, 0)
    held: dict[int, list[int]] = defaultdict(list)
    free = list(reversed(lottery))
    while free:
        pupil_id = free.pop()
        wishes = lists[pupil_id]
        while next_choice[pupil_id] < len(wishes):
            slot_id, _ = wishes[next_choice[pupil_id]]
            next_choice[pupil_id] += 1
            cap = places.get(slot_id, 0)
            if cap <= 0:
                continue
            holding = held[slot_id]
            if len(holding) < cap:
                holding.append(pupil_id)
                break
            worst = max(holding, key=priority.__getitem__)
            if priority[worst] > priority[pupil_id]:
                holding.remove(worst)
                holding.append(pupil_id)
                free.append(worst)
                break
    rank_of = {p.id: dict(p.wishes) for p in instance.pupils}
    assignment = {
        pid: (slot_id, rank_of[pid][slot_id]) for slot_id, pids in held.items() for pid in pids
    }
    return _solution(instance, assignment, lottery)
