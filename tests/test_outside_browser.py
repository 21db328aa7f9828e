"""The dashboard served exactly as production serves it (`themoon serve`: the preheated pool, our
config), used by several pages at once while other processes open and close the store, and every
save checked from a fresh process (tests/outside.py) — during the session, on other pages, after a
reload, and after the server stops (issues #11 and #17). Then the page loses its kernel (killed,
or the server restarted with a filled form): it says so, and nothing more is saved.

One server for the module (a second one only to restart it); the tests run in order, like a day.
"""

from __future__ import annotations

import os
import re
import signal
import time

import psutil
import pytest
from browser_support import DEMO_TODAY, demo_copy
from outside import count, integrity, open_and_close, query, row, themoon
from page_support import open_tab, shot
from playwright import sync_api

from themoon.ui import browser
from themoon.ui.i18n import t

expect = sync_api.expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SAVED: list[dict] = []  # every batch a page said it saved: (id, green, roasted)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("outside-browser")
    return {
        "THEMOON_TODAY": DEMO_TODAY.isoformat(),
        "THEMOON_LANG": "en",
        "THEMOON_DATA_DIR": str(root),
        "THEMOON_BACKUP_DIR": str(root / "backups"),
        "THEMOON_REPORTS_DIR": str(root / "reports"),
        "THEMOON_LOG_DIR": str(root / "logs"),
    }


@pytest.fixture(scope="module")
def server(env):
    """`themoon serve` over a fresh demo café (stopped at the end, if a test has not stopped it)."""
    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    root = env["THEMOON_DATA_DIR"]
    db_path = demo_copy(root, "themoon.db")
    with browser.voila_server(db_path, root, env=env, as_served=True, timeout=120) as running:
        yield running


def open_page(chromium, server):
    """A new visitor (own browser context: a new kernel from the pool), the dashboard loaded."""
    context = chromium.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(browser.LOAD_TIMEOUT_MS)
    page.goto(server.url, wait_until="domcontentloaded")
    loaded(page, server)
    return page


def loaded(page, server) -> None:
    try:
        browser.wait_for_dashboard(page)
    except Exception:
        shot(page, "outside-failed-load")
        raise AssertionError("the dashboard did not load; server log:\n" + server.log_tail()) from None
    page.set_default_timeout(60_000)


def field(page, name: str):
    return page.locator(f".themoon-tab-roasting .themoon-field-{name}")


def fill_batch(page, green: int, roasted: int) -> None:
    open_tab(page, "roasting")
    select = field(page, "product").locator("select")
    names = ("Yirgacheffe", "예가체프")  # the page may be in Korean: the language survives a reload
    select.select_option(label=next(label for label in select.locator("option").all_inner_texts() if label in names))
    field(page, "green_g").locator("input").fill(str(green))
    field(page, "roasted_g").locator("input").fill(str(roasted))


def log_batch(page, green: int, roasted: int) -> int:
    """Log a batch on `page` as a person would; the id the page says it saved."""
    status = page.locator(".themoon-batch-status")
    before = status.inner_text() if status.count() else ""
    fill_batch(page, green, roasted)
    page.locator(".themoon-save-batch").click()
    page.wait_for_function(
        r"""before => { const s = document.querySelector('.themoon-batch-status');
                       return s && /#\d+/.test(s.textContent) && s.textContent !== before; }""",  # either language
        arg=before,
    )
    batch_id = int(re.search(r"#(\d+)", status.inner_text()).group(1))
    SAVED.append({"id": batch_id, "green_g": green, "roasted_g": roasted})
    return batch_id


def listed(page, batch_id: int):
    """The owner's batch picker on the Roasting tab offers this batch (the table read it)."""
    return page.locator(".themoon-tab-roasting .themoon-field-batch select option", has_text=f"#{batch_id} ·")


def all_saved_are_in(db) -> None:
    for saved in SAVED:
        found = row(db, "roast_batches", id=saved["id"])
        assert found is not None, f"batch #{saved['id']} was reported saved but is not in the file"
        assert (found["roasted_g"], found["roasted_on"]) == (saved["roasted_g"], DEMO_TODAY.isoformat())


def month_from_outside(db) -> dict[str, str]:
    """The Overview's "This month" batches and roasted kg, by SQL over the file in another process."""
    rows = query(
        db,
        "SELECT COUNT(*) AS n, COALESCE(SUM(roasted_g), 0) AS g FROM roast_batches WHERE roasted_on BETWEEN ? AND ?",
        [DEMO_TODAY.replace(day=1).isoformat(), DEMO_TODAY.isoformat()],
    )[0]
    return {"batches": f"{rows['n']:,}", "roasted": f"{rows['g'] / 1000:,.1f} kg"}


def kpi(page, key: str) -> str:
    return page.locator(f".themoon-kpi-{key} .themoon-kpi-value").inner_text().strip()


