"""How fast the dashboard's Overview loads and redraws, on the demo database and on 1M batches.

    .venv/bin/python benchmarks/dashboard_load.py [--runs 3] [--skip-1m] [--cache /tmp/themoon-dashboard-bench]

For each database, side by side:

- cold: a Voilà server as `themoon serve` starts it; Debian's Chromium opens the page, and the
  clock runs from the GET to every Overview chart drawn (a new kernel per page view: kernel start,
  imports, analytics load, widgets, the browser's rendering). Median of `--runs` page views. The
  time to the page's HTML (the server's share: Voilà sends it once the notebook has run) is shown
  too; the rest is the browser (JupyterLab's scripts, plotly.js, the widgets, four plots).
- preheated: the same with `themoon.serve.voila_command(..., preheat=2)`; each page view waits
  until the pool's kernels are ready (idle after running the notebook up to wait_for_request).
- kernel memory: RSS (psutil) of the kernel that served the page, after it drew the Overview.
- websocket bytes: sizes of every frame sent and received on the page's websockets
  (Playwright `page.on("websocket")`) until the Overview is drawn.
- filter change: in-process on the Overview view object (`OverviewTab.set_period` /
  `set_product`: the analytics queries, the figures, the widget updates), every period and a
  product; median and worst.

The last line is machine-readable:
    cold_s=X preheated_s=Y filter_ms_1m=Z kernel_mb=W
with X and Y on the demo database (the issue's goals: < 3 s cold, < 1 s preheated), Z the worst
filter change at 1M batches (goal < 300 ms) and W the largest kernel RSS seen (the 1M one).

Databases are cached under --cache (not the repository): the 18-month demo (~20 s to build) and
`themoon.bulk.build_bulk(batches=1_000_000)` (~30 s), one per day (the history ends yesterday).
This is a benchmark, never part of the pass/fail suite; figures depend on the machine's load.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
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
OWNER = {"id": 1, "username": "owner", "display_name": "owner", "role": "owner"}


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


def count_batches(path: Path) -> int:
    conn = db.connect(path, migrate=False)
    try:
        return conn.execute("SELECT COUNT(*) FROM roast_batches").fetchone()[0]
    finally:
        conn.close()


# --- kernels ----------------------------------------------------------------------------------------


def kernels(server: browser.Server) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def rss_mb(process: psutil.Process) -> float:
    try:
        return process.memory_info().rss / 2**20
    except psutil.Error:
        return float("nan")


def prepared_pids(server: browser.Server) -> set[int]:
    """Kernels that finished `prepare()` (a preheated one: the app built), from their log event."""
    pids = set()
    for path in (server.log_path.parent / "logs").glob("*.log*"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if "event=ui.prepared" in line:
                found = re.search(r"\bpid=(\d+)", line)
                if found:
                    pids.add(int(found.group(1)))
    return pids


def wait_for_ready_pool(server: browser.Server, size: int, timeout: float = 300) -> None:
    """Until every kernel has prepared (so the `size` pooled ones wait, app built, for a visitor)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pool = {k.pid for k in kernels(server)}
        if len(pool) >= size and pool <= prepared_pids(server):
            time.sleep(0.5)  # the event is logged just before the cell ends
            return
        time.sleep(0.3)
    raise TimeoutError("the preheated pool did not become ready")


# --- page views -----------------------------------------------------------------------------------------


def page_view(context, server: browser.Server) -> dict:
    """One page view: seconds from the GET to every Overview chart drawn, websocket bytes, kernel RSS."""
    before = {k.pid for k in kernels(server)}
    page = context.new_page()
    frames = {"sent": 0, "received": 0, "frames": 0}

    def size(payload) -> int:
        return len(payload.encode("utf-8")) if isinstance(payload, str) else len(payload)

    def on_websocket(ws) -> None:
        def sent(payload) -> None:
            frames["sent"] += size(payload)
            frames["frames"] += 1

        def received(payload) -> None:
            frames["received"] += size(payload)
            frames["frames"] += 1

        ws.on("framesent", sent)
        ws.on("framereceived", received)

    page.on("websocket", on_websocket)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    started = time.perf_counter()
    page.goto(server.url, wait_until="domcontentloaded", timeout=browser.LOAD_TIMEOUT_MS)
    html_seconds = time.perf_counter() - started
    browser.wait_for_dashboard(page)
    seconds = time.perf_counter() - started
    shown = dict(frames)
    pool = kernels(server)
    new = [k for k in pool if k.pid not in before]
    # cold: the kernel started for this page; preheated: the busiest of the pool (they all prepared)
    memory = max((rss_mb(k) for k in (new or pool)), default=float("nan"))
    page.close()
    return {
        "seconds": seconds,
        "html_seconds": html_seconds,
        "ws_bytes": shown["sent"] + shown["received"],
        "ws_frames": shown["frames"],
        "kernel_mb": memory,
        "errors": [e for e in errors if "setData is not a function" not in e],
    }


