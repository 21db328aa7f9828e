"""How long each report takes, end to end, on the demo database and on a million batches.

Each report runs as its own process, exactly as the schedules run it (`themoon report NAME
--period P`: papermill starts a kernel, the notebook loads the store into DuckDB and computes its
tables, nbconvert writes the HTML, the workbook is written, the directory is published and the
run recorded). The wall time of that process is the figure; "cpu s" is the CPU time of the
process and its kernel (user + system), which does not grow when other work shares the machine.
The goal: the monthly report in under 20 s at 1,000,000 batches on the 2-core development machine.

Databases are built once and cached in $THEMOON_BENCH_CACHE (default <tmp>/themoon-bench), never
in the repository: the 18-month demo (`themoon.demo.build_demo`) and 1M batches
(`themoon.bulk.build_bulk`, the same file benchmarks/analytics.py uses). Both end on 2026-10-31.

    .venv/bin/python benchmarks/reports.py [--skip-1m] [--repeat N]

The last line is `monthly_s_demo=X monthly_s_1m=Y` (Y is "skipped" with --skip-1m).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 10, 31)
SEED = 7
PERIODS = {"monthly_cost": "2026-10", "weekly_roasting": "2026-W43", "inventory": "2026-10-31"}


def demo_db(cache: Path) -> tuple[Path, float | None]:
    from themoon import db, demo

    path = cache / f"demo-18m-seed{SEED}-{TODAY.isoformat()}-v{db.schema_version()}.db"
    if path.exists():
        return path, None

    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    conn = db.connect(partial)
    demo.build_demo(conn, months=18, seed=SEED, today=TODAY)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    partial.rename(path)
    return path, time.perf_counter() - started


def bulk_db(cache: Path, batches: int) -> tuple[Path, float | None]:
    from themoon import db

    path = cache / f"bulk-{batches}-seed{SEED}-{TODAY.isoformat()}-v{db.schema_version()}.db"
    if path.exists():
        return path, None
    from themoon.bulk import build_bulk

    started = time.perf_counter()
    build_bulk(path, batches=batches, seed=SEED, today=TODAY)
    return path, time.perf_counter() - started


def run_once(name: str, database: Path, out: Path) -> tuple[float, float, dict]:
    """One `themoon report` process; (wall seconds, CPU seconds of it and its kernel, its index entry)."""
    command = [
        sys.executable,
        "-m",
        "themoon.reports.cli",
        "report",
        name,
        "--period",
        PERIODS[name],
        "--db",
        str(database),
        "--reports-dir",
        str(out),
        "--json",
    ]
    env = {**os.environ, "THEMOON_LOG_DIR": str(out / "logs")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{name} on {database.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, cpu, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-1m", action="store_true", help="only the demo database")
    parser.add_argument("--repeat", type=int, default=1, help="runs per report; the best is reported")
    parser.add_argument("--cache", default=os.environ.get("THEMOON_BENCH_CACHE"))
    args = parser.parse_args()
    cache = Path(args.cache or Path(tempfile.gettempdir()) / "themoon-bench")
    cache.mkdir(parents=True, exist_ok=True)

    databases = [("demo", *demo_db(cache))]
    if not args.skip_1m:
        databases.append(("1m", *bulk_db(cache, 1_000_000)))
    print(f"themoon reports benchmark — {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, cache {cache}")
    monthly: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="themoon-bench-reports-") as tmp:
        for label, database, built in databases:
            note = f"built in {built:.0f} s" if built is not None else "cached"
            size = database.stat().st_size / 1e6
            print(f"\n{label}: {database.name} ({size:,.0f} MB, {note})")
            print(f"  {'report':<16} {'period':<10} {'wall s':>7} {'cpu s':>6} {'in run s':>9}  html MB  xlsx kB")
            for name in PERIODS:
                runs = [run_once(name, database, Path(tmp) / label) for _ in range(max(args.repeat, 1))]
                seconds, cpu, entry = min(runs, key=lambda r: r[0])
                root = Path(tmp) / label
                html = (root / entry["files"]["html"]).stat().st_size / 1e6
                xlsx = (root / entry["files"]["xlsx"]).stat().st_size / 1e3
                print(
                    f"  {name:<16} {entry['period']:<10} {seconds:>7.1f} {cpu:>6.1f} {entry['duration_seconds']:>9.1f}"
                    f"  {html:>7.1f}  {xlsx:>7.0f}"
                )
                if name == "monthly_cost":
                    monthly[label] = seconds
    one_m = f"{monthly['1m']:.1f}" if "1m" in monthly else "skipped"
    print(f"\nmonthly_s_demo={monthly['demo']:.1f} monthly_s_1m={one_m}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
