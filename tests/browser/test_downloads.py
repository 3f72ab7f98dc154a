"""Every file a page offers arrives as a file, with JavaScript on (htmx boosts links) and off:
a download event with the right name, and the bytes and type of the file, never the file's text
swapped into the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import MISSING, PHONE, LiveServer, sign_in_from_demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CALENDAR = "text/calendar"

COORDINATOR = "SYV · Håstensskolan"
ADMIN = "Administratör"


def assert_download(page: Any, link: Any, suffix: str, kind: str, starts: bytes) -> None:
    """Clicks the link: a download with a file name ending in `suffix`, served as `kind`."""
    before = page.url
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(suffix), download.value.suggested_filename
    # A download's answer is not a page event: the type is read again with the same cookies.
    again = page.request.get(download.value.url)
    assert again.headers["content-type"].startswith(kind), again.headers
    with open(download.value.path(), "rb") as file:
        assert file.read(len(starts)) == starts
    assert page.url == before  # the page stays as it was
    assert "BEGIN:VCALENDAR" not in page.content() and "PK\x03\x04" not in page.content()


@pytest.mark.parametrize("js", [True, False], ids=["js", "utan-js"])
def test_the_coordinators_exports_download(
    chromium: Any, live_server: LiveServer, js: bool
) -> None:
    context = chromium.new_context(
        viewport=PHONE, locale="sv-SE", base_url=live_server.url, java_script_enabled=js
    )
    page = context.new_page()
    try:
        sign_in_from_demo(page, COORDINATOR)
        page.goto("/oversikt/perioder")
        page.get_by_role("link", name="Prao åk 8").first.click()
        page.wait_for_url(re.compile(r"/oversikt/perioder/\d+$"))
        links = page.get_by_role("link")
        assert_download(page, links.filter(has_text="CSV").first, ".csv", CSV, b"\xef\xbb\xbf")
        assert_download(page, links.filter(has_text="Excel").first, ".xlsx", XLSX, b"PK\x03\x04")
        school = page.get_by_role("link", name="CSV", exact=True)
        assert_download(page, school, ".csv", CSV, b"\xef\xbb\xbf")
        whole = page.get_by_role("link", name="Excel (XLSX)")
        assert_download(page, whole, ".xlsx", XLSX, b"PK\x03\x04")
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "utan-js"])
def test_the_audit_log_downloads(chromium: Any, live_server: LiveServer, js: bool) -> None:
    context = chromium.new_context(
        viewport=PHONE, locale="sv-SE", base_url=live_server.url, java_script_enabled=js
    )
    page = context.new_page()
    try:
        sign_in_from_demo(page, ADMIN)
        page.goto("/admin/logg")
        link = page.get_by_role("link", name="Ladda ner som CSV (Excel)")
        assert_download(page, link, ".csv", CSV, b"\xef\xbb\xbf")
    finally:
        context.close()
