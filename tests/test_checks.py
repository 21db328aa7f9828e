"""Bad command-line values are refused before any work starts (themoon/checks.py, issue #15):
one line naming the field and the rule, exit 2, and nothing written anywhere — the database,
reports/, reports/index.json, backups/, logs/ — checked from this process by hashing every
file of the installation before and after; `themoon health` stays healthy afterwards."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from themoon import cli, db
from themoon.ops import backup, logs
from themoon.reports import index

# Each row: the arguments (PLACEHOLDERS filled in below) and the field the one error line names.
BAD = [
    (["report", "monthly_cost", "--period", "2026-13"], "period"),
    (["report", "weekly_roasting", "--period", "2026-10"], "period"),
    (["report", "inventory", "--period", "2999-01-01"], "period"),
    (["report", "monthly_cost", "--period", "../../etc/passwd"], "period"),
    (["report", "monthly_cost", "-p", "trend_months", "abc"], "trend_months"),
    (["report", "monthly_cost", "-p", "db_path", "/etc/passwd"], "db_path"),
    (["report", "monthly_cost", "-p", "nope", "1"], "nope"),
    (["report", "nosuch"], "NAME"),
    (["report", "list", "--limit", "0"], "limit"),
    (["report", "monthly_cost", "--db", "{root}/missing.db"], "db"),
    (["report", "monthly_cost", "--reports-dir", "{root}/data/cafe.db"], "reports_dir"),
    (["backup", "--keep", "0"], "keep"),
    (["backup", "--keep", "abc"], "keep"),
    (["backup", "list", "{root}/data/cafe.db"], "file"),
    (["backup", "--copy-to", "{root}/no/such/dir"], "copy_to"),
    (["backup", "--copy-to", "{root}/data/backups"], "copy_to"),
    (["backup", "--encrypt", "--key-file", "{root}/open.key"], "key_file"),
    (["backup", "--encrypt", "--no-encrypt"], "encrypt"),
    (["backup", "verify", "{root}/nope.db"], "file"),
    (["restore", "{root}/nope.db"], "file"),
    (["schedule", "install", "--service-user", "x\nExecStartPre=/bin/sh"], "service_user"),
    (["schedule", "install", "--root", "/opt/the moon;rm -rf /"], "root"),
    (["schedule", "install", "--data-dir", "relative/dir"], "data_dir"),
    (["schedule", "install", "--dir", "{root}/data/cafe.db"], "dir"),
    (["export", "excel", "{root}/out.txt"], "path"),
    (["export", "excel", "{root}/no/such/dir/out.xlsx"], "path"),
    (["export", "csv", "beans", "{root}/data/cafe.db"], "path"),
    (["export", "csv", "nosuch", "{root}/out.csv"], "table"),
    (["import", "excel", "{root}/nope.xlsx"], "path"),
    (["import", "menu", "{root}/data"], "path"),
    (["import", "artisan", "{root}/nope.alog"], "paths"),
    (["import", "legacy", "{root}/nope.db"], "path"),
    (["demo", "--months", "0", "--db", "{root}/demo.db"], "months"),
    (["demo", "--months", "abc"], "--months"),
    (["serve", "--port", "70000"], "port"),
    (["roast", "list", "--limit", "0"], "limit"),
    (["roast", "list", "--since", "2026-02-30"], "since"),
    (["purchase", "list", "--limit", "-1"], "limit"),
    (["bean", "add", "--code", "X", "--name-en", "X", "--db", "{root}/missing.db"], "db"),
    (["metrics", "--textfile", "{root}/data"], "textfile"),
    (["health", "--backup-dir", "{root}/data/cafe.db"], "backup_dir"),
    (
        ["menu", "add", "--code", "X", "--name-en", "X", "--channel", "mug", "--product", "KEN-AA"]
        + ["--dose-g", "18", "--price-won", "5000"],
        "channel",
    ),
    (
        ["menu", "add", "--code", "X", "--name-en", "X", "--channel", "cup", "--product", "KEN-AA"]
        + ["--dose-g", "18", "--price-won", "-5"],
        "price_won",
    ),
    (["menu", "edit", "NOPE", "--price-won", "1"], "menu_item"),
    (["menu", "edit", "DRIP-KEN"], "item"),
    (["stocktake", "--bean", "KEN-AA", "--counted-g", "-5"], "counted_g"),
    (["purchase", "add", "--bean", "KEN-AA", "--grams", "1e9", "--total-won", "1"], "grams"),
]


def tree(root: Path) -> dict[str, str]:
    """Every file under root (path → SHA-256): a new, changed or removed file shows. (In-process
    commands leave their connection to the garbage collector: collect first, so a connection of
    an earlier good command closing — and checkpointing — is not counted against this one.)"""
    gc.collect()
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> Path:
    """A small installation: database, a backup, a report index with one good run, a log."""
    root = tmp_path_factory.mktemp("install")
    database = root / "data" / "cafe.db"
    env = {
        "THEMOON_DATA_DIR": str(root / "data"),
        "THEMOON_BACKUP_DIR": str(root / "data" / "backups"),
        "THEMOON_REPORTS_DIR": str(root / "reports"),
        "THEMOON_LOG_DIR": str(root / "logs"),
        "THEMOON_DB": str(database),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for argv in (
            ["init"],
            ["bean", "add", "--code", "KEN-AA", "--name-en", "Kenya AA"],
            ["purchase", "add", "--bean", "KEN-AA", "--grams", "10000", "--total-won", "62000"],
            ["menu", "add", "--code", "DRIP-KEN", "--name-en", "Kenya drip", "--channel", "cup"]
            + ["--product", "KEN-AA", "--dose-g", "18", "--price-won", "5000"],
        ):
            assert cli.main(argv) == 0
        backup.create_backup(database)
        index.record_run(
            {
                "id": "x",
                "name": "inventory",
                "period": "2026-11-30",
                "trigger": "schedule",
                "finished_at": "2026-12-01T06:15:09+09:00",
                "status": "ok",
                "files": {},
            },
            root / "reports",
        )
        (root / "logs").mkdir(exist_ok=True)
        (root / "logs" / "themoon.log").write_text("earlier\n")
        (root / "open.key").write_bytes(b"x" * 44)
        (root / "open.key").chmod(0o644)
    finally:
        logs.reset()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return root


@pytest.fixture
def env(install, monkeypatch) -> Path:
    for name, value in {
        "THEMOON_DATA_DIR": install / "data",
        "THEMOON_BACKUP_DIR": install / "data" / "backups",
        "THEMOON_REPORTS_DIR": install / "reports",
        "THEMOON_LOG_DIR": install / "logs",
        "THEMOON_DB": install / "data" / "cafe.db",
    }.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("THEMOON_BACKUP_KEY_FILE", raising=False)
    monkeypatch.delenv("THEMOON_BACKUP_ENCRYPT", raising=False)
    yield install
    logs.reset()


def rows(database: Path) -> int:
    out = subprocess.check_output(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            "print(sum(c.execute(f'SELECT count(*) FROM {t}').fetchone()[0]"
            " for t in ('beans', 'purchases', 'menu_items', 'stock_adjustments', 'audit_log')))",
            str(database),
        ],
        text=True,
    )
    return int(out)


@pytest.mark.parametrize("argv, field", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_a_bad_value_is_one_line_exit_2_and_writes_nothing(env, capsys, argv, field):
    argv = [a.format(root=env) for a in argv]
    before = tree(env)
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own refusals (choices, types)
        code = exit_.code
    _, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert field in lines[0], lines[0]
    assert tree(env) == before  # database, reports/, index.json, backups/, logs/: untouched


def test_positive_control_a_good_command_does_write(env, capsys):
    before_tree, before_rows = tree(env), rows(env / "data" / "cafe.db")
    assert cli.main(["stocktake", "--bean", "KEN-AA", "--counted-g", "9000"]) == 0
    assert rows(env / "data" / "cafe.db") == before_rows + 2  # the adjustment and its audit line
    assert tree(env) != before_tree


def test_the_typo_of_issue_15_in_a_real_process_and_health_stays_healthy(env):
    """`themoon report monthly_cost --period 2026-13` exits 2 before papermill, leaves reports/
    untouched, and `themoon health` still says healthy."""
    before = tree(env)
    typo = subprocess.run(
        [sys.executable, "-m", "themoon.cli", "report", "monthly_cost", "--period", "2026-13"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert typo.returncode == 2, typo.stderr
    assert typo.stderr.strip() == ("error: period: '2026-13' is not a month like 2026-10, 'previous' or 'current'")
    assert tree(env) == before
    health = subprocess.run(
        [sys.executable, "-m", "themoon.cli", "health", "--json"], capture_output=True, text=True, timeout=120
    )
    result = json.loads(health.stdout)
    assert health.returncode == 0 and result["healthy"] is True, health.stdout
    assert result["checks"]["report"]["status"] == "ok"


def test_the_runner_refuses_a_bad_period_without_recording_it(env):
    """The dashboard calls the runner directly: the same refusal, nothing recorded."""
    from themoon.models import ValidationError
    from themoon.reports import runner

    before = tree(env)
    for period, params in (("2026-13", None), ("2026-10", {"trend_months": "many"})):
        with pytest.raises(ValidationError):
            runner.run_report("monthly_cost", period, params, reports_root=env / "reports")
    assert tree(env) == before


def test_no_database_is_created_by_a_refused_command(env, capsys):
    missing = env / "elsewhere.db"
    assert cli.main(["roast", "list", "--db", str(missing)]) == 2
    assert "run `themoon init` first" in capsys.readouterr().err
    assert not missing.exists()
    db.connect(missing).close()  # positive control: the same path can be created
    assert missing.exists()
    missing.unlink()
