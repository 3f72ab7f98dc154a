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


@dataclass(frozen=True, slots=True)
class PupilWishes:
    id: int
    school_id: int
    # (slot id, rank) of her eligible wishes, rank 1 = first.
    wishes: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
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


Arcs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # tails, heads, caps, costs


def _check_costs(highest: int, last_node: int, supply: int) -> None:
    nodes = last_node + 1
    if highest * (nodes + 1) >= COST_LIMIT or highest * max(supply, 1) >= COST_LIMIT:
        raise ValueError("instance too large for exact lottery tie-breaking")


def _flows(arcs: Arcs, supply: int, measured: np.ndarray) -> tuple[np.ndarray, int]:
    """Maximum flow from node 0 to node 1 at least cost; the flow on the `measured` arcs."""
    tails, heads, caps, costs = arcs
    highest = int(np.abs(costs).max()) if len(costs) else 0
    last = max(int(tails.max()) if len(tails) else 0, int(heads.max()) if len(heads) else 0, 1)
    _check_costs(highest, last, supply)
    if not len(measured):
        return np.zeros(0, dtype=np.int64), 0
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    # SolveMaxFlowWithMinCost needs the supplies set; it may send less than them.
    flow.set_node_supply(0, supply)
    flow.set_node_supply(1, -supply)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed: {status}")
    return np.asarray(flow.flows(measured.astype(np.int32))), int(flow.optimal_cost())


@dataclass
class _Wishes:
    """Every pupil's usable wishes as parallel arrays, by pupil (her index in id order), then
    rank, then slot: her wishes for slots with places left, the best rank per slot."""

    pupil: np.ndarray
    slot: np.ndarray  # index into the sorted slot ids
    rank: np.ndarray
    highest: int  # the highest rank of any wish, usable or not


def _usable(pupils: list[PupilWishes], slot_ids: np.ndarray, places: np.ndarray) -> _Wishes:
    counts = np.fromiter((len(p.wishes) for p in pupils), dtype=np.int64, count=len(pupils))
    total = int(counts.sum())
    pupil = np.repeat(np.arange(len(pupils), dtype=np.int64), counts)
    slot_id = np.fromiter((s for p in pupils for s, _ in p.wishes), dtype=np.int64, count=total)
    rank_all = np.fromiter((r for p in pupils for _, r in p.wishes), dtype=np.int64, count=total)
    rank = rank_all
    slot = np.searchsorted(slot_ids, slot_id)
    inside = slot < len(slot_ids)
    slot[~inside] = 0
    keep = inside & (slot_ids[slot] == slot_id) if len(slot_ids) else inside
    keep &= places[slot] > 0 if len(slot_ids) else keep
    pupil, slot, rank = pupil[keep], slot[keep], rank[keep]
    # The best rank of each (pupil, slot): the first after sorting by pupil, slot, rank.
    order = np.lexsort((rank, slot, pupil))
    pupil, slot, rank = pupil[order], slot[order], rank[order]
    first = np.ones(len(pupil), dtype=bool)
    first[1:] = (pupil[1:] != pupil[:-1]) | (slot[1:] != slot[:-1])
    pupil, slot, rank = pupil[first], slot[first], rank[first]
    order = np.lexsort((slot, rank, pupil))
    return _Wishes(
        pupil=pupil[order], slot=slot[order], rank=rank[order], highest=int(rank_all.max(initial=0))
    )


