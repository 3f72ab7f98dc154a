"""The README's screenshots, made again from the demo data: the pupil's catalogue on a phone and
the coordinator's period page on a desktop, in Debian's Chromium (as the browser tests use it).

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from playwright.async_api import Page, async_playwright

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

from bench.common import demo_server  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


async def sign_in(page: Page, card: str) -> None:
    await page.goto("/demo")
    await page.locator("li.card", has_text=card).first.get_by_role("button").click()
    await page.wait_for_url(lambda url: not url.endswith("/demo"))


async def main() -> None:
    async with demo_server() as server, async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        phone = await browser.new_context(viewport=PHONE, locale="sv-SE", base_url=server.url,
                                          device_scale_factor=2)  # fmt: skip
        page = await phone.new_page()
        await sign_in(page, "klass 8A · bokar själv")
        await page.goto("/platser")
        await page.screenshot(path=str(DOCS / "elev-platser-mobil.png"))
        desktop = await browser.new_context(viewport=DESKTOP, locale="sv-SE", base_url=server.url)
        page = await desktop.new_page()
        await sign_in(page, "SYV · Håstensskolan")
        await page.goto("/oversikt/perioder")
        await page.get_by_role("link", name="Prao åk 8").first.click()
        await page.wait_for_url("**/oversikt/perioder/*")
        await page.screenshot(path=str(DOCS / "syv-period-dator.png"))
        await browser.close()
    print("docs/elev-platser-mobil.png, docs/syv-period-dator.png")


if __name__ == "__main__":
    asyncio.run(main())
