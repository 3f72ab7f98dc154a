"""Wishes to places as a min-cost flow (OR-Tools), on plain data: no database in here.

Objectives, strictly in this order:
1. as many pupils placed as any assignment can (max flow, then min cost among max flows);
2. the rank profile of the policy, plus a penalty for each place a school takes beyond its
   proportional share of a slot (capacity balancing; one such place costs more than any one
   pupil's step down her list, so shares win over single rank gains);
3. the published lottery: a tie-break term smaller in total than one unit of objective 2.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

POLICIES = ("convex", "linear", "most_first_wishes", "fewest_last_wishes")
# OR-Tools scales costs by the node count and refuses (BAD_COST_RANGE) well before the
# product reaches int64: measured near 2^63/8 with 10^5 units of supply. Keep below 2^63/16.
COST_LIMIT = 2**59


@dataclass(frozen=True)
class PupilWishes:
    id: int
    school_id: int
    # (slot id, rank) of her eligible wishes, rank 1 = first.
    wishes: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SlotPlaces:
    id: int
    places: int  # capacity left after the bookings that stay
    # Wishes for this slot by pupils outside the instance (other schools' periods), per school.
    outside_demand: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Instance:
    pupils: tuple[PupilWishes, ...]
    slots: tuple[SlotPlaces, ...]
    max_rank: int
    policy: str = "convex"
    balance: bool = True


@dataclass
class Solution:
    assignment: dict[int, tuple[int, int]]  # pupil id -> (slot id, rank)
    lottery: list[int]  # pupil ids, first drawn first
    rank_counts: list[int]  # index r-1: pupils placed at their wish r
    cost: int = 0
    seconds: float = 0.0
    quotas: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return len(self.assignment)


def rank_weights(policy: str, max_rank: int) -> list[int]:
    """Cost of placing a pupil at wish r (index r-1): small integers, by policy."""
    ranks = range(1, max_rank + 1)
    if policy == "convex":
        return [r * r for r in ranks]
    if policy == "linear":
        return list(ranks)
    if policy == "most_first_wishes":
        # A lost first wish outweighs any number of shifts among the others up to max_rank.
        big = max_rank * max_rank
        return [0 if r == 1 else big + r for r in ranks]
    if policy == "fewest_last_wishes":
        # A last wish outweighs two pupils moving from their first wish to the one before last.
        big = 2 * max_rank * max_rank
        return [r * r + (big if r == max_rank and max_rank > 1 else 0) for r in ranks]
    raise ValueError(f"unknown policy {policy!r}")


def draw_lottery(pupil_ids: list[int], seed: int) -> list[int]:
    order = sorted(pupil_ids)
    random.Random(seed).shuffle(order)
    return order


def shares(places: int, demand: dict[int, int]) -> dict[int, int]:
    """Each school's share of a slot's places in proportion to its wishes (largest remainder,
    ties to the lower school id); never more than the school asked for."""
    total = sum(demand.values())
    if total <= places:
        return dict(demand)
    exact = {k: places * d / total for k, d in demand.items()}
    quota = {k: int(v) for k, v in exact.items()}
    left = places - sum(quota.values())
    for k in sorted(demand, key=lambda k: (-(exact[k] - quota[k]), k))[:left]:
        quota[k] += 1
    return quota


@dataclass
class _Graph:
    tails: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    costs: list[int] = field(default_factory=list)

    def arc(self, tail: int, head: int, cap: int, cost: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(cap)
        self.costs.append(cost)
        return len(self.tails) - 1


Usable = list[tuple[PupilWishes, list[tuple[int, int]]]]


def _usable(
    instance: Instance, pupils: list[PupilWishes], places: dict[int, int]
) -> tuple[Usable, dict[int, dict[int, int]]]:
    """Each pupil's wishes for slots with places left (best rank per slot), and the demand
    per slot and school, other schools' wishes outside the instance included."""
    demand: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for s in instance.slots:
        for school_id, count in s.outside_demand:
            demand[s.id][school_id] += count
    usable: Usable = []
    for p in pupils:
        best: dict[int, int] = {}
        for slot_id, rank in p.wishes:
            if places.get(slot_id, 0) > 0:
                best[slot_id] = min(rank, best.get(slot_id, rank))
        kept = sorted(best.items(), key=lambda w: (w[1], w[0]))
        usable.append((p, kept))
        for slot_id, _ in kept:
            demand[slot_id][p.school_id] += 1
    return usable, demand


