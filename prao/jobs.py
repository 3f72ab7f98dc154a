"""What the domain asks of background jobs, and the point where a runner is wired in.

The services call `jobs.expand(ids)` after committing a booking change's outbox event,
`jobs.deliver(ids)` after writing outbox messages and `jobs.run_allocation(id)` after queuing a
run; which runner does the work (arq on Redis, or the same job functions in this process) is
chosen by the composition root, which calls `jobs.use(runner)`."""

from __future__ import annotations

from typing import Protocol


class Jobs(Protocol):
    async def expand(self, event_ids: list[int]) -> None:
        """Write these outbox events' messages, then send them (the sweep catches what is lost)."""

    async def deliver(self, message_ids: list[int]) -> None:
        """Send these outbox messages (at least once; the outbox sweep catches what is lost)."""

    async def run_allocation(self, run_id: int) -> None:
        """Run this queued allocation run."""


class NoRunner(Exception):
    """An allocation was queued where no runner is wired in (a programming error)."""


class WiredJobs:
    """The runner this process uses. Until one is wired in, events and messages wait in the
    outbox (the sweep of a running server or worker expands and sends them later)."""

    def __init__(self) -> None:
        self.runner: Jobs | None = None

    def use(self, runner: Jobs | None) -> Jobs | None:
        """Wires `runner` in and answers the one it replaces, to wire back afterwards."""
        previous, self.runner = self.runner, runner
        return previous

    async def expand(self, event_ids: list[int]) -> None:
        if self.runner is not None:  # else the events wait for a sweep
            await self.runner.expand(event_ids)

    async def deliver(self, message_ids: list[int]) -> None:
        if self.runner is not None:
            await self.runner.deliver(message_ids)

    async def run_allocation(self, run_id: int) -> None:
        if self.runner is None:
            raise NoRunner(f"allocation run {run_id} queued, but no job runner is wired in")
        await self.runner.run_allocation(run_id)


jobs = WiredJobs()
