"""The web and GraphQL callers of tests/web and tests/api, for the employer tests."""

from __future__ import annotations

from tests.api.conftest import anonymous, as_token, as_user, new_client
from tests.web.conftest import browser_for

__all__ = ["anonymous", "as_token", "as_user", "browser_for", "new_client"]
