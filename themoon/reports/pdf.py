"""The report as an A4 PDF: nbconvert's webpdf exporter, printed by Debian's Chromium, offline.

nbconvert's `WebPDFExporter` renders the page with its HTML machinery (our report template) and
prints it with Playwright; its own launcher only finds browsers Playwright downloaded itself
(`playwright install`, a CDN this machine cannot and must not reach). `ChromiumPDFExporter` keeps
the exporter and replaces only the printing step: it launches `/usr/bin/chromium` (or
`$THEMOON_CHROMIUM`) with `executable_path`, refuses every request that is not the page itself
(the page embeds plotly.js; nothing may come from the network), waits until every plotly chart
is drawn, and prints at A4 with the page's own `@page` rules. The viewport is the printable
width of A4, so plotly lays its charts out at the width they are printed at.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import tempfile
from pathlib import Path
from typing import Any

from nbconvert.exporters.webpdf import WebPDFExporter

CHROMIUM = Path("/usr/bin/chromium")
# A4 is 210 mm wide; with the 12 mm margins of the report's @page rule 186 mm ≈ 703 CSS px are printed.
PRINT_WIDTH_PX = 703
DRAW_TIMEOUT_MS = 120_000


def chromium_path() -> Path:
    """The browser that prints: $THEMOON_CHROMIUM, else Debian's /usr/bin/chromium."""
    return Path(os.environ.get("THEMOON_CHROMIUM") or CHROMIUM)


class ChromiumPDFExporter(WebPDFExporter):
    """nbconvert's webpdf exporter printing with the system's Chromium, offline."""

    def run_playwright(self, html: str) -> bytes:
        browser = chromium_path()
        if not browser.is_file():
            raise RuntimeError(f"{browser} is missing: `make browser` installs Debian's chromium")
        with tempfile.TemporaryDirectory(prefix="themoon-pdf-") as folder:
            page = Path(folder) / "report.html"
            page.write_text(html, encoding="utf-8")
            # a thread of its own: the caller may be a kernel with an asyncio loop running
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(asyncio.run, _print(page, browser)).result()


async def _print(page_file: Path, browser_path: Path) -> bytes:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(browser_path),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            handle_sigint=False,
            handle_sigterm=False,
            handle_sighup=False,
        )
        try:
            page = await browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
            page_url = page_file.as_uri()

            async def offline(route: Any) -> None:
                if route.request.url == page_url or route.request.url.startswith(("data:", "blob:")):
                    await route.continue_()
                else:
                    await route.abort()

            await page.route("**/*", offline)
            await page.emulate_media(media="print")
            await page.goto(page_url, wait_until="load")
            await page.wait_for_function(
                "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('.main-svg'))",
                timeout=DRAW_TIMEOUT_MS,
            )
            await page.wait_for_timeout(300)  # plotly finishes its layout after the first draw
            return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            await browser.close()


def export_pdf(exporter_kwargs: dict[str, Any], notebook: Any, target: Path, resources: dict[str, Any]) -> Path:
    """The executed notebook printed to `target` as a PDF by `ChromiumPDFExporter(**exporter_kwargs)`."""
    data, _ = ChromiumPDFExporter(**exporter_kwargs).from_notebook_node(notebook, resources=resources)
    target.write_bytes(data)
    return target
