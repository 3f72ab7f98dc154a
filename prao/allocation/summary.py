"""A run's proposal as stored on it: figures overall and per school, the unplaced pupils with
suggestions, the assignment and the published lottery."""

from __future__ import annotations

from typing import Any

from prao.allocation import data
from prao.allocation.solver import Solution

SUGGESTIONS = 3
SUGGESTION_SCAN = 500  # slots with most places left looked at per unplaced pupil


def summarise(loaded: data.Loaded, solution: Solution) -> dict[str, Any]:
    """The proposal as stored on the run: figures overall and per school, the unplaced with
    suggestions, the assignment and the published lottery."""
    instance = loaded.instance
    max_rank = len(solution.rank_counts)
    left = {s.id: s.places for s in instance.slots}
    for row in loaded.slots.values():
        left.setdefault(int(row["id"]), max(int(row["capacity"]) - int(row["taken"]), 0))  # type: ignore[call-overload]
    for slot_id, _ in solution.assignment.values():
        left[slot_id] -= 1
    open_slots = sorted((sid for sid, n in left.items() if n > 0), key=lambda s: (-left[s], s))
    schools: dict[int, dict[str, Any]] = {}
    unplaced = []
    for p in instance.pupils:
        school = schools.setdefault(
            p.school_id,
            {
                "school_id": p.school_id,
                "name": loaded.school_names.get(p.school_id, ""),
                "pupils": 0,
                "placed": 0,
                "rank_counts": [0] * max_rank,
                "unplaced": 0,
            },
        )
        school["pupils"] += 1
        placed = solution.assignment.get(p.id)
        if placed is not None:
            school["placed"] += 1
            school["rank_counts"][placed[1] - 1] += 1
            continue
        school["unplaced"] += 1
        pupil = loaded.pupils[p.id]
        suggestions = []
        for sid in open_slots[:SUGGESTION_SCAN]:
            if data.eligible(pupil, loaded.slots[sid], loaded.period, loaded.listed):
                suggestions.append(sid)
                if len(suggestions) == SUGGESTIONS:
                    break
        unplaced.append(
            {
                "pupil_id": p.id,
                "school_id": p.school_id,
                "wishes": len(p.wishes),
                "suggestions": [
                    {"slot_id": s, "title": loaded.slots[s]["title"], "places_left": left[s]}
                    for s in suggestions
                ],
            }
        )
    return {
        "pupils": len(instance.pupils),
        "placed": solution.placed,
        "unplaced_count": len(unplaced),
        "max_rank": max_rank,
        "rank_counts": list(solution.rank_counts),
        "skipped_booked": loaded.skipped_booked,
        "dropped_wishes": loaded.dropped_wishes,
        "schools": sorted(schools.values(), key=lambda s: s["school_id"]),
        "unplaced": unplaced,
        "assignments": sorted([pid, sid, r] for pid, (sid, r) in solution.assignment.items()),
        "lottery": solution.lottery,
        "solver_seconds": round(solution.seconds, 4),
    }
