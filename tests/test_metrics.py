"""Prometheus metrics: valid exposition text with the numbers an operator watches, written
atomically for node-exporter's textfile collector."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from themoon import catalog, cost_settings, db, inventory, roasting
from themoon import cli as themoon_cli
from themoon.ops import backup, logs, metrics


@pytest.fixture(autouse=True)
def ops_env(tmp_path, monkeypatch):
    monkeypatch.setenv("THEMOON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("THEMOON_BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("THEMOON_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("THEMOON_DB", raising=False)
    yield
    logs.reset()


def parse(text: str) -> dict[str, dict[tuple, float]]:
    """{metric name: {labels as sorted tuple: value}} — raises on invalid exposition text."""
    found: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found[f"themoon_{name}"][tuple(sorted(labels.items()))]


@pytest.fixture
def cafe(tmp_path) -> Path:
    path = tmp_path / "live.db"
    conn = db.connect(path)
    cost_settings.save(conn, effective_from=date(2025, 1, 1))
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya AA", reorder_point_g=1000)
    catalog.add_bean(conn, code="GUA-ANT", name_en="Antigua", reorder_point_g=50_000)
    inventory.add_purchase(conn, bean="KEN-AA", grams=20_000, total_won=124_000, purchased_on=date(2025, 1, 2))
    inventory.add_purchase(conn, bean="GUA-ANT", grams=10_000, total_won=60_000, purchased_on=date(2025, 1, 2))
    roasting.add_batch(conn, product="KEN-AA", green_g=1000, roasted_g=830, roasted_on=date(2025, 3, 1))
    for grams in (2000, 3000):
        roasting.add_batch(conn, product="KEN-AA", green_g=grams, roasted_g=grams * 83 // 100, roasted_on=date.today())
    conn.close()
    return path


def test_metrics_hold_what_an_operator_watches(tmp_path, cafe):
    backup.create_backup(cafe)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.json").write_text(
        json.dumps(
            [{"name": "monthly", "status": "ok", "finished_at": "2026-11-01T06:00:30+09:00", "duration_seconds": 31.5}]
        )
    )
    text = metrics.render(cafe)
    found = parse(text)
    assert value(found, "up") == 1
    assert value(found, "batches_today") == 2
    assert value(found, "roasted_grams_today") == 1660 + 2490
    assert value(found, "batches_total") == 3
    conn = db.connect(cafe)
    stock = inventory.stock(conn)
    conn.close()
    assert value(found, "stock_value_won") == sum(r["value_won"] for r in stock) > 0
    assert value(found, "stock_grams") == 30_000 - 6000
    assert value(found, "low_stock_beans") == 1  # Antigua is under its 50 kg reorder point
    assert value(found, "db_size_bytes") >= cafe.stat().st_size > 0
    assert value(found, "db_schema_version") == db.schema_version()
    assert 0 <= value(found, "last_backup_age_seconds") < 120
    assert value(found, "backups") == 1
    assert value(found, "last_report_status", status="ok") == 1
    assert value(found, "last_report_success") == 1
    assert value(found, "last_report_duration_seconds") == 31.5
    assert value(found, "kernels_running") >= 0
    # every family is documented and typed
    for name in {n for n in found}:
        assert f"# HELP {name} " in text and f"# TYPE {name} gauge" in text
    assert text.endswith("\n")


def test_unknown_values_are_left_out_not_faked(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "psutil", None)
    missing = tmp_path / "nope.db"
    found = parse(metrics.render(missing))
    assert value(found, "up") == 0
    assert value(found, "last_report_status", status="none") == 1
    for absent in ("batches_today", "stock_value_won", "kernels_running", "last_backup_age_seconds", "db_size_bytes"):
        assert f"themoon_{absent}" not in found
    assert not missing.exists()


def test_a_failed_report_shows(tmp_path, cafe):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.json").write_text(
        json.dumps({"reports": [{"name": 'cost "q4"', "status": "error", "finished_at": "2026-11-01T06:00:00Z"}]})
    )
    found = parse(metrics.render(cafe))
    assert value(found, "last_report_success") == 0
    assert value(found, "last_report_status", status="failed") == 1


def test_textfile_is_written_atomically(tmp_path, cafe, capsys, monkeypatch):
    target = tmp_path / "textfile" / "themoon.prom"
    code = themoon_cli.main(["metrics", "--db", str(cafe), "--textfile", str(target)])
    out, err = capsys.readouterr()
    assert code == 0 and out == "" and err == ""
    assert value(parse(target.read_text()), "batches_today") == 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["themoon.prom"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    # a failure while writing leaves the old file whole and no temp file
    before = target.read_text()

    class Boom(Exception):
        pass

    def failing_fsync(fd):
        raise Boom

    with monkeypatch.context() as patch:
        patch.setattr(metrics.os, "fsync", failing_fsync)
        with pytest.raises(Boom):
            metrics.write_textfile(target, "themoon_up 0\n")
    assert target.read_text() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["themoon.prom"]


def test_metrics_command_prints_the_exposition(cafe, capsys):
    assert themoon_cli.main(["metrics", "--db", str(cafe)]) == 0
    out, _ = capsys.readouterr()
    assert value(parse(out), "up") == 1
    assert themoon_cli.main(["metrics", "--db", str(cafe), "--textfile", str(Path(cafe).parent / "m.txt")]) == 0
    assert "only reads *.prom" in capsys.readouterr().err


def test_label_values_are_escaped():
    out = metrics._Exposition()
    out.add("x", "help", [({"status": 'a"b\\c\nd'}, 1)])
    found = parse(out.text())
    assert found["themoon_x"][(("status", 'a"b\\c\nd'),)] == 1
