"""Backups are consistent while the café writes, verified, pruned by the rules; restore is a drill
that works; a process killed mid-backup or mid-transaction leaves nothing half-done behind."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from themoon import catalog, cost_settings, db, inventory, roasting
from themoon import cli as themoon_cli
from themoon.ops import backup, logs

ROOT = Path(__file__).resolve().parent.parent
BULK_NOTE = "n" * 1990


# --- helpers --------------------------------------------------------------------------------


def _wired() -> bool:
    """True once themoon/cli.py registers the ops commands (then `themoon backup` is real)."""
    from themoon import cli

    parser = cli.build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return "backup" in subs.choices


def cli_prefix() -> list[str]:
    return [sys.executable, "-m", "themoon.cli" if _wired() else "themoon.ops.cli"]


@pytest.fixture(autouse=True)
def ops_env(tmp_path, monkeypatch):
    """Backups, logs and reports of this test live in its tmp_path."""
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("THEMOON_BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("THEMOON_REPORTS_DIR", str(tmp_path / "reports"))
    for name in ("THEMOON_DB", "THEMOON_BACKUP_KEEP", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    yield
    logs.reset()


def run(*argv: str, capsys) -> tuple[int, str, str]:
    code = themoon_cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def seed(path: Path, *, grams: int = 5_000_000) -> None:
    """Cost settings, two beans and a big purchase of each, through the API."""
    conn = db.connect(path)
    cost_settings.save(conn, effective_from=date(2025, 1, 1), user="seed")
    for code, name, ko, won_per_kg in (
        ("KEN-AA", "Kenya Masai AA", "마사이", 6200),
        ("GUA-ANT", "Antigua", "안티구아", 6000),
    ):
        catalog.add_bean(conn, code=code, name_en=name, name_ko=ko, user="seed")
        inventory.add_purchase(
            conn,
            bean=code,
            grams=grams,
            total_won=grams * won_per_kg // 1000,
            purchased_on=date(2025, 1, 2),
            user="seed",
        )
    conn.close()


def checksum(path: Path) -> str:
    conn = backup._open_ro(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def batch_ids(path: Path) -> set[int]:
    conn = backup._open_ro(path)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM roast_batches")}
    finally:
        conn.close()


def integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# --- backup ---------------------------------------------------------------------------------


def test_backup_is_a_verified_self_contained_copy(tmp_path, capsys):
    live = tmp_path / "live.db"
    seed(live)
    code, out, err = run("backup", "--db", str(live), "--json", capsys=capsys)
    assert code == 0, err
    data = json.loads(out)
    path = Path(data["path"])
    assert path.parent == tmp_path / "backups"
    assert backup.NAME.match(path.name)
    assert data["integrity"] == "ok" and data["schema_version"] == db.schema_version()
    assert data["counts"]["purchases"] == 2 and data["counts"]["beans"] == 2
    # one file: rollback journal, no -wal/-shm beside it, nothing temporary left
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert checksum(path) == checksum(live)
    assert "event=backup.created" in (tmp_path / "logs" / "themoon.log").read_text()


def test_backup_of_a_missing_database_fails_cleanly(tmp_path, capsys):
    code, _, err = run("backup", "--db", str(tmp_path / "nope.db"), capsys=capsys)
    assert code == 1 and "no database" in err
    assert not (tmp_path / "nope.db").exists()


def test_backup_of_a_damaged_database_fails_and_leaves_nothing(tmp_path, capsys):
    live = tmp_path / "live.db"
    _big_database(live, rows=300)
    raw = bytearray(live.read_bytes())
    raw[4096 * 20 : 4096 * 40] = b"\x07" * (4096 * 20)
    live.write_bytes(bytes(raw))
    code, _, err = run("backup", "--db", str(live), capsys=capsys)
    assert code == 1 and err.startswith("error: backup failed") and "Traceback" not in err
    assert list((tmp_path / "backups").iterdir()) == []
    assert "event=backup.failed" in (tmp_path / "logs" / "themoon.log").read_text()


def test_bad_keep_is_exit_2(tmp_path, capsys):
    live = tmp_path / "live.db"
    seed(live)
    code, _, err = run("backup", "--db", str(live), "--keep", "0", capsys=capsys)
    assert code == 2 and "keep" in err
    assert not (tmp_path / "backups").exists()


def test_counts_and_copy_come_from_one_snapshot(tmp_path, monkeypatch):
    """A write that lands between counting the rows and copying the pages is in neither."""
    live = tmp_path / "live.db"
    seed(live)
    writer = db.connect(live)
    real_counts = backup._counts
    writes = []

    def counts_then_a_write(conn):
        counted = real_counts(conn)
        if not writes:  # once: the snapshot's count, not the verification's
            writes.append(
                inventory.add_purchase(writer, bean="KEN-AA", grams=1000, total_won=6200, purchased_on=date(2025, 1, 3))
            )
        return counted

    monkeypatch.setattr(backup, "_counts", counts_then_a_write)
    made = backup.create_backup(live)
    monkeypatch.setattr(backup, "_counts", real_counts)
    writer.close()
    assert made.counts["purchases"] == 2 == backup.inspect(made.path).counts["purchases"]
    assert backup.inspect(live).counts["purchases"] == 3


def _fake(directory: Path, when: datetime, kind: str = "", seq: int = 0) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"themoon-{when:%Y%m%d-%H%M%S}{f'-{seq}' if seq else ''}{f'-{kind}' if kind else ''}.db"
    (directory / name).write_bytes(b"x")
    return directory / name


def test_retention_keeps_the_newest_n_plus_the_newest_of_each_month(tmp_path):
    directory = tmp_path / "backups"
    start = datetime(2026, 8, 20, 3, 30)
    daily = [_fake(directory, start + timedelta(days=i)) for i in range(60)]  # 2026-08-20 .. 2026-10-18
    extra = _fake(directory, datetime(2026, 10, 18, 9, 0), "pre-restore")
    same_second = _fake(directory, datetime(2026, 10, 18, 9, 0), "", seq=1)
    unrelated = [directory / "notes.txt", directory / "themoon.db", directory / "themoon-latest.db"]
    for p in unrelated:
        p.write_text("keep me")
    newest_five = sorted([*daily, extra, same_second], key=lambda p: backup.parse_name(p).sort_key)[-5:]
    removed = backup.prune(directory, keep=5)
    left = {p.name for p in directory.iterdir()}
    month_ends = [_name(datetime(2026, 8, 31, 3, 30)), _name(datetime(2026, 9, 30, 3, 30))]
    assert left == {p.name for p in newest_five} | set(month_ends) | {p.name for p in unrelated}
    assert same_second.name in left and extra.name in left  # the newest two of all
    assert len(removed) == 62 - 5 - 2
    # idempotent
    assert backup.prune(directory, keep=5) == []


def _name(when: datetime) -> str:
    return f"themoon-{when:%Y%m%d-%H%M%S}.db"


def test_keep_comes_from_the_environment(tmp_path, monkeypatch):
    directory = tmp_path / "backups"
    for i in range(6):
        _fake(directory, datetime(2026, 11, 1, 3, 0) + timedelta(days=i))
    monkeypatch.setenv("THEMOON_BACKUP_KEEP", "2")
    backup.prune(directory)
    assert len(backup.list_backups(directory)) == 2


def test_backup_list_and_verify(tmp_path, capsys):
    live = tmp_path / "live.db"
    seed(live)
    assert run("backup", "--db", str(live), capsys=capsys)[0] == 0
    code, out, _ = run("backup", "list", "--json", capsys=capsys)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["schema_version"] == db.schema_version() and rows[0]["retention"] == "recent"
    code, out, _ = run("backup", "list", capsys=capsys)
    assert "themoon-" in out and "backups in" in out
    code, out, _ = run("backup", "verify", capsys=capsys)
    assert code == 0 and out.startswith("ok ")
    # a damaged backup is reported (exit 1), a foreign file too (exit 2)
    damaged = tmp_path / "backups" / _name(datetime(2026, 1, 1))
    data = bytearray(Path(rows[0]["path"]).read_bytes())
    probe = sqlite3.connect(rows[0]["path"])
    page_size = probe.execute("PRAGMA page_size").fetchone()[0]
    root = probe.execute("SELECT rootpage FROM sqlite_master WHERE name = 'purchases'").fetchone()[0]
    probe.close()
    start = (root - 1) * page_size  # the purchases table's page: rows, not the schema
    data[start : start + page_size] = b"\xff" * page_size
    damaged.write_bytes(bytes(data))
    code, out, _ = run("backup", "verify", str(damaged), "--json", capsys=capsys)
    assert code == 1 and json.loads(out)["ok"] is False
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    code, out, _ = run("backup", "verify", str(foreign), capsys=capsys)
    assert code == 2 and "NOT A THEMOON DATABASE" in out


def test_dead_backups_temp_files_are_cleaned_up_and_never_listed(tmp_path, capsys):
    live = tmp_path / "live.db"
    seed(live)
    directory = tmp_path / "backups"
    directory.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = directory / f".themoon-20260101-000000.db.{dead.pid}.partial"
    stale.write_bytes(b"half a backup")
    alive = directory / f".themoon-20260101-000001.db.{os.getpid()}.partial"
    alive.write_bytes(b"someone is writing this")
    assert backup.list_backups(directory) == []
    assert run("backup", "--db", str(live), capsys=capsys)[0] == 0
    assert not stale.exists() and alive.exists()
    assert len(backup.list_backups(directory)) == 1


# --- several writers while `themoon backup` runs --------------------------------------------


def _writer(db_path: str, number: int, stop, progress) -> None:
    conn = db.connect(db_path)
    while not stop.is_set():
        roasting.add_batch(
            conn,
            product=("KEN-AA", "GUA-ANT")[number % 2],
            green_g=1000,
            roasted_g=830 + number,
            roasted_on=date(2025, 6, 1),
            operator=f"writer-{number}",
            user=f"writer-{number}",
        )
        with progress.get_lock():
            progress.value += 1
    conn.close()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_backup_while_several_processes_write_holds_every_earlier_batch(tmp_path):
    live = tmp_path / "live.db"
    seed(live)
    ctx = multiprocessing.get_context("spawn")
    stop, progress = ctx.Event(), ctx.Value("i", 0)
    writers = [ctx.Process(target=_writer, args=(str(live), n, stop, progress)) for n in range(3)]
    for w in writers:
        w.start()
    try:
        _wait_for(lambda: progress.value >= 30, 60, "the writers to get going")
        committed_before = batch_ids(live)
        at_start = progress.value
        result = subprocess.run(
            [*cli_prefix(), "backup", "--db", str(live), "--json"],
            capture_output=True,
            text=True,
            env=subprocess_env(tmp_path),
            timeout=120,
        )
        during = progress.value - at_start
        _wait_for(lambda: progress.value >= at_start + during + 10, 60, "more writes after the backup")
    finally:
        stop.set()
        for w in writers:
            w.join(60)
    assert [w.exitcode for w in writers] == [0, 0, 0]
    assert result.returncode == 0, result.stderr
    assert during > 0, "no batch was written while the backup ran: the test proves nothing"
    made = json.loads(result.stdout)
    path = Path(made["path"])
    assert integrity(path) == ["ok"]
    in_backup = batch_ids(path)
    assert committed_before <= in_backup
    assert in_backup < batch_ids(live)  # the writers went on after the snapshot
    check = backup.inspect(path)
    assert check.counts == made["counts"]
    conn = sqlite3.connect(path)
    orphans = conn.execute(
        "SELECT count(*) FROM roast_batches b WHERE NOT EXISTS (SELECT 1 FROM roast_components c"
        " WHERE c.batch_id = b.id)"
    ).fetchone()[0]
    audited = conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'roast_batch'").fetchone()[0]
    conn.close()
    assert orphans == 0 and audited == len(in_backup)


# --- restore --------------------------------------------------------------------------------


def _cafe_with_batches(path: Path) -> None:
    seed(path)
    conn = db.connect(path)
    for grams in (830, 845, 790):
        roasting.add_batch(conn, product="KEN-AA", green_g=1000, roasted_g=grams, roasted_on=date(2025, 6, 2))
    conn.close()


def test_restore_drill_backup_delete_restore(tmp_path, capsys):
    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    original = checksum(live)
    code, out, _ = run("backup", "--db", str(live), "--json", capsys=capsys)
    assert code == 0
    made = Path(json.loads(out)["path"])

    conn = db.connect(live)  # the accident
    conn.execute("DELETE FROM roast_batches")
    conn.execute("DELETE FROM audit_log")
    conn.close()
    assert batch_ids(live) == set()

    code, out, err = run("restore", str(made), "--db", str(live), "--json", capsys=capsys)
    assert code == 0, err
    done = json.loads(out)
    assert checksum(live) == original and len(batch_ids(live)) == 3
    safety = Path(done["safety_backup"])
    assert safety.exists() and safety.name.endswith("-pre-restore.db")
    assert batch_ids(safety) == set()  # the state just before the restore is kept
    assert backup.inspect(safety).ok
    assert not any(p.name.startswith(".") for p in live.parent.iterdir())
    assert integrity(live) == ["ok"]
    # the restored database is a normal, writable themoon database again
    conn = db.connect(live)
    roasting.add_batch(conn, product="KEN-AA", green_g=1000, roasted_g=820, roasted_on=date(2025, 6, 3))
    conn.close()
    log = (tmp_path / "logs" / "themoon.log").read_text()
    assert "event=restore.done" in log and "event=backup.created" in log


def test_restore_into_a_missing_database(tmp_path, capsys):
    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    original = checksum(live)
    made = backup.create_backup(live).path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    code, out, err = run("restore", str(made), "--db", str(live), capsys=capsys)
    assert code == 0, err
    assert "nothing to keep" in out
    assert checksum(live) == original


def test_restore_drops_a_stale_wal_and_keeps_it_in_the_safety_copy(tmp_path, capsys):
    """A crashed writer leaves a -wal with committed rows: restore must not replay it onto the
    restored file, and the safety backup must contain those rows."""
    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    made = backup.create_backup(live).path
    original = checksum(made)
    script = (
        "import os, signal, sys\n"
        "from themoon import db, inventory\n"
        "conn = db.connect(sys.argv[1])\n"
        "inventory.add_purchase(conn, bean='KEN-AA', grams=5000, total_won=31000, purchased_on='2025-03-01',"
        " notes='in the wal')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    crashed = subprocess.run([sys.executable, "-c", script, str(live)], env=subprocess_env(tmp_path))
    assert crashed.returncode == -signal.SIGKILL
    assert Path(f"{live}-wal").stat().st_size > 0 and Path(f"{live}-shm").exists()
    code, out, err = run("restore", str(made), "--db", str(live), "--json", capsys=capsys)
    assert code == 0, err
    assert checksum(live) == original
    safety = Path(json.loads(out)["safety_backup"])
    conn = sqlite3.connect(safety)
    assert conn.execute("SELECT count(*) FROM purchases WHERE notes = 'in the wal'").fetchone()[0] == 1
    conn.close()


def _too_new(tmp_path: Path, source: Path) -> Path:
    target = tmp_path / "from-the-future.db"
    target.write_bytes(source.read_bytes())
    conn = sqlite3.connect(target)
    conn.execute(f"PRAGMA user_version = {db.schema_version() + 1}")
    conn.close()
    return target


@pytest.mark.parametrize("kind", ["text", "empty", "foreign", "blank-sqlite", "too-new", "missing"])
def test_restore_refuses_what_is_not_a_themoon_database_it_can_read(tmp_path, capsys, kind):
    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    before = checksum(live)
    bad = tmp_path / f"{kind}.db"
    if kind == "text":
        bad.write_text("name,grams\nKenya,1000\n" * 20)
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "foreign":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE beans (id INTEGER)")
        conn.execute("PRAGMA user_version = 1")
        conn.close()
    elif kind == "blank-sqlite":
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
        conn.close()
    elif kind == "too-new":
        bad = _too_new(tmp_path, backup.create_backup(live).path)
    code, _, err = run("restore", str(bad), "--db", str(live), capsys=capsys)
    assert code == 2, err
    # a missing file is refused by the checks made before any work (themoon/checks.py)
    assert err.startswith("error: file: " if kind == "missing" else "error: restore refused"), err
    if kind == "too-new":
        assert "newer" in err
    assert checksum(live) == before
    assert not [b for b in backup.list_backups() if b.kind == "pre-restore"]


def test_restore_refuses_the_live_file_itself(tmp_path, capsys):
    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    code, _, err = run("restore", str(live), "--db", str(live), capsys=capsys)
    assert code == 2 and "database itself" in err


def test_restore_refuses_a_database_other_processes_have_open(tmp_path, capsys):

    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    made = backup.create_backup(live).path
    conn = db.connect(live)
    conn.execute("DELETE FROM loss_alerts")
    conn.close()
    before = checksum(live)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1 FROM beans').fetchall();"
            " print('ready', flush=True); time.sleep(60)",
            str(live),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        code, _, err = run("restore", str(made), "--db", str(live), capsys=capsys)
        assert code == 1 and str(holder.pid) in err and "--force" in err
        assert checksum(live) == before
    finally:
        holder.kill()
        holder.wait()
    code, _, err = run("restore", str(made), "--db", str(live), capsys=capsys)
    assert code == 0, err


def test_restore_of_a_damaged_database_keeps_its_raw_files(tmp_path, capsys):
    live = tmp_path / "live.db"
    _cafe_with_batches(live)
    made = backup.create_backup(live).path
    raw = bytearray(live.read_bytes())
    raw[4096 : 4096 * 3] = b"\x07" * (4096 * 2)
    live.write_bytes(bytes(raw))
    code, out, err = run("restore", str(made), "--db", str(live), "--json", capsys=capsys)
    assert code == 0, err
    kept = Path(json.loads(out)["safety_backup"])
    assert kept.name.endswith("-damaged.db") and kept.read_bytes() == bytes(raw)
    assert integrity(live) == ["ok"]


# --- SIGKILL --------------------------------------------------------------------------------


def _big_database(path: Path, rows: int = 8000) -> None:
    """~33 MB: a backup takes long enough to be killed half-way."""
    seed(path)
    conn = db.connect(path)
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO purchases (purchased_on, bean_id, grams, total_won, notes)"
            " VALUES ('2025-01-03', (SELECT id FROM beans WHERE code = 'KEN-AA'), 1000, 6200, ?)",
            [(f"{i:05d}{BULK_NOTE}",) for i in range(rows)],
        )
    conn.close()


def _partials(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if ".partial" in p.name] if directory.is_dir() else []


def _copying(directory: Path) -> bool:
    return any(p.name.endswith(".partial") for p in _partials(directory))


def _verifying(directory: Path) -> bool:
    """The copy is closed (its journal gone) and not yet renamed: integrity_check, counts, fsync."""
    names = {p.name for p in _partials(directory)}
    return any(n.endswith(".partial") and f"{n}-journal" not in names for n in names)


@pytest.mark.parametrize("phase", [_copying, _verifying], ids=["while-copying", "while-verifying"])
def test_sigkill_mid_backup_leaves_no_backup_under_its_final_name(tmp_path, capsys, phase):
    live = tmp_path / "live.db"
    _big_database(live)
    before = checksum(live)
    directory = tmp_path / "backups"
    proc = subprocess.Popen(
        [*cli_prefix(), "backup", "--db", str(live)],
        env=subprocess_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not phase(directory):
            assert proc.poll() is None, "the backup finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.0002)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert backup.list_backups(directory) == []  # nothing under a final name
    assert _partials(directory)  # the half-written copy is there, under its temp name
    assert integrity(live) == ["ok"] and checksum(live) == before
    # the next backup works and sweeps the dead one's temp files away
    code, out, err = run("backup", "--db", str(live), "--json", capsys=capsys)
    assert code == 0, err
    assert _partials(directory) == []
    assert checksum(Path(json.loads(out)["path"])) == before


BULK_SCRIPT = """
import sys
from themoon import db, inventory
conn = db.connect(sys.argv[1])
count = int(sys.argv[2])
with db.transaction(conn):
    for i in range(count):
        inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=6200, purchased_on="2025-02-01",
                               notes=f"bulk {i} " + "x" * 500, user="bulk")
        if i == 200:
            print("started", flush=True)
    print("committing", flush=True)