def test_two_pages_saves_between_other_processes_are_kept_everywhere(chromium, server, env):
    """Issue #11: two pages open; A saves; other processes (metrics, health, backup, a plain open and
    close) run; A saves again; both saves are seen from another process, on B after a refresh, on
    a new page, on A after a reload — and (test below) after the server stops."""
    db = server.db_path
    served = psutil.Process(server.process.pid).cmdline()  # `themoon serve` became this Voilà
    assert "--preheat_kernel=True" in served and "--pool_size=1" in served and "--template=themoon" in served
    a, b = open_page(chromium, server), open_page(chromium, server)
    assert browser.page_kernel_id(a) != browser.page_kernel_id(b)
    batches = count(db, "roast_batches")
    first = log_batch(a, 1500, 1250)
    assert count(db, "roast_batches") == batches + 1
    themoon("metrics", db=db, env=env)
    themoon("health", "--json", db=db, env=env, check=False)  # "degraded" exits 1; it still opened the store
    themoon("backup", "--json", db=db, env=env)
    open_and_close(db)
    second = log_batch(a, 1400, 1170)
    assert count(db, "roast_batches") == batches + 2  # both, at once, from a separate process
    all_saved_are_in(db)

    open_tab(b, "roasting")  # page B: its own kernel; a refresh of its data reads both
    b.locator(".themoon-nav-overview").click()
    b.locator(".themoon-refresh").click()
    expect(b.locator(".themoon-kpi-batches .themoon-kpi-value")).to_have_text(month_from_outside(db)["batches"])
    b.reload(wait_until="domcontentloaded")
    loaded(b, server)
    open_tab(b, "roasting")
    for batch_id in (first, second):
        expect(listed(b, batch_id)).to_have_count(1)

    c = open_page(chromium, server)  # a new page: a new kernel from the pool
    expected = month_from_outside(db)  # the KPI values from SQL over the file, not from the tab's code
    for key, value in expected.items():
        assert kpi(c, key) == value, key
    a.reload(wait_until="domcontentloaded")
    loaded(a, server)
    assert kpi(a, "batches") == expected["batches"]
    open_tab(a, "roasting")
    for batch_id in (first, second):
        expect(listed(a, batch_id)).to_have_count(1)
    assert integrity(db) == "ok"
    for page in (a, b, c):
        page.context.close()


def kill_kernel_of(page, server) -> int:
    kernel_id = browser.page_kernel_id(page)
    pid = server.kernels()[kernel_id]  # a kernel process of the server this test started
    os.kill(pid, signal.SIGKILL)
    return pid


def clicked_save_saved_nothing(page, db) -> None:
    """A click that still reaches the Save button (the banner blocks normal clicks) saves nothing."""
    batches = count(db, "roast_batches")
    page.locator(".themoon-save-batch").dispatch_event("click")
    page.wait_for_timeout(3000)
    assert count(db, "roast_batches") == batches


def test_a_killed_kernel_says_nothing_more_can_be_saved_in_the_page_language(chromium, server):
    """Issue #17 (8): the kernel dies under a filled form (in Korean); the page says so, in Korean,
    and a click on Save saves nothing; a reload gets a new kernel that saves (the positive control)."""
    db = server.db_path
    page = open_page(chromium, server)
    page.locator(".themoon-lang button", has_text="한국어").click()
    expect(page.locator(".themoon-nav-roasting")).to_have_text("로스팅")
    open_tab(page, "roasting")
    field(page, "product").locator("select").select_option(index=1)
    field(page, "green_g").locator("input").fill("1500")
    field(page, "roasted_g").locator("input").fill("1250")
    expect(page.locator(".themoon-connection-lost")).to_have_count(0)
    kill_kernel_of(page, server)
    banner = page.locator(".themoon-connection-lost")
    expect(banner).to_be_visible(timeout=90_000)
    expect(banner).to_contain_text(t("conn.lost", "ko"))
    expect(banner.locator(".themoon-connection-reload")).to_have_text(t("conn.reload", "ko"))
    shot(page, "connection-lost-ko")
    clicked_save_saved_nothing(page, db)

    batches = count(db, "roast_batches")
    banner.locator(".themoon-connection-reload").click()  # the banner's own button
    page.wait_for_load_state("domcontentloaded")
    loaded(page, server)
    expect(page.locator(".themoon-connection-lost")).to_have_count(0)
    expect(page.locator(".themoon-nav-roasting")).to_have_text("로스팅")  # still in Korean after the reload
    log_batch(page, 1300, 1085)
    assert count(db, "roast_batches") == batches + 1
    all_saved_are_in(db)
    page.context.close()


def test_a_server_restart_under_a_filled_form_and_every_save_after_the_server_stops(chromium, server, env):
    """Issue #17 (8) and #11: the server stops and starts again while a form is filled: the page
    says nothing more can be saved (in English), and nothing is; a new page on the restarted server
    saves; after the server stops, every save of this module is in the file, which is sound."""
    db = server.db_path
    page = open_page(chromium, server)
    fill_batch(page, 1600, 1330)
    browser.stop_process_group(server.process)
    banner = page.locator(".themoon-connection-lost")
    expect(banner).to_be_visible(timeout=90_000)
    expect(banner).to_contain_text(t("conn.lost", "en"))
    expect(banner.locator(".themoon-connection-reload")).to_have_text("Reload")
    shot(page, "connection-lost-en")
    all_saved_are_in(db)  # after the server stopped
    assert integrity(db) == "ok"

    started = time.monotonic()
    with browser.voila_server(
        db, env["THEMOON_DATA_DIR"], env=env, as_served=True, port=server.port, timeout=120
    ) as again:
        print(f"restarted in {time.monotonic() - started:.1f} s")
        page.wait_for_timeout(5000)  # the old page's reconnects now reach a server that knows no such kernel
        expect(banner).to_be_visible()
        clicked_save_saved_nothing(page, db)
        fresh = open_page(chromium, again)
        batches = count(db, "roast_batches")
        log_batch(fresh, 1200, 1000)
        assert count(db, "roast_batches") == batches + 1
        fresh.context.close()
    page.context.close()
    all_saved_are_in(db)  # after the second server stopped too
    assert len(SAVED) == 4 and integrity(db) == "ok"
