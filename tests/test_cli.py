"""The CLI mirrors the API: JSON field names others rely on, exit 2 and nothing written on bad input."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from themoon import db
from themoon.cli import main


def run(db_path: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = main([*args, "--db", str(db_path)])
    out, err = capsys.readouterr()
    return code, out, err


def checksum(path: Path) -> str:
    conn = db.connect(path)
    digest = hashlib.sha256()
    for line in conn.iterdump():
        digest.update(line.encode())
    conn.close()
    return digest.hexdigest()


@pytest.fixture
def cafe(tmp_path, capsys):
    path = tmp_path / "cli.db"
    steps = [
        ("init",),
        ("bean", "add", "--code", "KEN-AA", "--name-en", "Kenya AA", "--name-ko", "마사이"),
        ("bean", "add", "--code", "GT-ANT", "--name-en", "Antigua"),
        (
            "blend",
            "add",
            "--code",
            "FULL-MOON",
            "--name-en",
            "Full Moon",
            "--component",
            "KEN-AA=1",
            "--component",
            "GT-ANT=1",
        ),
        ("purchase", "add", "--bean", "KEN-AA", "--grams", "10000", "--total-won", "62000", "--date", "2026-01-05"),
        ("purchase", "add", "--bean", "GT-ANT", "--grams", "10000", "--total-won", "60000", "--date", "2026-01-05"),
    ]
    for step in steps:
        code, _, err = run(path, *step, capsys=capsys)
        assert code == 0, err
    return path


def test_roast_add_json_has_the_fields_others_use(cafe, capsys):
    code, out, _ = run(
        cafe,
        "roast",
        "add",
        "--product",
        "FULL-MOON",
        "--green-g",
        "2000",
        "--roasted-g",
        "1500",
        "--date",
        "2026-01-06",
        "--json",
        capsys=capsys,
    )
    assert code == 0
    batch = json.loads(out)
    assert batch["loss_pct"] == 25.0
    assert batch["variance_pct"] == 8.3  # 25 − 16.7
    assert batch["green_cost_won"] == 6200 + 6000  # 1,000 g of each at ₩6.2/g and ₩6.0/g
    # roasting 1.5 kg × ₩2,000 + the whole session (₩30,000 labour + ₩5,000 + ₩3,000)
    assert batch["batch_cost_won"] == 12200 + 3000 + 38000
    assert batch["cost_per_roasted_kg_won"] == round(53200 / 1.5)
    assert batch["alert"] == {"level": "CRITICAL", "direction": "HIGH", "run_length": 1, "resolved": False}


def test_stock_and_cost_json_field_names(cafe, capsys):
    code, out, _ = run(cafe, "stock", "--json", capsys=capsys)
    assert code == 0
    rows = {r["bean"]: r for r in json.loads(out)}
    assert rows["KEN-AA"]["stock_g"] == 10000 and rows["KEN-AA"]["avg_cost_per_kg_won"] == 6200
    code, out, _ = run(cafe, "cost", "--product", "FULL-MOON", "--json", capsys=capsys)
    assert code == 0
    (product,) = json.loads(out)["products"]
    assert {"product", "cost_per_kg_won", "suggested_price_per_kg_won"} <= product.keys()


@pytest.mark.parametrize(
    "args",
    [
        ("roast", "add", "--product", "FULL-MOON", "--green-g", "2000", "--roasted-g", "2000"),
        ("roast", "add", "--product", "", "--green-g", "2000", "--roasted-g", "100"),
        ("roast", "add", "--product", "NOPE", "--green-g", "2000", "--roasted-g", "100"),
        ("roast", "add", "--product", "KEN-AA", "--green-g", "20000", "--roasted-g", "100"),
        ("roast", "add", "--product", "KEN-AA", "--green-g", "1000", "--roasted-g", "800", "--date", "2999-01-01"),
        ("purchase", "add", "--bean", "KEN-AA", "--grams", "abc", "--total-won", "1"),
        ("purchase", "add", "--bean", "KEN-AA", "--grams", "-5", "--total-won", "1"),
        ("purchase", "add", "--bean", "KEN-AA", "--grams", "5", "--total-won", "-1"),
        ("purchase", "add", "--bean", "'; DROP TABLE beans; --", "--grams", "5", "--total-won", "1"),
        ("blend", "add", "--code", "X", "--name-en", "X", "--component", "KEN-AA=0"),
        ("bean", "add", "--code", "NEW", "--name-en", "x" * 5000),
    ],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(cafe, capsys, args):
    before = checksum(cafe)
    code, _, err = run(cafe, *args, capsys=capsys)
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert checksum(cafe) == before


def test_every_command_has_help():
    for argv in (["--help"], ["roast", "add", "--help"], ["import", "legacy", "--help"], ["demo", "--help"]):
        result = subprocess.run([sys.executable, "-m", "themoon.cli", *argv], capture_output=True, text=True)
        assert result.returncode == 0 and "usage:" in result.stdout


def test_console_script_reads_themoon_db_from_the_environment(tmp_path):
    env_db = tmp_path / "env.db"
    exe = Path(sys.executable).with_name("themoon")
    result = subprocess.run(
        [str(exe), "init"], capture_output=True, text=True, env={"THEMOON_DB": str(env_db), "PATH": "/usr/bin:/bin"}
    )
    assert result.returncode == 0, result.stderr
    assert env_db.exists()


def test_menu_add_list_edit_deactivate_mirror_the_api(cafe, capsys):
    code, out, err = run(
        cafe,
        "menu",
        "add",
        "--code",
        "DRIP-FULL",
        "--name-en",
        "Full Moon drip",
        "--name-ko",
        "풀문 드립",
        "--channel",
        "cup",
        "--product",
        "FULL-MOON",
        "--dose-g",
        "18",
        "--price-won",
        "5000",
        "--extra-cost-won",
        "350",
        "--json",
        capsys=capsys,
    )
    assert code == 0, err
    item = json.loads(out)
    assert (item["code"], item["product"], item["product_kind"], item["dose_g"], item["price_won"]) == (
        "DRIP-FULL",
        "FULL-MOON",
        "blend",
        18,
        5000,
    )
    code, out, _ = run(
        cafe, "menu", "edit", "DRIP-FULL", "--price-won", "5500", "--dose-g", "20", "--json", capsys=capsys
    )
    assert code == 0 and (json.loads(out)["price_won"], json.loads(out)["dose_g"]) == (5500, 20)
    seen = subprocess.check_output(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
            "\"SELECT price_won FROM menu_items WHERE code = 'DRIP-FULL'\").fetchone()[0])",
            str(cafe),
        ],
        text=True,
    )
    assert int(seen) == 5500  # another process sees the edit
    code, out, _ = run(cafe, "menu", "list", "--json", capsys=capsys)
    assert [r["code"] for r in json.loads(out)] == ["DRIP-FULL"]
    code, out, _ = run(cafe, "menu", "list", capsys=capsys)
    assert "DRIP-FULL" in out and "5,500" in out and "FULL-MOON" in out
    assert run(cafe, "menu", "deactivate", "DRIP-FULL", capsys=capsys)[0] == 0
    assert json.loads(run(cafe, "menu", "list", "--json", capsys=capsys)[1]) == []
    listed = json.loads(run(cafe, "menu", "list", "--all", "--channel", "cup", "--json", capsys=capsys)[1])
    assert [(r["code"], r["active"]) for r in listed] == [("DRIP-FULL", 0)]
    conn = db.connect(cafe)
    actions = [
        r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity = 'menu_item' ORDER BY id").fetchall()
    ]
    conn.close()
    assert actions == ["create", "update", "update"]


@pytest.mark.parametrize(
    "args",
    [
        (
            "menu",
            "add",
            "--code",
            "X",
            "--name-en",
            "X",
            "--channel",
            "cup",
            "--product",
            "NOPE",
            "--dose-g",
            "18",
            "--price-won",
            "1",
        ),
        (
            "menu",
            "add",
            "--code",
            "X",
            "--name-en",
            "X",
            "--channel",
            "cup",
            "--product",
            "KEN-AA",
            "--dose-g",
            "0",
            "--price-won",
            "1",
        ),
        (
            "menu",
            "add",
            "--code",
            "=cmd|' /C calc'!A0",
            "--name-en",
            "X",
            "--channel",
            "cup",
            "--product",
            "KEN-AA",
            "--dose-g",
            "18",
            "--price-won",
            "1",
        ),
        ("menu", "edit", "NOPE", "--price-won", "1"),
        ("menu", "deactivate", "NOPE"),
    ],
)
def test_bad_menu_input_exits_2_and_writes_nothing(cafe, capsys, args):
    before = checksum(cafe)
    code, _, err = run(cafe, *args, capsys=capsys)
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert checksum(cafe) == before