def _flows(graph: _Graph, supply: int, arcs: list[int]) -> tuple[list[int], int]:
    """Maximum flow from node 0 to node 1 at least cost; the flow on the given arcs."""
    highest = max([abs(c) for c in graph.costs] or [0])
    nodes = max([*graph.tails, *graph.heads, 1]) + 1
    if highest * (nodes + 1) >= COST_LIMIT or highest * max(supply, 1) >= COST_LIMIT:
        raise ValueError("instance too large for exact lottery tie-breaking")
    if not arcs:
        return [], 0
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(graph.tails, dtype=np.int32),
        np.array(graph.heads, dtype=np.int32),
        np.array(graph.caps, dtype=np.int64),
        np.array(graph.costs, dtype=np.int64),
    )
    # SolveMaxFlowWithMinCost needs the supplies set; it may send less than them.
    flow.set_node_supply(0, supply)
    flow.set_node_supply(1, -supply)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed: {status}")
    return [int(f) for f in flow.flows(np.array(arcs, dtype=np.int32))], int(flow.optimal_cost())


def solve(instance: Instance, seed: int) -> Solution:
    started = time.perf_counter()
    pupils = sorted(instance.pupils, key=lambda p: p.id)
    lottery = draw_lottery([p.id for p in pupils], seed)
    position = {pid: i + 1 for i, pid in enumerate(lottery)}
    max_rank = max([instance.max_rank, 1, *(r for p in pupils for _, r in p.wishes)])
    weights = rank_weights(instance.policy, max_rank)
    penalty = (max(weights) - min(weights) + 1) if instance.balance else 0
    n = len(pupils)
    # The lottery term of placing the pupil drawn p-th (from 1) at wish r is
    # 2p + (n + 1 - p)(r - 1): cheaper to place early-drawn pupils (at any one wish), and
    # steeper in rank for them. Summed over all pupils it is at most
    # n(n + 1) + (max_rank - 1)·n(n + 1)/2 < scale, so it never outweighs one unit of the policy.
    scale = (max_rank + 1) * n * (n + 1) // 2 + 1

    places = {s.id: max(s.places, 0) for s in instance.slots}
    usable, demand = _usable(instance, pupils, places)
    inside = {p.school_id for p in pupils}
    # Nodes: 0 source, 1 sink, pupils, slots, then (slot, school) share nodes where balanced.
    graph = _Graph()
    pupil_node = {p.id: 2 + i for i, p in enumerate(pupils)}
    slot_ids = sorted(places)
    slot_node = {sid: 2 + n + i for i, sid in enumerate(slot_ids)}
    share_node: dict[tuple[int, int], int] = {}
    quotas: dict[tuple[int, int], int] = {}
    for sid in slot_ids:
        graph.arc(slot_node[sid], 1, places[sid], 0)
        schools = demand.get(sid, {})
        if not instance.balance or len(schools) < 2:
            continue
        quota = shares(places[sid], dict(schools))
        # Other schools' shares are not ours to take cheaply: only our schools get arcs.
        for school_id in sorted(inside & schools.keys()):
            node = share_node[(sid, school_id)] = 2 + n + len(slot_ids) + len(share_node)
            quotas[(sid, school_id)] = quota[school_id]
            graph.arc(node, slot_node[sid], quota[school_id], 0)
            graph.arc(node, slot_node[sid], places[sid], penalty * scale)
    pupil_arcs: list[tuple[int, int, int, int]] = []  # (arc index, pupil, slot, rank)
    for p, kept in usable:
        if kept:
            graph.arc(0, pupil_node[p.id], 1, 0)
        drawn = position[p.id]
        for slot_id, rank in kept:
            head = share_node.get((slot_id, p.school_id), slot_node[slot_id])
            tie = 2 * drawn + (n + 1 - drawn) * (rank - 1)
            index = graph.arc(pupil_node[p.id], head, 1, weights[rank - 1] * scale + tie)
            pupil_arcs.append((index, p.id, slot_id, rank))

    flows, cost = _flows(graph, n, [a[0] for a in pupil_arcs])
    assignment = {
        pupil_id: (slot_id, rank)
        for (_, pupil_id, slot_id, rank), f in zip(pupil_arcs, flows, strict=True)
        if f > 0
    }
    counts = [0] * max_rank
    for _, rank in assignment.values():
        counts[rank - 1] += 1
    return Solution(
        assignment=assignment,
        lottery=lottery,
        rank_counts=counts,
        cost=cost,
        seconds=time.perf_counter() - started,
        quotas=quotas,
    )