def _demand(
    instance: Instance, wishes: _Wishes, slot_ids: np.ndarray, schools: np.ndarray
) -> dict[int, dict[int, int]]:
    """The demand per slot and school: other schools' wishes outside the instance, then the
    usable wishes of the instance's pupils."""
    demand: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for s in instance.slots:
        for school_id, count in s.outside_demand:
            demand[s.id][school_id] += count
    if len(wishes.pupil):
        school_ids, school = np.unique(schools[wishes.pupil], return_inverse=True)
        pairs, counts = np.unique(wishes.slot * len(school_ids) + school, return_counts=True)
        for slot, school_id, count in zip(
            slot_ids[pairs // len(school_ids)].tolist(),
            school_ids[pairs % len(school_ids)].tolist(),
            counts.tolist(),
            strict=True,
        ):
            demand[slot][school_id] += count
    return demand


def solve(instance: Instance, seed: int) -> Solution:
    started = time.perf_counter()
    pupils = sorted(instance.pupils, key=lambda p: p.id)
    lottery = draw_lottery([p.id for p in pupils], seed)
    places = {s.id: max(s.places, 0) for s in instance.slots}
    slot_ids = sorted(places)
    slot_arr = np.array(slot_ids, dtype=np.int64)
    wishes = _usable(pupils, slot_arr, np.array([places[s] for s in slot_ids], dtype=np.int64))
    max_rank = max(instance.max_rank, 1, wishes.highest)
    weights = rank_weights(instance.policy, max_rank)
    penalty = (max(weights) - min(weights) + 1) if instance.balance else 0
    n = len(pupils)
    # The lottery term of placing the pupil drawn p-th (from 1) at wish r is
    # 2p + (n + 1 - p)(r - 1): cheaper to place early-drawn pupils (at any one wish), and
    # steeper in rank for them. Summed over all pupils it is at most
    # n(n + 1) + (max_rank - 1)·n(n + 1)/2 < scale, so it never outweighs one unit of the policy.
    scale = (max_rank + 1) * n * (n + 1) // 2 + 1

    school_of = np.array([p.school_id for p in pupils], dtype=np.int64)
    demand = _demand(instance, wishes, slot_arr, school_of)
    inside = {p.school_id for p in pupils}
    # Nodes: 0 source, 1 sink, pupils, slots, then (slot, school) share nodes where balanced.
    # Arcs: each slot's to the sink, each followed by its share nodes' arcs; then per pupil
    # (in id order) the source's arc to her and hers to her wishes, best rank first.
    slot_node = 2 + n
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    share_node: dict[tuple[int, int], int] = {}
    quotas: dict[tuple[int, int], int] = {}
    for i, sid in enumerate(slot_ids):
        tails.append(slot_node + i)
        heads.append(1)
        caps.append(places[sid])
        costs.append(0)
        schools = demand.get(sid, {})
        if not instance.balance or len(schools) < 2:
            continue
        quota = shares(places[sid], dict(schools))
        # Other schools' shares are not ours to take cheaply: only our schools get arcs.
        for school_id in sorted(inside & schools.keys()):
            node = share_node[(sid, school_id)] = 2 + n + len(slot_ids) + len(share_node)
            quotas[(sid, school_id)] = quota[school_id]
            tails += [node, node]
            heads += [slot_node + i, slot_node + i]
            caps += [quota[school_id], places[sid]]
            costs += [0, penalty * scale]
    fixed = len(tails)

    pupil, slot, rank = wishes.pupil, wishes.slot, wishes.rank
    per_pupil = np.bincount(pupil, minlength=n)
    block = np.where(per_pupil > 0, per_pupil + 1, 0)  # her source arc, then her wishes
    block_start = fixed + np.cumsum(block) - block
    first_wish = np.cumsum(per_pupil) - per_pupil
    wish_arc = block_start[pupil] + 1 + np.arange(len(pupil)) - first_wish[pupil]
    source_arc = block_start[per_pupil > 0]
    size = fixed + int(block.sum())
    arc_tails = np.zeros(size, dtype=np.int64)
    arc_heads = np.zeros(size, dtype=np.int64)
    arc_caps = np.ones(size, dtype=np.int64)
    arc_costs = np.zeros(size, dtype=np.int64)
    arc_tails[:fixed], arc_heads[:fixed] = tails, heads
    arc_caps[:fixed], arc_costs[:fixed] = caps, costs
    arc_heads[source_arc] = 2 + np.flatnonzero(per_pupil > 0)
    arc_tails[wish_arc] = 2 + pupil
    head = slot_node + slot
    if share_node:
        school_ids = sorted(inside)
        school_index = np.searchsorted(np.array(school_ids, dtype=np.int64), school_of[pupil])
        by_pair = np.full((len(slot_ids), len(school_ids)), -1, dtype=np.int64)
        for (sid, school_id), node in share_node.items():
            by_pair[slot_ids.index(sid), school_ids.index(school_id)] = node
        shared = by_pair[slot, school_index]
        head = np.where(shared >= 0, shared, head)
    arc_heads[wish_arc] = head
    drawn = np.zeros(n, dtype=np.int64)
    index = {p.id: i for i, p in enumerate(pupils)}
    drawn[[index[pid] for pid in lottery]] = np.arange(1, n + 1, dtype=np.int64)
    drawn_p = drawn[pupil]
    # Costs are computed in int64: where they might not fit, _flows's check on exact integers
    # first (it refuses well below the int64 range).
    if max(weights) * scale + (n + 1) * (max_rank + 1) >= 2**62 or penalty * scale >= 2**62:
        exact = [
            weights[r - 1] * scale + 2 * d + (n + 1 - d) * (r - 1)
            for r, d in zip(rank.tolist(), drawn_p.tolist(), strict=True)
        ]
        _check_costs(max([*map(abs, costs), *exact], default=0), max([*tails, *heads, 1]), n)
    tie = 2 * drawn_p + (n + 1 - drawn_p) * (rank - 1)
    arc_costs[wish_arc] = np.array(weights, dtype=np.int64)[rank - 1] * scale + tie

    flows, cost = _flows((arc_tails, arc_heads, arc_caps, arc_costs), n, wish_arc)
    placed = flows > 0
    pupil_ids = np.array([p.id for p in pupils], dtype=np.int64)
    assignment = dict(
        zip(
            pupil_ids[pupil[placed]].tolist(),
            zip(slot_arr[slot[placed]].tolist(), rank[placed].tolist(), strict=True),
            strict=True,
        )
    )
    counts = np.bincount(rank[placed] - 1, minlength=max_rank).tolist()
    return Solution(
        assignment=assignment,
        lottery=lottery,
        rank_counts=[int(c) for c in counts],
        cost=cost,
        seconds=time.perf_counter() - started,
        quotas=quotas,
    )
