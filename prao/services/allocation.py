"""Moved to prao.allocation; kept only for callers not yet updated (prao.jobs and the allocate
command), to be removed with them."""

from prao.allocation.runs import execute_run, start_run

__all__ = ["execute_run", "start_run"]
