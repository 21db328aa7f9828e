"""Soak test: many processes write and read the store at once for a while; nothing is lost.

    .venv/bin/python benchmarks/soak.py [--seconds 120] [--writers 3] [--kernel-writers 2] [--readers 2]

On a fresh demo database in a temporary folder (loopback only, nothing leaves the machine):

- writers: processes that write roast batches, purchases and stocktakes through the store API
  (`roasting.add_batch`, `inventory.add_purchase`, `inventory.stocktake`) as fast as the
  machine lets them, with short pauses; each write carries a unique marker (its notes / reason)
  and is *acknowledged* — appended and fsynced to the writer's ack file — only after the API
  call returned, i.e. after COMMIT;
- kernel writers: the same, built exactly like a dashboard kernel: the store connection and a
  `themoon.analytics.Analytics` (DuckDB over a private snapshot) open in one process, the
  analytics refreshed and read between writes;
- readers: processes that build the real dashboard (`themoon.ui.app.App`, signed in as the
  owner) and redraw the Overview, Roasting and Green inventory tabs again and again;
- `themoon metrics` and `themoon health --json` run every few seconds;
- `themoon backup` runs every few seconds (every other one `--encrypt`, and the last one, taken
  after the writers stopped, too);
- one more writer is killed with SIGKILL in the middle of a transaction (after its INSERT,
  before its COMMIT, holding the write lock).

At the end: every acknowledged write is in the database (and the killed transaction is not);
for every bean stock = purchases − roasted green ± adjustments and the running balance never
goes below zero; `PRAGMA integrity_check` is ok on the database and on every backup (encrypted
ones decrypted first); the newest backup (encrypted) restores into a new database (`themoon
restore`) with the same rows in every table.

The last line is machine-readable:
    writes_acked=N writes_found=N lost=0 backups=K backup_ok=K restore_ok=1
The exit status is 0 only when every check held. tests/test_soak.py runs a 20-second version.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from themoon import db  # noqa: E402

PREFIX = "soak-"
INFLIGHT = "soak-killed-in-flight"


# --- the roles (each runs in its own process) -------------------------------------------------------


def _ack(handle, marker: str) -> None:
    handle.write(marker + "\n")
    handle.flush()
    os.fsync(handle.fileno())


def writer(path: Path, name: str, ack: Path, until: float, *, kernel: bool, seed: int) -> None:
    """Write batches, purchases and stocktakes through the API until `until`; ack each commit."""
    from themoon import catalog, inventory, roasting
    from themoon.models import ValidationError

    rng = random.Random(seed)
    conn = db.connect(path, migrate=False)
    analytics = None
    if kernel:  # like a dashboard kernel: the store and the analytics engine in one process
        from themoon.analytics import Analytics

        analytics = Analytics(path)
    beans = [b["code"] for b in catalog.list_beans(conn, active=True)]
    refused = errors = 0
    with open(ack, "a", encoding="utf-8") as handle:
        sequence = 0
        while time.time() < until:
            sequence += 1
            marker = f"{PREFIX}{name}-{sequence}"
            bean = rng.choice(beans)
            kind = rng.choices(("batch", "purchase", "stocktake"), weights=(5, 3, 1))[0]
            try:
                if kind == "batch":
                    green = rng.randint(200, 1200)
                    roasting.add_batch(
                        conn,
                        product=f"bean:{bean}",
                        green_g=green,
                        roasted_g=green - rng.randint(20, green // 4),
                        operator=name,
                        notes=marker,
                        user=name,
                    )
                elif kind == "purchase":
                    inventory.add_purchase(
                        conn, bean=bean, grams=rng.randint(5, 30) * 1000, total_won=rng.randint(50, 300) * 1000,
                        notes=marker, user=name,
                    )  # fmt: skip
                else:
                    book = inventory.stock_g(conn, catalog.get_bean(conn, bean)["id"])
                    counted = max(book + rng.choice((-1, 1)) * rng.randint(1, 50), 0)
                    if inventory.stocktake(conn, bean=bean, counted_g=counted, reason=marker, user=name) is None:
                        continue  # nothing to adjust: no write happened
                _ack(handle, f"{kind} {marker}")
            except ValidationError:
                refused += 1  # e.g. not enough stock for that roast: refused, nothing written
            except sqlite3.OperationalError:
                errors += 1
            if analytics is not None:
                analytics.refresh()
                analytics.stock()
            time.sleep(rng.uniform(0.02, 0.2))
    print(json.dumps({"writer": name, "writes": sequence, "refused": refused, "errors": errors}), flush=True)


def victim(path: Path, name: str, ack: Path, flag: Path, writes: int) -> None:
    """A few acknowledged writes, then a purchase whose transaction never commits: the parent
    kills this process with SIGKILL while it holds the write lock mid-transaction."""
    from themoon import catalog, inventory

    conn = db.connect(path, migrate=False)
    bean = catalog.list_beans(conn, active=True)[0]["code"]
    with open(ack, "a", encoding="utf-8") as handle:
        for sequence in range(1, writes + 1):
            marker = f"{PREFIX}{name}-{sequence}"
            inventory.add_purchase(conn, bean=bean, grams=1000, total_won=6000, notes=marker, user=name)
            _ack(handle, f"purchase {marker}")
            time.sleep(0.1)
    with db.transaction(conn):
        inventory.add_purchase(conn, bean=bean, grams=1000, total_won=6000, notes=INFLIGHT, user=name)
        flag.write_text("in transaction")
        time.sleep(600)  # the parent's SIGKILL lands here


def reader(path: Path, until: float) -> None:
    """The real dashboard, signed in as the owner, redrawing its tabs until `until`."""
    from themoon import users
    from themoon.ui.app import App

    app = App(path, lang="en", autologin=False)
    conn = db.connect(path, migrate=False)
    owner = next(u for u in users.list_users(conn) if u["role"] == "owner")
    conn.close()
    app._signed_in({k: owner[k] for k in ("id", "username", "display_name", "role")})
    app.render()
    draws = 0
    while time.time() < until:
        for key in ("overview", "roasting", "inventory"):
            app.open_tab(key)
            app.tabs[key].refresh()
            draws += 1
        time.sleep(0.5)
    print(json.dumps({"reader": os.getpid(), "draws": draws}), flush=True)


# --- the conductor ------------------------------------------------------------------------------------


def themoon(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "themoon.cli", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def role(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


class Every(threading.Thread):
    """Run `fn` every `interval` seconds until stopped; collects what it returns."""

    def __init__(self, interval: float, fn) -> None:
        super().__init__(daemon=True)
        self.interval, self.fn, self.results = interval, fn, []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.results.append(self.fn())


def build_store(folder: Path) -> Path:
    from themoon.demo import build_demo

    path = folder / "data" / "themoon.db"
    conn = db.connect(path)
    try:
        build_demo(conn, months=2, today=date.today())
    finally:
        conn.close()
    return path


def acked(folder: Path) -> set[str]:
    found = set()
    for ack in folder.glob("ack-*.txt"):
        found |= {line.split(" ", 1)[1] for line in ack.read_text().splitlines() if line.strip()}
    return found


def markers_in(path: Path) -> set[str]:
    """Every soak marker in the database, read by a fresh connection (as another process would)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = set()
        for sql in (
            "SELECT notes FROM roast_batches WHERE notes LIKE 'soak-%'",
            "SELECT notes FROM purchases WHERE notes LIKE 'soak-%'",
            "SELECT reason FROM stock_adjustments WHERE reason LIKE 'soak-%'",
        ):
            found |= {r[0] for r in conn.execute(sql)}
        return found
    finally:
        conn.close()


