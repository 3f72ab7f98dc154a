"""Fields whose value is a DataLoader's load at one of the source's attributes, declared once:

    employer: Employer = loaded("employer", "employer_id")

The field's resolver (used by graphql-core) and its mark (read by api.execution's fast path,
which fetches the whole column with one batch call) come from the same two names, so the two
ways through a list cannot disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry

from api.context import Info

LOADED_BY = "prao-loaded-by"


def loaded(loader: str, key: str, *, description: str | None = None) -> Any:
    """`context.loaders.<loader>` loaded at the source's `<key>`; null where the key is None
    (a related object the caller may not see)."""

    def resolve(root: Any, info: Info) -> Awaitable[Any] | None:
        value = getattr(root, key)
        if value is None:
            return None
        found: Awaitable[Any] = getattr(info.context.loaders, loader).load(value)
        return found

    resolve.__name__ = f"load_{loader}"
    return strawberry.field(
        resolver=resolve, description=description, metadata={LOADED_BY: (loader, key)}
    )


def loaded_by(metadata: Any) -> tuple[str, str] | None:
    """The (loader, key) a field was declared with by `loaded`, from its metadata."""
    found = dict(metadata or {}).get(LOADED_BY)
    return found if isinstance(found, tuple) else None