print("committed", flush=True)
"""


@pytest.mark.parametrize(
    "count,wait_for,delay",
    [(50_000, "started", 0.0), (50_000, "started", 0.3), (4_000, "committing", 0.0), (2_000, "committed", 0.0)],
    ids=["early", "spilled-to-wal", "at-commit", "after-commit"],
)
def test_sigkill_mid_transaction_is_all_or_nothing(tmp_path, count, wait_for, delay):
    live = tmp_path / "live.db"
    seed(live)
    proc = subprocess.Popen(
        [sys.executable, "-c", BULK_SCRIPT, str(live), str(count)],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(tmp_path),
    )
    try:
        while (line := proc.stdout.readline().strip()) != wait_for:
            assert line, "the writer died on its own"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert integrity(live) == ["ok"]
    conn = db.connect(live)
    bulk = conn.execute("SELECT count(*) FROM purchases WHERE notes LIKE 'bulk %'").fetchone()[0]
    audited = conn.execute("SELECT count(*) FROM audit_log WHERE username = 'bulk'").fetchone()[0]
    assert bulk in (0, count) and audited == bulk
    if wait_for == "committed":
        assert bulk == count  # a commit that returned survives the kill
    # and the store takes the next write
    inventory.add_purchase(conn, bean="KEN-AA", grams=1000, total_won=6200, purchased_on=date(2025, 2, 2))
    conn.close()
    assert integrity(live) == ["ok"]