def ledger_problems(path: Path) -> list[str]:
    """Stock = purchases − roasted green ± adjustments per bean, and never negative on any day."""
    from themoon import inventory
    from themoon.models import ValidationError

    conn = db.connect(path, migrate=False)
    problems = []
    try:
        stock = {r["bean_id"]: r["stock_g"] for r in inventory.stock(conn)}
        for bean_id, code in conn.execute("SELECT id, code FROM beans").fetchall():
            bought = conn.execute("SELECT COALESCE(SUM(grams), 0) FROM purchases WHERE bean_id = ?", (bean_id,))
            roasted = conn.execute(
                "SELECT COALESCE(SUM(green_g), 0) FROM roast_components WHERE bean_id = ?", (bean_id,)
            )
            adjusted = conn.execute(
                "SELECT COALESCE(SUM(delta_g), 0) FROM stock_adjustments WHERE bean_id = ?", (bean_id,)
            )
            expected = bought.fetchone()[0] - roasted.fetchone()[0] + adjusted.fetchone()[0]
            if stock.get(bean_id, 0) != expected:
                problems.append(f"{code}: stock {stock.get(bean_id)} != {expected}")
            try:
                inventory.check_never_negative(conn, bean_id)
            except ValidationError as error:
                problems.append(f"{code}: {error}")
    finally:
        conn.close()
    return problems


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def soak(seconds: float, writers: int, kernel_writers: int, readers: int, keep: bool) -> int:
    from themoon.ops import backup

    folder = Path(tempfile.mkdtemp(prefix="themoon-soak-"))
    started = time.time()
    path = build_store(folder)
    env = {
        **os.environ,
        "THEMOON_DB": str(path),
        "THEMOON_DATA_DIR": str(folder / "data"),
        "THEMOON_BACKUP_DIR": str(folder / "backups"),
        "THEMOON_REPORTS_DIR": str(folder / "reports"),
        "THEMOON_LOG_DIR": str(folder / "logs"),
        "THEMOON_BACKUP_KEEP": "1000",
        "PYTHONPATH": str(ROOT),
    }
    print(f"store ready in {time.time() - started:.0f} s: {path}", flush=True)
    until = time.time() + seconds
    procs = []
    for _ in range(readers):
        procs.append(role("_reader", str(path), str(until), env=env))
    for i in range(writers + kernel_writers):
        kernel = i >= writers
        name = f"{'k' if kernel else 'w'}{i}"
        procs.append(
            role("_writer", str(path), name, str(folder / f"ack-{name}.txt"), str(until), str(int(kernel)), env=env)
        )
    flag = folder / "victim-in-transaction"
    victim_proc = role("_victim", str(path), "victim", str(folder / "ack-victim.txt"), str(flag), "5", env=env)

    counter = {"n": 0}

    def take_backup(encrypt: bool = False) -> tuple[int, str]:
        counter["n"] += 1
        extra = ["--encrypt"] if encrypt or counter["n"] % 2 == 0 else []
        result = themoon("backup", "--no-prune", *extra, env=env)
        return result.returncode, (result.stderr or result.stdout).strip()[-300:]

    def check_health() -> tuple[int, int]:
        health = themoon("health", "--json", env=env)
        metrics = themoon("metrics", env=env)
        return health.returncode, metrics.returncode

    backups, probes = Every(4, take_backup), Every(6, check_health)
    backups.start()
    probes.start()

    killed = False
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not killed and flag.exists():
            os.kill(victim_proc.pid, signal.SIGKILL)  # mid-transaction, holding the write lock
            victim_proc.wait()
            killed = True
            print(f"killed the victim writer (pid {victim_proc.pid}) mid-transaction", flush=True)
        time.sleep(0.05)
    if not killed:
        os.kill(victim_proc.pid, signal.SIGKILL)
        victim_proc.wait()
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        line = (out or "").strip().splitlines()[-1:] or [f"exit {proc.returncode}: {(err or '').strip()[-500:]}"]
        print("  " + line[0], flush=True)
    backups.stop.set()
    probes.stop.set()
    backups.join()
    probes.join()
    backups.results.append(take_backup(encrypt=True))  # the newest: encrypted, after the last write

    # --- the verdict ---------------------------------------------------------------------------------
    ok = True
    wanted = acked(folder)
    found = markers_in(path)
    lost = sorted(wanted - found)
    if lost:
        ok = False
        print(f"LOST {len(lost)}: {lost[:10]}", flush=True)
    if INFLIGHT in found:
        ok = False
        print("the killed transaction's purchase is in the database", flush=True)
    if not killed:
        ok = False
        print("the victim never reached its transaction", flush=True)
    problems = ledger_problems(path)
    if problems:
        ok = False
        print("ledger: " + "; ".join(problems[:10]), flush=True)
    db_integrity = integrity(path)
    ok &= db_integrity == "ok"
    made = backup.list_backups(folder / "backups")
    failed_runs = [r for r in backups.results if r[0] != 0]
    backup_ok = 0
    key = folder / "data" / "backup.key"
    for item in made:
        try:
            backup_ok += bool(backup.inspect_backup(item.path, key_file=key).ok)
        except backup.BackupError as error:
            print(f"backup {item.name}: {error}", flush=True)
    attempts = len(backups.results)
    if failed_runs:
        print(f"{len(failed_runs)} backup runs failed: {failed_runs[:3]}", flush=True)
    ok &= attempts > 0 and backup_ok == attempts == len(made)
    restore_ok = 0
    if made:
        target = folder / "restored" / "themoon.db"
        result = themoon("restore", str(made[0].path), "--db", str(target), "--backup-dir", str(folder / "rb"), env=env)
        if result.returncode == 0 and integrity(target) == "ok":
            original = backup.inspect_backup(made[0].path, key_file=key)
            restore_ok = int(backup.inspect(target).counts == original.counts)
        else:
            print(f"restore failed: {result.stderr.strip()[-300:]}", flush=True)
    ok &= restore_ok == 1
    health_ok = sum(1 for h, m in probes.results if h == 0 and m == 0)
    print(
        f"db integrity_check={db_integrity} ledger_ok={int(not problems)} health_runs={len(probes.results)}"
        f" health_ok={health_ok} encrypted_backups={sum(b.encrypted for b in made)}"
        f" seconds={time.time() - started:.0f} folder={folder if keep else '(removed)'}",
        flush=True,
    )
    ok &= health_ok == len(probes.results) > 0
    if not keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"writes_acked={len(wanted)} writes_found={len(wanted & found)} lost={len(lost)}"
        f" backups={attempts} backup_ok={backup_ok} restore_ok={restore_ok}",
        flush=True,
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_writer":
        path, name, ack, until, kernel = argv[1:6]
        writer(
            Path(path),
            name,
            Path(ack),
            float(until),
            kernel=kernel == "1",
            seed=int.from_bytes(name.encode(), "big") & 0xFFFF,
        )
        return 0
    if argv and argv[0] == "_victim":
        path, name, ack, flag, writes = argv[1:6]
        victim(Path(path), name, Path(ack), Path(flag), int(writes))
        return 0
    if argv and argv[0] == "_reader":
        reader(Path(argv[1]), float(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--writers", type=int, default=3, help="plain writer processes")
    parser.add_argument("--kernel-writers", type=int, default=2, help="writers built like dashboard kernels")
    parser.add_argument("--readers", type=int, default=2, help="processes drawing the real dashboard")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    return soak(args.seconds, args.writers, args.kernel_writers, args.readers, args.keep)


if __name__ == "__main__":
    sys.exit(main())
