"""Per-person clients from the web and API tests, for the coordinator's and the pupil's pages."""

from tests.api.conftest import anonymous, as_token, as_user, new_client  # noqa: F401
from tests.web.conftest import browser_for  # noqa: F401
