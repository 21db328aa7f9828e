"""Artisan roast logs (.alog) → roast batches: safe parsing, mapping names, dedupe, units."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from conftest import db_checksum

from themoon import catalog, cost_settings, db, inventory, reference
from themoon.io import artisan
from themoon.io.outcome import ImportRejected
from themoon.models import ValidationError

LOGS = Path(__file__).parent / "fixtures" / "artisan"
BAD = LOGS / "bad"
MAPS = [
    "Full Moon blend (풀문)=FULL-MOON",
    "Ethiopia Yirgacheffe G2 Washed=ETH-YIRGACHEFFE",
]


def stocked_store(path: Path, kg: int = 20) -> sqlite3.Connection:
    """The café's beans and blends, `kg` of every bean bought on 2026-10-01."""
    conn = db.connect(path)
    cost_settings.save(conn, effective_from=date(2026, 1, 1), **reference.COST_SETTINGS)
    for bean in reference.BEANS:
        catalog.add_bean(conn, code=bean.code, name_en=bean.name_en, name_ko=bean.name_ko)
        price = bean.green_won_per_kg or 7000
        inventory.add_purchase(
            conn, bean=bean.code, grams=kg * 1000, total_won=kg * price, purchased_on=date(2026, 10, 1)
        )
    for blend in reference.BLENDS:
        catalog.add_blend(
            conn, code=blend.code, name_en=blend.name_en, name_ko=blend.name_ko, components=blend.components
        )
    return conn


@pytest.fixture
def store(tmp_path) -> sqlite3.Connection:
    conn = stocked_store(tmp_path / "artisan.db")
    yield conn
    conn.close()


def batch(conn, external_id: str) -> dict:
    row = conn.execute("SELECT * FROM roast_batches WHERE external_id = ?", (external_id,)).fetchone()
    assert row is not None, external_id
    result = dict(row)
    result["green_g"] = conn.execute(
        "SELECT SUM(green_g) FROM roast_components WHERE batch_id = ?", (row["id"],)
    ).fetchone()[0]
    return result


def test_profiles_are_read_from_python_literals_and_json():
    literal = artisan.load_alog(LOGS / "fullmoon-2026-10-30-TM41.alog")
    as_json = artisan.load_alog(LOGS / "yirgacheffe-2026-10-30-TM42.alog")
    assert (LOGS / "fullmoon-2026-10-30-TM41.alog").read_text(encoding="utf-8").startswith("{'recording_version'")
    assert json.loads((LOGS / "yirgacheffe-2026-10-30-TM42.alog").read_text(encoding="utf-8"))["mode"] == "C"
    assert literal["weight"] == [5000.0, 4155.0, "g"] and as_json["weight"] == [2.4, 2.004, "Kg"]

    roast = artisan.parse_profile("x.alog", literal, "0" * 64)
    assert (roast.roasted_on, roast.green_g, roast.roasted_g) == (date(2026, 10, 30), 5000, 4155)
    assert roast.minutes == pytest.approx(11.98) and roast.operator == "김문수"
    assert roast.external_id == "artisan:5e1c6a0f2b7d4c1e9a8f3b6d2c4e7a90"
    assert "batch TM41" in roast.notes and "roasted at 10:12:40" in roast.notes
    assert "15,230 BTU per batch" in roast.notes and "0.89 kWh per green kg" in roast.notes

    kg = artisan.parse_profile("y.alog", as_json, "0" * 64)
    assert (kg.green_g, kg.roasted_g) == (2400, 2004)
    assert kg.external_id == "artisan:2026-10-30:TM42"  # no roastUUID: date + batch number

    pounds = artisan.parse_profile("k.alog", artisan.load_alog(LOGS / "kenya-masai-2026-10-30.alog"), "0" * 64)
    assert (pounds.green_g, pounds.roasted_g) == (2268, 1882)  # 5 lb, 4.15 lb, half-up to the gram
    assert pounds.roasted_on == date(2026, 10, 30)  # from roastepoch (roastisodate is empty)
    assert pounds.minutes is not None and 10 < pounds.minutes < 13  # DROP from timeindex, no totaltime


