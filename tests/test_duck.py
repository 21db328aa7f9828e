"""DuckDB never opens the live store: the lost-write bug of issue #11, at the level of processes.

A dashboard kernel holds the store's `sqlite3` connection and the analytics engine. When the
engine's DuckDB opened the live file with the SQLite inside its sqlite scanner, closing that
descriptor dropped the kernel's POSIX locks; the next process to open and close the database
deleted the WAL under the kernel, and every later commit of the kernel went into a deleted file.
These tests run the kernel's real objects in a process of their own and look from others.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from themoon.analytics import snapshot as duck

REPO = Path(__file__).resolve().parents[1]

# Another process opens and closes the store, as the CLI, `health`, timers and new kernels do.
OPEN_AND_CLOSE = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT COUNT(*) FROM roast_batches'); c.close()"
)

# What a dashboard kernel holds (the prepared analytics engine and the tabs' context), saving
# twice with another process opening and closing the store before each save.
KERNEL = r"""
import json, subprocess, sys
from datetime import date
from themoon import roasting
from themoon.ui.app import Prepared
from themoon.ui.context import Context

db_path, open_and_close = sys.argv[1], sys.argv[2]
prepared = Prepared(db_path)
assert prepared.analytics is not None, "the analytics engine did not load"
ctx = Context(db_path, analytics=prepared.analytics, today=date(2026, 11, 15),
              user={"id": 1, "username": "owner", "display_name": "owner", "role": "owner"})
ids = []
for grams in (5000, 4000):
    subprocess.run([sys.executable, "-c", open_and_close, db_path], check=True)
    batch = roasting.add_batch(ctx.conn(), product="GTM-ANTIGUA", roasted_on=date(2026, 11, 14),
                               green_g=grams, roasted_g=grams * 83 // 100, user="owner")
    ids.append(batch["id"])
    ctx.analytics()  # refreshed after every save, as the tabs do
sys.path.insert(0, "tests")
from kernel_worker import deleted_store_files
print(json.dumps({"ids": ids, "deleted": deleted_store_files(db_path)}), flush=True)
sys.stdin.readline()  # stay alive (the kernel is still open) until the test has looked
ctx.close()
"""


def ids_seen_from_another_process(path: Path) -> set[int]:
    out = subprocess.check_output(
        [
            sys.executable,
            "-c",
            "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " print(json.dumps([r[0] for r in c.execute('SELECT id FROM roast_batches')])); c.close()",
            str(path),
        ]
    )
    return set(json.loads(out))


def integrity(path: Path) -> str:
    out = subprocess.check_output(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " print(c.execute('PRAGMA integrity_check').fetchone()[0]); c.close()",
            str(path),
        ]
    )
    return out.decode().strip()


def test_saves_of_a_kernel_holding_analytics_are_seen_by_other_processes(demo_path):
    before = ids_seen_from_another_process(demo_path)
    kernel = subprocess.Popen(
        [sys.executable, "-c", KERNEL, str(demo_path), OPEN_AND_CLOSE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        reported = json.loads(kernel.stdout.readline())
        assert reported["deleted"] == [], "the kernel writes into a deleted WAL"
        assert len(reported["ids"]) == 2
        # during the session, from a third process
        assert set(reported["ids"]) <= ids_seen_from_another_process(demo_path) - before
    finally:
        kernel.communicate("\n", timeout=60)
    assert kernel.returncode == 0
    # and after the kernel is gone
    assert set(reported["ids"]) <= ids_seen_from_another_process(demo_path)
    assert integrity(demo_path) == "ok"


def test_the_snapshot_is_private_and_removed(tmp_path):
    live = tmp_path / "live.db"
    source = sqlite3.connect(live, isolation_level=None)
    source.execute("PRAGMA journal_mode = WAL")
    source.execute("CREATE TABLE t (a INTEGER)")
    source.execute("INSERT INTO t VALUES (41), (1)")
    engine = duck.connect()
    work = tmp_path / "work"
    with duck.attached_snapshot(engine, source, work) as snapshot:
        assert snapshot.parent == work and snapshot != live
        assert engine.execute("SELECT SUM(a) FROM store.t").fetchone()[0] == 42
        source.execute("INSERT INTO t VALUES (100)")  # the live file moves on; the snapshot does not
        assert engine.execute("SELECT SUM(a) FROM store.t").fetchone()[0] == 42
    assert list(work.iterdir()) == []
    assert engine.execute("SELECT COUNT(*) FROM duckdb_databases() WHERE database_name = 'store'").fetchone()[0] == 0


# Anything that lets another SQLite library open a file: the scanner's ATTACH/sqlite_scan, adbc.
_SECOND_SQLITE = re.compile(r"TYPE\s+sqlite|sqlite_scan|sqlite_attach|adbc_driver_sqlite|duckdb\.connect", re.I)


def test_only_the_snapshot_module_hands_a_file_to_another_sqlite():
    """A guard on the class of bug: the one place that may attach a SQLite file to DuckDB (or any
    other library with its own SQLite) is `themoon/analytics/snapshot.py`, and it attaches only its snapshot."""
    offenders = []
    for path in sorted((REPO / "themoon").rglob("*")):
        if path.suffix not in {".py", ".sql"} or path == REPO / "themoon" / "analytics" / "snapshot.py":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in _SECOND_SQLITE.finditer(text)]
    assert offenders == []
    source = (REPO / "themoon" / "analytics" / "snapshot.py").read_text(encoding="utf-8")
    assert source.count("TYPE sqlite") == 1 and "backup_copy(source, path)" in source


def test_a_dead_process_s_snapshot_folder_is_removed_by_the_next_engine(demo_path, tmp_path, monkeypatch):
    from themoon.analytics import Analytics

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"themoon-duckdb-{dead.pid}-abc"
    orphan.mkdir()
    (orphan / f"{duck.SNAPSHOT_PREFIX}x.db").write_bytes(b"left by a killed kernel")
    alive = tmp_path / "themoon-duckdb-1-abc"  # pid 1 is alive: not ours to remove
    alive.mkdir()
    with Analytics(demo_path):
        assert not orphan.exists() and alive.exists()
