from tests.web.conftest import browser_for  # noqa: F401 (fixture)