def test_import_maps_names_once_and_dedupes(store):
    before = db_checksum(store)
    dry = artisan.import_artisan(store, [LOGS], dry_run=True)
    assert dry.counts["roast_batches"]["rejected"] == 2  # two bean names need a mapping; Kenya matches by name
    needs = "\n".join(dry.unmatched)
    assert 'themoon import artisan --map "Full Moon blend (풀문)=PRODUCT"' in needs and "perhaps FULL-MOON" in needs
    assert db_checksum(store) == before
    with pytest.raises(ImportRejected, match="not mapped"):
        artisan.import_artisan(store, [LOGS])
    assert db_checksum(store) == before

    report = artisan.import_artisan(store, [LOGS], mappings=MAPS)
    assert report.counts["roast_batches"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    full = batch(store, "artisan:5e1c6a0f2b7d4c1e9a8f3b6d2c4e7a90")
    assert full["blend_id"] == catalog.get_blend(store, "FULL-MOON")["id"] and full["source"] == "artisan"
    assert (full["green_g"], full["roasted_g"], full["roasted_on"]) == (5000, 4155, "2026-10-30")
    parts = dict(
        store.execute(
            "SELECT b.code, c.green_g FROM roast_components c JOIN beans b ON b.id = c.bean_id WHERE batch_id = ?",
            (full["id"],),
        ).fetchall()
    )
    assert parts == {"KEN-MASAI-AA": 2000, "GTM-ANTIGUA": 2000, "ETH-MOMORA": 500, "ETH-SIDAMO-G4": 500}
    assert batch(store, "artisan:2026-10-30:TM42")["bean_id"] == catalog.get_bean(store, "ETH-YIRGACHEFFE")["id"]
    assert store.execute("SELECT COUNT(*) FROM import_name_map WHERE source = 'artisan'").fetchone()[0] == 2

    # asked once: the mappings are stored; the same logs again change nothing
    before = db_checksum(store)
    again = artisan.import_artisan(store, [LOGS])
    assert again.counts["roast_batches"]["unchanged"] == 3
    assert db_checksum(store) == before


def test_map_alone_stores_the_mapping(store):
    report = artisan.import_artisan(store, [], mappings=["Kenya Masai AA (lot 7)=KEN-MASAI-AA"])
    assert report.notes == ["mapping saved: 'Kenya Masai AA (lot 7)' → bean:KEN-MASAI-AA"]
    row = store.execute("SELECT bean_id FROM import_name_map WHERE source = 'artisan'").fetchone()
    assert row[0] == catalog.get_bean(store, "KEN-MASAI-AA")["id"]
    with pytest.raises(ValidationError, match="unknown product"):
        artisan.import_artisan(store, [], mappings=["x=NOPE"])


def test_a_re_saved_log_updates_its_batch(store, tmp_path):
    artisan.import_artisan(store, [LOGS], mappings=MAPS)
    data = artisan.load_alog(LOGS / "fullmoon-2026-10-30-TM41.alog")
    data["weight"] = [5000.0, 4120.0, "g"]  # weighed again after cooling
    edited = tmp_path / "fullmoon-2026-10-30-TM41.alog"
    edited.write_text(str(data), encoding="utf-8")
    report = artisan.import_artisan(store, [edited])
    assert report.counts["roast_batches"] == {"created": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    assert batch(store, "artisan:5e1c6a0f2b7d4c1e9a8f3b6d2c4e7a90")["roasted_g"] == 4120


def _refused(conn, path: Path, *fragments: str) -> str:
    before = db_checksum(conn)
    with pytest.raises(ValidationError) as error:
        artisan.import_artisan(conn, [path], mappings=MAPS)
    assert db_checksum(conn) == before
    text = str(error.value)
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_code_in_a_log_is_never_run(store, tmp_path):
    marker = tmp_path / "pwned"
    payloads = {
        "import.alog": f"{{'beans': __import__('pathlib').Path({str(marker)!r}).touch(), 'weight': [1.0, 0.8, 'g']}}",
        "lambda.alog": f"{{'beans': (lambda: open({str(marker)!r}, 'w'))(), 'weight': [1.0, 0.8, 'g']}}",
        "name.alog": "{'beans': os, 'weight': [1.0, 0.8, 'g']}",
        "dunder.alog": "{'beans': ().__class__.__base__.__subclasses__(), 'weight': [1.0, 0.8, 'g']}",
    }
    for name, text in payloads.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        message = _refused(store, path, name, "only a plain dict of literals is read, never code")
        assert "function call" in message or "lambda" in message or "the name 'os'" in message
    assert not marker.exists()
    _refused(store, BAD / "import-call.alog", "function call (__import__('os').system(…))")
    _refused(store, BAD / "lambda.alog", "a lambda on line 1")
    # '__import__' inside a string is only text: it names no bean, so the log is refused for that
    _refused(store, BAD / "import-in-string.alog", "beans", "not mapped")


def test_malformed_logs_are_clean_errors(store, tmp_path):
    _refused(store, BAD / "not-a-dict.alog", "holds a list")
    _refused(store, BAD / "truncated.alog", "never closed")
    _refused(store, BAD / "no-weight-out.alog", "weight out", "is missing")
    deep = tmp_path / "deep.alog"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _refused(store, deep, "deep.alog")
    binary = tmp_path / "binary.alog"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    _refused(store, binary, "not UTF-8")
    future = tmp_path / "future.alog"
    future.write_text(str({"beans": "Kenya Masai AA", "roastisodate": "2999-01-01", "weight": [100, 80, "g"]}))
    _refused(store, future, "roastisodate", "future")
    stone = tmp_path / "stone.alog"
    stone.write_text(str({"beans": "Kenya Masai AA", "roastisodate": "2026-10-30", "weight": [1, 0.8, "st"]}))
    _refused(store, stone, "unknown unit 'st'")
    no_stock = tmp_path / "huge.alog"
    no_stock.write_text(str({"beans": "Kenya Masai AA", "roastisodate": "2026-10-30", "weight": [90, 75, "kg"]}))
    _refused(store, no_stock, "only 20,000 g of Kenya Masai AA")


def test_oversized_log_is_refused_before_reading(store, tmp_path):
    big = tmp_path / "big.alog"
    with open(big, "wb") as handle:
        handle.truncate(artisan.MAX_ALOG_BYTES + 1)  # sparse: nothing is written or read
    _refused(store, big, "big.alog", "at most 5 MB", "refused before reading")


def test_bulk_path_equals_per_row_path(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    base = artisan.load_alog(LOGS / "fullmoon-2026-10-30-TM41.alog")
    for i in range(60):
        data = dict(base)
        data.update(
            roastUUID=f"{i:032x}",
            roastbatchnr=100 + i,
            roastisodate=f"2026-10-{2 + i // 3:02d}",
            beans=["Full Moon blend (풀문)", "Kenya Masai AA", "Ethiopia Yirgacheffe G2 Washed"][i % 3],
            weight=[float(1500 + 37 * i), float(int((1500 + 37 * i) * (0.8 + (i % 7) / 100))), "g"],
        )
        (logs / f"{i:03d}.alog").write_text(json.dumps(data) if i % 2 else str(data), encoding="utf-8")
    dumps = []
    for bulk in (True, False):
        conn = stocked_store(tmp_path / f"{bulk}.db", kg=200)
        report = artisan.import_artisan(conn, [logs], mappings=MAPS, bulk=bulk)
        assert report.counts["roast_batches"]["created"] == 60
        tables = {}
        for table in ("roast_batches", "roast_components", "loss_alerts", "audit_log"):
            rows = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for row in rows:
                row.pop("created_at", None), row.pop("at", None)
            tables[table] = rows
        dumps.append(tables)
    for table in dumps[0]:
        assert dumps[0][table] == dumps[1][table], table


def test_cli(store, tmp_path, capsys):
    from test_excel import run

    path = tmp_path / "cli.db"
    stocked_store(path).close()
    assert run("import", "artisan", str(LOGS), "--db", str(path), "--dry-run") == 2  # names need a mapping
    out = capsys.readouterr()
    assert "needs a mapping" in out.out and "a real run would be refused" in out.err
    assert run("import", "artisan", str(LOGS), "--db", str(path)) == 2
    assert "error:" in capsys.readouterr().err
    assert run("import", "artisan", "--db", str(path), "--map", MAPS[0], "--map", MAPS[1]) == 0
    assert run("import", "artisan", str(LOGS), "--db", str(path), "--json") == 0
    assert '"created": 3' in capsys.readouterr().out
