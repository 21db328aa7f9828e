"""`themoon health`: healthy says so with exit 0; each way of being unhealthy exits non-zero and
names the check; nothing is written or created."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from themoon import cli as themoon_cli
from themoon import db
from themoon.ops import backup, health, logs


@pytest.fixture(autouse=True)
def ops_env(tmp_path, monkeypatch):
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("THEMOON_BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("THEMOON_REPORTS_DIR", str(tmp_path / "reports"))
    for name in ("THEMOON_DB", "THEMOON_HEALTH_MIN_FREE_MB", "THEMOON_BACKUP_MAX_AGE_HOURS"):
        monkeypatch.delenv(name, raising=False)
    yield
    logs.reset()


@pytest.fixture
def live(tmp_path) -> Path:
    path = tmp_path / "live.db"
    db.connect(path).close()
    return path


def health_json(live: Path, capsys) -> tuple[int, dict]:
    code = themoon_cli.main(["health", "--db", str(live), "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def write_index(tmp_path: Path, data) -> None:
    (tmp_path / "reports").mkdir(exist_ok=True)
    (tmp_path / "reports" / "index.json").write_text(json.dumps(data))


def test_healthy_install(tmp_path, live, capsys):
    backup.create_backup(live)
    code, result = health_json(live, capsys)
    assert code == 0 and result["healthy"] is True and result["status"] == "ok"
    checks = result["checks"]
    assert set(checks) == {"database", "schema", "disk", "backup", "kernels", "report"}
    assert checks["database"]["quick_check"] == "ok"
    assert checks["schema"]["version"] == checks["schema"]["code"] == db.schema_version()
    assert checks["disk"]["free_bytes"] > 0
    assert 0 <= checks["backup"]["age_seconds"] < 120
    assert isinstance(checks["kernels"]["running"], int)
    assert checks["report"]["report_status"] == "none" and checks["report"]["detail"] == "none"
    code = themoon_cli.main(["health", "--db", str(live)])
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith("themoon health: OK")
    assert "event=health.checked status=ok" in (tmp_path / "logs" / "themoon.log").read_text()


def test_a_missing_database_is_unhealthy_and_is_not_created(tmp_path, capsys):
    missing = tmp_path / "nope.db"
    code, result = health_json(missing, capsys)
    assert code == 1 and result["healthy"] is False
    assert (
        result["checks"]["database"]["status"] == "fail" and "does not exist" in result["checks"]["database"]["detail"]
    )
    assert not missing.exists()


def test_a_damaged_database_fails_quick_check(tmp_path, live, capsys):
    conn = db.connect(live)
    conn.executemany(
        "INSERT INTO beans (code, name_en, notes) VALUES (?, ?, ?)", [(f"B{i}", "x", "n" * 1500) for i in range(200)]
    )
    conn.close()
    raw = bytearray(live.read_bytes())
    raw[-4096 * 3 :] = b"\x5a" * (4096 * 3)
    live.write_bytes(bytes(raw))
    code, result = health_json(live, capsys)
    assert code == 1 and result["checks"]["database"]["status"] == "fail"
    before = live.read_bytes()
    health.check(live)
    assert live.read_bytes() == before  # read-only: not even a checkpoint


def test_schema_newer_than_the_code_is_unhealthy(live, capsys):
    conn = sqlite3.connect(live)
    conn.execute(f"PRAGMA user_version = {db.schema_version() + 1}")
    conn.close()
    code, result = health_json(live, capsys)
    assert (
        code == 1 and result["checks"]["schema"]["status"] == "fail" and "newer" in result["checks"]["schema"]["detail"]
    )


def test_pending_migrations_are_a_warning(live, capsys, monkeypatch):
    backup.create_backup(live)
    code_version = db.schema_version() + 1
    monkeypatch.setattr(health.store, "schema_version", lambda: code_version)
    code, result = health_json(live, capsys)
    assert code == 0 and result["status"] == "warn" and result["checks"]["schema"]["status"] == "warn"


def test_no_backup_yet_is_a_warning_a_stale_one_a_failure(tmp_path, live, capsys, monkeypatch):
    code, result = health_json(live, capsys)
    assert code == 0 and result["checks"]["backup"]["status"] == "warn"
    directory = tmp_path / "backups"
    directory.mkdir()
    old = datetime.now() - timedelta(hours=40)
    (directory / f"themoon-{old:%Y%m%d-%H%M%S}.db").write_bytes(b"x")
    code, result = health_json(live, capsys)
    assert code == 1 and result["checks"]["backup"]["status"] == "fail"
    assert result["checks"]["backup"]["age_seconds"] > 39 * 3600
    monkeypatch.setenv("THEMOON_BACKUP_MAX_AGE_HOURS", "48")
    assert health_json(live, capsys)[0] == 0


def test_low_disk_is_unhealthy(live, capsys, monkeypatch):
    backup.create_backup(live)
    monkeypatch.setenv("THEMOON_HEALTH_MIN_FREE_MB", str(10**12))
    code, result = health_json(live, capsys)
    assert code == 1 and result["checks"]["disk"]["status"] == "fail"


def run_entry(name: str, status: str, trigger: str, finished: str, period: str = "2026-10", **extra) -> dict:
    """An index entry as themoon.reports.runner writes it."""
    return {
        "id": f"{finished}-{name}",
        "name": name,
        "title": name,
        "period": period,
        "parameters": {"period": period},
        "trigger": trigger,
        "started_at": finished,
        "finished_at": finished,
        "duration_seconds": 12.5,
        "status": status,
        "files": {},
        "error": None if status == "ok" else "ValueError: boom",
        "exit_code": 0 if status == "ok" else 1,
        **extra,
    }


def test_last_report_status_from_the_index(tmp_path, live, capsys):
    """Through the reports module's own reader: a failed scheduled run is a failure, a failed
    run started by hand only a warning; a later success of the same report and period clears it."""
    backup.create_backup(live)
    from themoon.reports import index

    root = tmp_path / "reports"
    index.record_run(run_entry("monthly_cost", "ok", "schedule", "2026-10-01T06:00:42+09:00", "2026-09"), root)
    code, result = health_json(live, capsys)
    report = result["checks"]["report"]
    assert code == 0 and report["status"] == "ok" and report["report_status"] == "ok"
    assert (report["name"], report["period"], report["trigger"], report["scheduled"]) == (
        "monthly_cost",
        "2026-09",
        "schedule",
        True,
    )
    assert report["duration_seconds"] == 12.5 and report["failing_scheduled"] == []

    index.record_run(run_entry("weekly_roasting", "failed", "cli", "2026-11-02T09:00:00+09:00"), root)
    code, result = health_json(live, capsys)
    report = result["checks"]["report"]
    assert code == 0 and result["healthy"] is True
    assert report["status"] == "warn" and report["report_status"] == "failed" and report["trigger"] == "cli"

    index.record_run(run_entry("monthly_cost", "failed", "schedule", "2026-11-01T06:01:00+09:00"), root)
    index.record_run(run_entry("inventory", "ok", "cli", "2026-11-03T06:01:00+09:00"), root)
    code, result = health_json(live, capsys)
    report = result["checks"]["report"]
    assert code == 1 and report["status"] == "fail" and report["report_status"] == "ok"
    assert [(f["name"], f["period"]) for f in report["failing_scheduled"]] == [("monthly_cost", "2026-10")]
    assert "scheduled report failed: monthly_cost 2026-10" in report["detail"]

    index.record_run(run_entry("monthly_cost", "ok", "cli", "2026-11-03T08:00:00+09:00"), root)
    code, result = health_json(live, capsys)
    assert code == 0 and result["checks"]["report"]["status"] == "ok"

    (tmp_path / "reports" / "index.json").write_text("{not json")
    code, result = health_json(live, capsys)
    assert code == 1 and result["checks"]["report"]["report_status"] == "unreadable"


def test_kernels_and_voila_servers_of_this_user_are_counted(tmp_path):

    sleeper = "import time; time.sleep(60)"
    kernel = subprocess.Popen([sys.executable, "-c", sleeper, "ipykernel_launcher", "-f", str(tmp_path / "k.json")])
    try:
        deadline = time.monotonic() + 10
        while True:
            found = health.jupyter_processes()
            if kernel.pid in found["kernels"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert kernel.pid in found["kernels"] and kernel.pid not in found["voila"]
        assert os.getpid() not in found["kernels"] + found["voila"]
    finally:
        kernel.kill()
        kernel.wait()
    assert health._is_voila(["/srv/themoon/.venv/bin/python", "-m", "voila", "notebooks/dashboard.ipynb"])
    assert health._is_voila(["/srv/themoon/.venv/bin/python", "/srv/themoon/.venv/bin/voila", "x.ipynb"])
    assert health._is_kernel(["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "/tmp/k.json"])
    assert not health._is_kernel(["/usr/bin/python3", "-m", "pytest", "tests/test_ipykernel.py"])
    assert not health._is_voila(["vim", "voila.json"])


def test_without_psutil_kernels_are_unknown(live, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "psutil", None)
    assert health.running_kernels() is None
    code, result = health_json(live, capsys)
    assert result["checks"]["kernels"]["running"] == "unknown" and result["checks"]["kernels"]["status"] == "ok"