def measure_server(db_path: Path, work: Path, *, preheat: int, runs: int, playwright) -> list[dict]:
    env = {"THEMOON_LANG": "en", "THEMOON_DATA_DIR": str(work)}
    results = []
    with browser.voila_server(db_path, work, env=env, preheat=preheat, timeout=120) as server:
        chromium = browser.launch_chromium(playwright)
        try:
            context = chromium.new_context(viewport={"width": 1366, "height": 1000})
            for _ in range(runs):
                if preheat:
                    wait_for_ready_pool(server, preheat)
                results.append(page_view(context, server))
                for k in kernels(server):  # a finished page view's kernel must not skew the next
                    if preheat == 0:
                        try:
                            k.terminate()
                        except psutil.Error:
                            pass
            context.close()
        finally:
            chromium.close()
    return results


# --- filter changes in-process -------------------------------------------------------------------------------


def filter_changes(db_path: Path, today: date) -> dict:
    from themoon.ui.context import Context
    from themoon.ui.overview import OverviewTab

    started = time.perf_counter()
    view = OverviewTab(Context(db_path, today=today, user=OWNER))
    first = time.perf_counter() - started
    timings = []
    steps = [("period", p) for p in ("30d", "90d", "year", "12m", "month")]
    steps += [("product", "blend:FULL-MOON"), ("period", "90d"), ("product", "bean:ETH-YIRGACHEFFE"), ("product", "")]
    for kind, value in steps:
        t = time.perf_counter()
        (view.set_period if kind == "period" else view.set_product)(value)
        timings.append((time.perf_counter() - t) * 1000)
    assert view.message.value == "", view.message.value
    view.ctx.close()
    return {"first_s": first, "median_ms": statistics.median(timings), "max_ms": max(timings), "all_ms": timings}


# --- report --------------------------------------------------------------------------------------------------


def median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="page views per setting (median)")
    parser.add_argument("--skip-1m", action="store_true", help="only the demo database")
    parser.add_argument("--cache", default="/tmp/themoon-dashboard-bench", help="where the databases are kept")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    databases = {"demo": demo_database(cache)}
    if not args.skip_1m:
        databases["1M"] = bulk_database(cache)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    table: dict[str, dict] = {}
    with sync_playwright() as p:
        for name, path in databases.items():
            row: dict = {"batches": count_batches(path)}
            with tempfile.TemporaryDirectory(prefix="themoon-load-") as tmp:
                cold = measure_server(path, Path(tmp) / "cold", preheat=0, runs=args.runs, playwright=p)
                warm = measure_server(path, Path(tmp) / "warm", preheat=PREHEAT, runs=args.runs, playwright=p)
            row.update(
                cold_s=median(cold, "seconds"),
                preheated_s=median(warm, "seconds"),
                kernel_mb=max(max(r["kernel_mb"] for r in cold), max(r["kernel_mb"] for r in warm)),
                ws_kb=median(cold, "ws_bytes") / 1024,
                ws_frames=median(cold, "ws_frames"),
                errors=sorted({e for r in cold + warm for e in r["errors"]}),
                cold_html_s=median(cold, "html_seconds"),
                warm_html_s=median(warm, "html_seconds"),
                cold_runs=[round(r["seconds"], 2) for r in cold],
                warm_runs=[round(r["seconds"], 2) for r in warm],
            )
            row["filter"] = filter_changes(path, date.today())
            table[name] = row
            print(f"{name}: done ({row['batches']:,} batches)", flush=True)

    names = list(table)
    lines = [
        ("batches", lambda r: f"{r['batches']:,}"),
        ("cold GET → Overview drawn (s, median)", lambda r: f"{r['cold_s']:.2f}  {r['cold_runs']}"),
        ("preheated GET → Overview drawn (s)", lambda r: f"{r['preheated_s']:.2f}  {r['warm_runs']}"),
        ("GET → page HTML (s, cold / preheated)", lambda r: f"{r['cold_html_s']:.2f} / {r['warm_html_s']:.2f}"),
        ("kernel RSS (MB, max)", lambda r: f"{r['kernel_mb']:.0f}"),
        ("websocket (kB / frames, cold)", lambda r: f"{r['ws_kb']:.0f} / {r['ws_frames']:.0f}"),
        ("Overview built in-process (s)", lambda r: f"{r['filter']['first_s']:.2f}"),
        ("filter change (ms, median / max)", lambda r: f"{r['filter']['median_ms']:.0f} / {r['filter']['max_ms']:.0f}"),
        ("page errors", lambda r: "; ".join(r["errors"]) or "none"),
    ]
    width = max(len(label) for label, _ in lines) + 2
    print()
    print("".ljust(width) + "".join(n.ljust(30) for n in names))
    for label, fmt in lines:
        print(label.ljust(width) + "".join(fmt(table[n]).ljust(30) for n in names))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    demo = table["demo"]
    big = table.get("1M", demo)
    kernel_mb = max(r["kernel_mb"] for r in table.values())
    print(
        f"cold_s={demo['cold_s']:.2f} preheated_s={demo['preheated_s']:.2f} "
        f"filter_ms_1m={big['filter']['max_ms']:.0f} kernel_mb={kernel_mb:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
