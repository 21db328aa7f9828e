"""How fast the dashboard loads against a bare Voilà page served the same way, in the same run.

    .venv/bin/python benchmarks/dashboard_load.py [--runs 5] [--quick] [--cache /tmp/themoon-dashboard-bench]

Issue #12's goals are stated against the Voilà floor, so that they hold on any machine:

- Two servers, each as `themoon serve` starts it (`themoon.ui.browser.voila_server`, preheated,
  pool of PREHEAT): our dashboard over the demo database (18 months), and a bare one-widget
  notebook (one `ipywidgets.HTML`). Each page view waits until the pool's kernels are ready.
- Every page view is a fresh browser context (no cache), once unthrottled and once with Chrome's
  CPU slowed 4× (`Emulation.setCPUThrottlingRate` through Playwright's CDP session: a
  tablet-class CPU). The clock runs from navigation to the first KPI value visible (the bare
  page: its one widget) and to every Overview plot drawn. Medians of `--runs` views.
- tab_ms: on one unthrottled page, the first open of every other tab (click → its content and
  charts drawn); the worst one.
- kernel_mb: RSS (psutil) of the visitor's kernel (found by the kernel id the page connects to)
  once the Overview is drawn; also after every tab was opened (printed, not in the goal).
- filter_ms_1m: the worst Overview filter change (periods, products) in-process on 1M batches
  (`OverviewTab.set_period` / `set_product`: queries, figures, widget updates).
- kernel_mb_1m: the same page view's kernel RSS on the 1M database.
- import_only_mb: RSS of a kernel that has only imported the third-party libraries the Overview
  imports (ipywidgets…); printed when it alone exceeds the goal.
- engine_mb / engine_mb_1m: RSS of the server's one analytics engine (themoon/ui/engine_service.py),
  which every kernel asks: printed beside kernel_mb, since it is memory the server holds once.
- kernel_mb_own: the baseline in the same run: a kernel's RSS when it loads its own engine
  (THEMOON_SHARED_ENGINE=0, as before the shared engine), demo database, one page view.

`--quick` skips the 1M database (development); its fields then read `na`. The last line is
machine-readable:

    bare_s=A kpi_s=B plots_s=C throttled_ratio=D tab_ms=E filter_ms_1m=F kernel_mb=G kernel_mb_1m=H

(A, B, C unthrottled medians; D = throttled plots ÷ throttled bare; E the worst tab on the demo.)
Figures depend on the machine's load: compare runs made on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from themoon import db  # noqa: E402
from themoon.ui import browser  # noqa: E402

PREHEAT = 2
THROTTLE = 4
KERNEL_MB_GOAL = 150
OWNER = {"id": 1, "username": "owner", "display_name": "owner", "role": "owner"}
BARE_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "bare",
            "metadata": {},
            "outputs": [],
            "source": ["import ipywidgets\n", "ipywidgets.HTML('<div class=\"bare-kpi\">₩1,234,567</div>')"],
        }
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
FIRST_KPI = {"dashboard": ".themoon-kpi-value", "bare": ".bare-kpi"}
# a tab's content drawn: the tab visible, and every chart in it drawn
TAB_DRAWN = """key => {
  const tab = document.querySelector('.themoon-tab-' + key);
  if (!tab || tab.offsetParent === null) return false;
  const plots = [...tab.querySelectorAll('.themoon-plotly')].filter(p => p.offsetParent !== null);
  return plots.every(p => p.querySelector('.main-svg') !== null);
}"""


# --- databases -------------------------------------------------------------------------------------------


def demo_database(cache: Path) -> Path:
    from themoon.demo import build_demo

    path = cache / f"demo-18m-{date.today().isoformat()}-v{db.schema_version()}.db"
    if not path.is_file():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        conn = db.connect(partial)
        try:
            build_demo(conn, months=18)
        finally:
            conn.close()
        partial.rename(path)
    return path


def bulk_database(cache: Path, batches: int = 1_000_000) -> Path:
    from themoon.bulk import build_bulk

    path = cache / f"bulk-{batches}-{date.today().isoformat()}-v{db.schema_version()}.db"
    if not path.is_file():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build_bulk(partial, batches=batches)
        partial.rename(path)
    return path


# --- kernels -------------------------------------------------------------------------------------------


def children_running(server: browser.Server, mark: str) -> list[psutil.Process]:
    """The server's processes whose command line holds `mark`."""
    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if mark in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def kernels(server: browser.Server) -> list[psutil.Process]:
    return children_running(server, "ipykernel_launcher")


