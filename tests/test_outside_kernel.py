"""Every dashboard write, made the way a kernel makes it, checked from other processes.

The writer is tests/kernel_worker.py: a process holding what a Voilà kernel holds (`prepare()`'s
analytics engine, the real App signed in as the owner) and writing only through the tabs' own
button methods, refreshing analytics after each save. Between its saves the test runs what runs
beside a kernel in production — `themoon metrics`, `themoon health`, `themoon backup`, other
processes opening and closing the store — and checks every write from a fresh process
(tests/outside.py), during the session and after the worker is gone (issues #11 and #17).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from outside import THEMOON, Worker, count, ids, integrity, open_and_close, query, row, scalar, themoon, themoon_json

pytestmark = [pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures"
DAY = "2026-11-14"  # the demo café's "today" is 2026-11-15 (THEMOON_TODAY)


@pytest.fixture()
def env(tmp_path, monkeypatch) -> dict[str, str]:
    """Where the worker and the CLI put logs, backups and reports (this test's own folders)."""
    values = {
        "THEMOON_DATA_DIR": str(tmp_path),
        "THEMOON_LOG_DIR": str(tmp_path / "logs"),
        "THEMOON_BACKUP_DIR": str(tmp_path / "backups"),
        "THEMOON_REPORTS_DIR": str(tmp_path / "reports"),
        "THEMOON_TODAY": "2026-11-15",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def beside_a_kernel(db, env, step: int) -> None:
    """What runs next to a kernel in production, one of them per step, then one more open/close."""
    command = (("metrics",), ("health", "--json"), ("backup", "--json"))[step % 3]
    themoon(*command, db=db, env=env, check=command[0] != "health")  # health may say "degraded"
    open_and_close(db)


def test_every_write_path_of_every_tab_is_seen_from_another_process(demo_path, env):
    """Issue #11: batch, session, edit, delete, purchase, stocktake, bean, blend, settings, menu,
    user and import confirm, from a kernel-like process holding the analytics engine."""
    db = demo_path
    checks: list[tuple[str, object]] = []  # (what, a function of the db path that must hold)

    def seen(what: str, check) -> None:
        assert check(db), f"{what}: not seen from another process"
        checks.append((what, check))

    batches_before = count(db, "roast_batches")
    worker = Worker(db, env=env)
    try:
        step = iter(range(100))
        beside_a_kernel(db, env, next(step))
        saved = worker.call("batch", product="bean:ETH-YIRGACHEFFE", green="1500", roasted="1250", day=DAY)
        assert saved["status"].startswith("Saved batch #"), saved
        batch = saved["id"]
        assert row(db, "roast_batches", id=batch)["roasted_g"] == 1250
        seen("batch", lambda p: row(p, "roast_batches", id=batch) is not None)  # edited below

        beside_a_kernel(db, env, next(step))
        session = worker.call(
            "session", day=DAY, rows=[["blend:NEW-MOON", "4000", "3340"], ["blend:FULL-MOON", "3000", "2500"]]
        )
        assert session["status"] == "Saved the session: 2 batches.", session
        seen("session", lambda p: set(session["ids"]) <= ids(p, "roast_batches"))

        beside_a_kernel(db, env, next(step))
        edited = worker.call("edit", id=batch, roasted="1240")
        assert edited["status"].startswith(f"Saved batch #{batch}"), edited
        seen("edit", lambda p: row(p, "roast_batches", id=batch)["roasted_g"] == 1240)

        beside_a_kernel(db, env, next(step))
        doomed = worker.call("batch", product="bean:ETH-URAGA", green="1000", roasted="850", day=DAY)["id"]
        assert row(db, "roast_batches", id=doomed) is not None  # there before it is deleted
        deleted = worker.call("delete", id=doomed)
        assert deleted["status"] == f"Batch #{doomed} deleted.", deleted
        seen("delete", lambda p: row(p, "roast_batches", id=doomed) is None)

        beside_a_kernel(db, env, next(step))
        purchase = worker.call("purchase", bean="ETH-URAGA", grams="10,000", total="62000", day=DAY)
        assert purchase["id"], purchase
        seen("purchase", lambda p: (row(p, "purchases", id=purchase["id"]) or {}).get("grams") == 10_000)

        beside_a_kernel(db, env, next(step))
        book = scalar(
            db,
            "SELECT (SELECT SUM(grams) FROM purchases WHERE bean_id = b.id)"
            " - COALESCE((SELECT SUM(green_g) FROM roast_components WHERE bean_id = b.id), 0)"
            " + COALESCE((SELECT SUM(delta_g) FROM stock_adjustments WHERE bean_id = b.id), 0)"
            " FROM beans b WHERE code = 'ETH-URAGA'",
        )
        counted = worker.call("stocktake", bean="ETH-URAGA", counted=str(book - 120), day=DAY)
        assert "difference was booked" in counted["status"], counted
        seen("stocktake", lambda p: (row(p, "stock_adjustments", id=counted["id"]) or {}).get("delta_g") == -120)

        beside_a_kernel(db, env, next(step))
        assert worker.call("bean", code="PAN-GEISHA", name_en="Geisha")["status"] == "Bean PAN-GEISHA saved."
        seen("bean", lambda p: row(p, "beans", code="PAN-GEISHA") is not None)

        beside_a_kernel(db, env, next(step))
        blend = worker.call(
            "blend", code="HALF-MOON", name_en="Half Moon", components=[["KEN-MASAI-AA", "3"], ["BRA-SANTOS", "1"]]
        )
        assert blend["status"] == "Blend HALF-MOON saved.", blend
        seen(
            "blend",
            lambda p: count(p, "blend_components", "blend_id = (SELECT id FROM blends WHERE code = 'HALF-MOON')") == 2,
        )

        beside_a_kernel(db, env, next(step))
        settings = worker.call("settings", effective_from="2026-11-12", labour_won_per_hour="18,000")
        assert "apply from 2026-11-12" in settings["status"], settings
        seen(
            "settings",
            lambda p: (row(p, "cost_settings", effective_from="2026-11-12") or {}).get("labour_won_per_hour") == 18_000,
        )

        beside_a_kernel(db, env, next(step))
        menu = worker.call("menu", code="CUP-GEISHA", name_en="Geisha drip", product="bean:PAN-GEISHA", price="8000")
        assert menu["status"] == "Menu item CUP-GEISHA saved.", menu
        seen("menu", lambda p: (row(p, "menu_items", code="CUP-GEISHA") or {}).get("price_won") == 8000)

        beside_a_kernel(db, env, next(step))
        user = worker.call("user", username="minji", password="secret1", role="staff")
        assert user["status"] == "User minji added.", user
        seen("user", lambda p: (row(p, "users", username="minji") or {}).get("role") == "staff")

        beside_a_kernel(db, env, next(step))
        menu_items = count(db, "menu_items")
        imported = worker.call("import", kind="menu", path=str(FIXTURES / "moon_menu.xlsx"))
        assert imported["status"].startswith("Imported: 72 new"), imported
        seen("import confirm", lambda p: count(p, "menu_items") == menu_items + 72 and count(p, "imports") >= 1)

        beside_a_kernel(db, env, next(step))
        assert worker.call("deleted_files") == []  # no file of the store was deleted under the kernel
        for what, check in checks:  # everything, again, while the kernel is still open
            assert check(db), f"{what}: no longer seen from another process"
        assert count(db, "roast_batches") == batches_before + 3
    finally:
        assert worker.close() == 0
    for what, check in checks:  # and after the kernel is gone
        assert check(db), f"{what}: gone after the kernel exited"
    assert integrity(db) == "ok"


def test_a_kernel_writing_during_a_backup_keeps_every_save(demo_path, env):
    """Issue #17 (3): every id the kernel reported saved is in the live file; those saved before
    the backup started are in the backup too."""
    db = demo_path
    with Worker(db, env=env) as worker:
        before = [
            worker.call("batch", product="bean:ETH-YIRGACHEFFE", green="1000", roasted="830", day=DAY)["id"]
            for _ in range(3)
        ]
        backup = subprocess.Popen(
            [str(THEMOON), "backup", "--json", "--db", str(db)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        during = []
        while backup.poll() is None or not during:
            during.append(worker.call("batch", product="bean:GTM-ANTIGUA", green="1000", roasted="840", day=DAY)["id"])
        out, _ = backup.communicate(timeout=120)
        assert backup.returncode == 0, out
        after = [
            worker.call("batch", product="bean:ETH-URAGA", green="1000", roasted="850", day=DAY)["id"] for _ in range(2)
        ]
        assert worker.call("deleted_files") == []
        reported = before + during + after
        assert None not in reported and len(set(reported)) == len(reported)
        assert set(reported) <= ids(db, "roast_batches")  # live, while the kernel is open
    path = json.loads(out)["path"]
    assert set(before) <= ids(path, "roast_batches")
    assert integrity(path) == "ok"
    assert set(reported) <= ids(db, "roast_batches")  # and after it is gone
    assert integrity(db) == "ok"


def overview_from_outside(db, since: str, until: str) -> dict[str, str]:
    """The Overview's batch count and roasted kg for a period, computed by SQL over the file in
    another process (not by the tab's code), formatted as the cards show them."""
    rows = query(
        db,
        "SELECT COUNT(*) AS n, COALESCE(SUM(roasted_g), 0) AS g FROM roast_batches WHERE roasted_on BETWEEN ? AND ?",
        [since, until],
    )[0]
    return {"batches": f"{rows['n']:,}", "roasted": f"{rows['g'] / 1000:,.1f} kg"}


def test_restore_while_an_app_is_open(demo_path, env):
    """Issue #17 (4): after `themoon restore --force`, the open app's next save lands in the restored
    file and its Overview shows the restored numbers."""
    db = demo_path
    with Worker(db, env=env) as worker:
        backup = themoon_json("backup", db=db, env=env)["path"]
        lost = worker.call("batch", product="bean:ETH-YIRGACHEFFE", green="1234", roasted="1024", day=DAY)
        assert lost["status"].startswith("Saved batch #") and count(db, "roast_batches", "roasted_g = 1024") == 1
        restored = themoon_json("restore", backup, "--force", db=db, env=env)
        assert restored["restored_from"] == backup
        assert count(db, "roast_batches", "roasted_g = 1024") == 0  # the restored file is the backup
        kept = worker.call("batch", product="bean:GTM-ANTIGUA", green="2345", roasted="1955", day=DAY)
        assert kept["status"].startswith("Saved batch #"), kept
        assert (row(db, "roast_batches", id=kept["id"]) or {}).get("roasted_g") == 1955  # in the restored file
        assert worker.call("deleted_files") == []
        overview = worker.call("overview")
        expected = overview_from_outside(db, overview["since"], overview["until"])
        assert {k: overview["kpis"][k] for k in expected} == expected
    assert (row(db, "roast_batches", id=kept["id"]) or {}).get("roasted_g") == 1955
    assert integrity(db) == "ok"


def test_analytics_sees_what_other_processes_write(demo_path, env):
    """Issue #17 (5): `themoon roast add` in a subprocess; the kernel's analytics, refreshed as a tab
    refreshes it, has the batch, and so do the Roasting table and the Overview."""
    db = demo_path
    with Worker(db, env=env) as worker:
        first = worker.call("overview")
        added = themoon_json(
            "roast",
            "add",
            "--product",
            "ETH-YIRGACHEFFE",
            "--green-g",
            "1000",
            "--roasted-g",
            "830",
            "--date",
            DAY,
            db=db,
            env=env,
        )
        assert worker.call("analytics_has_batch", id=added["id"])["found"]
        assert worker.call("roasting_lists", id=added["id"])["listed"]
        overview = worker.call("overview")
        assert overview["kpis"]["batches"] != first["kpis"]["batches"]
        expected = overview_from_outside(db, overview["since"], overview["until"])
        assert {k: overview["kpis"][k] for k in expected} == expected


def test_an_import_and_a_report_from_the_dashboard_are_read_by_the_cli(demo_path, env):
    """Issue #17 (6): the Import tab's confirm and the Reports tab's run, then the CLI reads them."""
    db = demo_path
    with Worker(db, env=env) as worker:
        imported = worker.call("import", kind="menu", path=str(FIXTURES / "moon_menu.xlsx"))
        assert imported["status"].startswith("Imported: 72 new"), imported
        report = worker.call("report", report="inventory", period="2026-11-14")
        assert "2026-11-14" in report["status"] and "failed" not in report["status"], report
    codes = {c["item"] for c in themoon_json("cost", db=db, env=env)["menu_items"]}
    assert len(codes) >= 72
    runs = themoon_json("report", "list", db=db, env=env)
    run = next(r for r in runs if r["name"] == "inventory" and r["period"] == "2026-11-14")
    assert run["status"] == "ok" and run["trigger"] == "dashboard", run
    assert (Path(env["THEMOON_REPORTS_DIR"]) / run["files"]["html"]).stat().st_size > 0


def test_two_pages_edit_the_same_batch_one_deletes_it(demo_path, env):
    """Issue #17 (7): page B deletes the batch page A is editing; A's save says so clearly, writes
    nothing, and the store stays consistent; A's next save works (the positive control)."""
    db = demo_path
    batch = query(db, "SELECT id, roasted_g FROM roast_batches ORDER BY roasted_on DESC, id DESC LIMIT 1")[0]
    batches = count(db, "roast_batches")
    with Worker(db, env=env) as a, Worker(db, env=env) as b:
        assert a.call("start_edit", id=batch["id"], roasted=str(batch["roasted_g"] - 10))["editing"] == batch["id"]
        assert b.call("delete", id=batch["id"])["status"] == f"Batch #{batch['id']} deleted."
        answer = a.call("save_edit")
        assert "Saved" not in answer["status"] and "nothing was saved" in answer["status"], answer
        assert f"Batch #{batch['id']} was deleted meanwhile" in answer["status"], answer
        assert answer["editing"] is None  # the editor let go of the batch that is gone
        assert row(db, "roast_batches", id=batch["id"]) is None
        assert count(db, "roast_batches") == batches - 1
        for table in ("roast_components", "loss_alerts"):
            assert count(db, table, "batch_id = ?", [batch["id"]]) == 0
        assert (
            count(db, "roast_batches b", "NOT EXISTS (SELECT 1 FROM roast_components c WHERE c.batch_id = b.id)") == 0
        )
        saved = a.call("batch", product="bean:ETH-YIRGACHEFFE", green="1000", roasted="830", day=DAY)
        assert count(db, "roast_batches") == batches and row(db, "roast_batches", id=saved["id"]) is not None
    assert integrity(db) == "ok"
