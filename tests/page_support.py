"""What the browser test modules share: a screenshot under the git-ignored folder, and opening a
tab the way a person does (click, wait until it is the active one and shown)."""

from __future__ import annotations

import re

from browser_support import SCREENSHOTS
from playwright.sync_api import expect

from themoon.ui import browser


def shot(page, name: str) -> None:
    """The whole app as `tests/screenshots/<name>.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot_full(page, SCREENSHOTS / f"{name}.png")


def open_tab(page, key: str, *, timeout_ms: float | None = None) -> None:
    page.locator(f".themoon-nav-{key}").click()
    active = re.compile("themoon-nav-btn--active")
    expect(page.locator(f".themoon-nav-{key}")).to_have_class(active, timeout=timeout_ms)
    page.wait_for_selector(f".themoon-tab-{key}", state="visible")