def engine_of(server: browser.Server) -> psutil.Process | None:
    """The server's shared analytics engine process (None with THEMOON_SHARED_ENGINE=0)."""
    return next(iter(children_running(server, "themoon.ui.engine_service")), None)


def kernel_of(server: browser.Server, kernel_id: str) -> psutil.Process | None:
    for k in kernels(server):
        try:
            if kernel_id in " ".join(k.cmdline()):
                return k
        except psutil.Error:
            continue
    return None


def rss_mb(process: psutil.Process | None) -> float:
    try:
        return process.memory_info().rss / 2**20 if process else float("nan")
    except psutil.Error:
        return float("nan")


def prepared_pids(server: browser.Server) -> set[int]:
    """Dashboard kernels that finished `prepare()` (their `ui.prepared` log event)."""
    pids = set()
    for path in (server.log_path.parent / "logs").glob("*.log*"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if "event=ui.prepared" in line:
                found = re.search(r"\bpid=(\d+)", line)
                if found:
                    pids.add(int(found.group(1)))
    return pids


def wait_for_ready_pool(
    server: browser.Server, size: int, *, bare: bool, taken: set[int], timeout: float = 300
) -> None:
    """Until `size` pooled kernels (not `taken` by an earlier visitor: those linger until culled)
    have run their notebook and sit idle, waiting for a visitor."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pool = [k for k in kernels(server) if k.pid not in taken]
        pids = {k.pid for k in pool}
        ready = len(pool) >= size and (bare or pids <= prepared_pids(server))
        if ready:
            try:
                busy = sum(k.cpu_percent(interval=0.5) for k in pool)
            except psutil.Error:
                busy = 100.0
            if busy < 10:
                return
        time.sleep(0.3)
    raise TimeoutError("the preheated pool did not become ready")


# --- page views ----------------------------------------------------------------------------------------


def page_view(
    chromium, server: browser.Server, kind: str, taken: set[int], *, throttle: int = 1, tabs: bool = False
) -> dict:
    """One page view in a fresh context: seconds to the first KPI and to every Overview plot drawn."""
    context = chromium.new_context(viewport={"width": 1366, "height": 1000}, locale="en-US")
    page = context.new_page()
    kernel_ids: list[str] = []
    outside: list[str] = []

    def on_request(request) -> None:
        found = re.search(r"/api/kernels/([0-9a-f-]{36})", request.url)
        if found:
            kernel_ids.append(found.group(1))
        if not request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            outside.append(request.url)

    page.on("request", on_request)
    if throttle > 1:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    started = time.perf_counter()
    page.goto(server.url, wait_until="commit", timeout=browser.LOAD_TIMEOUT_MS)
    page.wait_for_selector(FIRST_KPI[kind], state="visible", timeout=browser.LOAD_TIMEOUT_MS)
    result = {"kpi_s": time.perf_counter() - started, "outside": outside}
    kernel = kernel_of(server, kernel_ids[0]) if kernel_ids else None
    if kernel is not None:
        taken.add(kernel.pid)
    if kind == "dashboard":
        page.wait_for_function(browser.CHARTS_DRAWN, timeout=browser.LOAD_TIMEOUT_MS)
        result["plots_s"] = time.perf_counter() - started
        result["draws"] = page.evaluate("() => window.themoonCharts ? window.themoonCharts.draws : null")
        result["kernel_mb"] = rss_mb(kernel)
        result["engine_mb"] = rss_mb(engine_of(server))
        if tabs:
            result["tab_ms"] = open_every_tab(page)
            time.sleep(1)
            result["kernel_mb_all_tabs"] = rss_mb(kernel)
    context.close()
    return result


def open_every_tab(page) -> dict[str, float]:
    from themoon.ui.app import TABS

    timings = {}
    for key in TABS[1:]:
        button = page.locator(f".themoon-nav-{key}")
        if not button.is_visible():
            continue
        started = time.perf_counter()
        button.click()
        page.wait_for_function(TAB_DRAWN, arg=key, timeout=browser.LOAD_TIMEOUT_MS)
        timings[key] = (time.perf_counter() - started) * 1000
    return timings


def measure(server: browser.Server, kind: str, chromium, runs: int, *, tabs: bool = True) -> dict[str, list[dict]]:
    views: dict[str, list[dict]] = {"fast": [], "slow": []}
    taken: set[int] = set()
    for i in range(runs):
        for name, throttle in (("fast", 1), ("slow", THROTTLE)):
            wait_for_ready_pool(server, PREHEAT, bare=kind == "bare", taken=taken)
            views[name].append(
                page_view(chromium, server, kind, taken, throttle=throttle, tabs=tabs and i == 0 and name == "fast")
            )
    return views


# --- in-process and import-only ------------------------------------------------------------------------


def filter_changes(db_path: Path, today: date) -> dict:
    """As a served kernel changes them: its reads answered by the server's shared engine."""
    from themoon.ui import engine_service
    from themoon.ui.context import Context
    from themoon.ui.tabs.overview import OverviewTab

    process, folder = engine_service.start(db_path)
    try:
        return _filter_changes(OverviewTab(Context(db_path, today=today, user=OWNER)))
    finally:
        engine_service.stop(process, folder)
        os.environ.pop(engine_service.ENV, None)


def _filter_changes(view) -> dict:
    view.show()  # waits for the engine to load the store
    timings = []
    steps = [("period", p) for p in ("30d", "90d", "year", "12m", "month")]
    steps += [("product", "blend:FULL-MOON"), ("period", "90d"), ("product", "bean:ETH-YIRGACHEFFE"), ("product", "")]
    for kind, value in steps:
        t = time.perf_counter()
        (view.set_period if kind == "period" else view.set_product)(value)
        timings.append((time.perf_counter() - t) * 1000)
    view.ctx.close()
    return {"median_ms": statistics.median(timings), "max_ms": max(timings)}


_THIRD_PARTY = """
import json, sys
import themoon.ui.app, themoon.ui.tabs.overview, themoon.ui.remote_reads
third = sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names) - {'themoon', '__main__'})
print(json.dumps(third))
"""


def import_only_mb() -> float:
    """RSS of a kernel (started like Voilà's, through jupyter_client) that has only imported the
    third-party libraries the dashboard's Overview imports: the floor a visitor's kernel can reach
    without changing libraries."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    names = json.loads(subprocess.check_output([sys.executable, "-c", _THIRD_PARTY], env=env, text=True))
    manager, client = start_new_kernel(kernel_name="python3", env=env, stderr=subprocess.DEVNULL)
    try:
        code = "import importlib\n" + "".join(
            f"try:\n    importlib.import_module({name!r})\nexcept Exception:\n    pass\n" for name in names
        )
        client.execute_interactive(code, timeout=120, output_hook=lambda _msg: None)
        time.sleep(0.5)
        return rss_mb(psutil.Process(manager.provisioner.process.pid))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


# --- the run -------------------------------------------------------------------------------------------------


def med(views: list[dict], key: str) -> float:
    return statistics.median(v[key] for v in views)


def serve_and_measure(
    db_path: Path,
    work: Path,
    chromium,
    runs: int,
    *,
    kind: str,
    notebook: Path | None = None,
    shared_engine: bool = True,
    tabs: bool = True,
):
    env = {"THEMOON_LANG": "en", "THEMOON_DATA_DIR": str(work), "THEMOON_SHARED_ENGINE": "1" if shared_engine else "0"}
    with browser.voila_server(db_path, work, env=env, preheat=PREHEAT, notebook=notebook, timeout=120) as server:
        return measure(server, kind, chromium, runs, tabs=tabs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="page views per setting (median)")
    parser.add_argument("--quick", action="store_true", help="skip the 1M-batch database (development)")
    parser.add_argument("--cache", default="/tmp/themoon-dashboard-bench", help="where the databases are kept")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    demo = demo_database(cache)
    big = None if args.quick else bulk_database(cache)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="themoon-load-") as tmp:
        tmp_path = Path(tmp)
        bare_nb = tmp_path / "bare.ipynb"
        bare_nb.write_text(json.dumps(BARE_NOTEBOOK), encoding="utf-8")
        chromium = browser.launch_chromium(p)
        try:
            bare = serve_and_measure(demo, tmp_path / "bare", chromium, args.runs, kind="bare", notebook=bare_nb)
            ours = serve_and_measure(demo, tmp_path / "demo", chromium, args.runs, kind="dashboard")
            ours_1m = serve_and_measure(big, tmp_path / "1m", chromium, 1, kind="dashboard") if big else None
            own = serve_and_measure(
                demo, tmp_path / "own", chromium, 1, kind="dashboard", shared_engine=False, tabs=False
            )
        finally:
            chromium.close()
    filter_1m = filter_changes(big, date.today()) if big else None
    baseline = import_only_mb()

    bare_s, bare_slow = med(bare["fast"], "kpi_s"), med(bare["slow"], "kpi_s")
    kpi_s, plots_s = med(ours["fast"], "kpi_s"), med(ours["fast"], "plots_s")
    kpi_slow, plots_slow = med(ours["slow"], "kpi_s"), med(ours["slow"], "plots_s")
    tab_ms = ours["fast"][0]["tab_ms"]
    kernel_mb = max(v["kernel_mb"] for v in ours["fast"] + ours["slow"])
    kernel_mb_1m = max(v["kernel_mb"] for v in ours_1m["fast"] + ours_1m["slow"]) if ours_1m else None
    views = ours["fast"] + ours["slow"] + (ours_1m["fast"] + ours_1m["slow"] if ours_1m else [])
    drawn_twice = sorted({k for v in views for k, n in (v.get("draws") or {}).items() if n > 1})
    outside = sorted({u for v in views + bare["fast"] + bare["slow"] for u in v["outside"]})

    def runs_of(views: list[dict], key: str) -> str:
        return "[" + ", ".join(f"{v[key]:.2f}" for v in views) + "]"

    print(f"bare page, first widget (s):        {bare_s:.2f} {runs_of(bare['fast'], 'kpi_s')}")
    print(f"  throttled {THROTTLE}x:                    {bare_slow:.2f} {runs_of(bare['slow'], 'kpi_s')}")
    print(f"dashboard, first KPI (s):           {kpi_s:.2f} {runs_of(ours['fast'], 'kpi_s')}")
    print(f"dashboard, Overview plots (s):      {plots_s:.2f} {runs_of(ours['fast'], 'plots_s')}")
    print(
        f"  throttled {THROTTLE}x, first KPI / plots: {kpi_slow:.2f} / {plots_slow:.2f} "
        f"{runs_of(ours['slow'], 'plots_s')}"
    )
    print("first open of each tab (ms):        " + ", ".join(f"{k} {v:.0f}" for k, v in tab_ms.items()))
    print(f"kernel RSS (MB): Overview {kernel_mb:.0f}, after every tab {ours['fast'][0]['kernel_mb_all_tabs']:.0f}")
    kernel_mb_own = max(v["kernel_mb"] for v in own["fast"] + own["slow"])
    print(f"  baseline, a kernel with its own engine (THEMOON_SHARED_ENGINE=0): {kernel_mb_own:.0f}")
    engine_mb = max(v["engine_mb"] for v in ours["fast"] + ours["slow"])
    engine_1m = f", 1M {max(v['engine_mb'] for v in ours_1m['fast'] + ours_1m['slow']):.0f}" if ours_1m else ""
    print(f"the server's one analytics engine RSS (MB): demo {engine_mb:.0f}{engine_1m}")
    if ours_1m:
        print(
            f"1M batches: first KPI {med(ours_1m['fast'], 'kpi_s'):.2f} s, "
            f"plots {med(ours_1m['fast'], 'plots_s'):.2f} s"
        )
    if filter_1m:
        print(f"filter change at 1M (ms, median / max): {filter_1m['median_ms']:.0f} / {filter_1m['max_ms']:.0f}")
    print(f"figures drawn twice: {drawn_twice or 'none'}; requests beyond 127.0.0.1: {outside or 'none'}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if baseline > KERNEL_MB_GOAL:
        print(f"import_only_mb={baseline:.0f}")

    def na(value: float | None, fmt: str) -> str:
        return "na" if value is None else format(value, fmt)

    print(
        f"bare_s={bare_s:.2f} kpi_s={kpi_s:.2f} plots_s={plots_s:.2f} "
        f"throttled_ratio={plots_slow / bare_slow:.2f} tab_ms={max(tab_ms.values()):.0f} "
        f"filter_ms_1m={na(filter_1m and filter_1m['max_ms'], '.0f')} kernel_mb={kernel_mb:.0f} "
        f"kernel_mb_1m={na(kernel_mb_1m, '.0f')}"
    )
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: the servers are stopped on the way out
    sys.exit(main())
