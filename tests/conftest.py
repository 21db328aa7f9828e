"""Shared fixtures: a fresh migrated store, and a small café with the real beans and prices."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from themoon import catalog, cost_settings, db, inventory, reference

# An unknown message id raises in tests (and in the CLI and servers they start), never shows as its id.
os.environ.setdefault("THEMOON_STRICT_MESSAGES", "1")
# Kernels built in-process load their own engine unless a test gives them the shared one.
os.environ.pop("THEMOON_ENGINE", None)

# Fixed past dates (the store refuses future dates; these never become "future").
SETTINGS_FROM = date(2025, 1, 1)
BOUGHT_ON = date(2025, 10, 1)
ROAST_DAY = date(2025, 10, 10)

# The café's green prices, ₩/kg (SPEC §2; Sidamo G4's price is ours: the files do not give one).
PRICES = {"KEN-AA": 6200, "GUA-ANT": 6000, "ETH-MOM": 4500, "ETH-SID": 4300}
CAFE_SETTINGS = {
    "expected_loss_pct": "16.7",
    "roasting_won_per_kg": 2000,
    "labour_won_per_hour": 15_000,
    "labour_minutes_per_session": 120,
    "energy_won_per_session": 5000,
    "misc_won_per_session": 3000,
    "planned_session_roasted_g": 10_000,
    "price_multiplier_pct": 250,
}


def open_store(path: Path) -> sqlite3.Connection:
    return db.connect(path)


def reference_store(path: Path) -> sqlite3.Connection:
    """The café's beans and blends (names as in themoon.reference), no history, no menu."""
    conn = db.connect(path)
    for bean in reference.BEANS:
        catalog.add_bean(
            conn, code=bean.code, name_en=bean.name_en, name_ko=bean.name_ko, country=bean.country,
            roast_level=bean.roast_level,
        )  # fmt: skip
    for blend in reference.BLENDS:
        catalog.add_blend(
            conn, code=blend.code, name_en=blend.name_en, name_ko=blend.name_ko, components=blend.components
        )
    return conn


def _logging_left_as_found():
    """A test (or module) that set the `themoon` logger up, e.g. through an in-process CLI command,
    leaves it unconfigured: otherwise the next module on the same worker process logs into the
    earlier test's folder, and what it finds in its own log depends on which modules ran first."""
    from themoon.ops import logs

    before = logs.log_file()
    yield
    if logs.log_file() != before:
        logs.reset()


@pytest.fixture(autouse=True, scope="module")
def _module_leaves_logging_as_found():
    yield from _logging_left_as_found()


@pytest.fixture(autouse=True)
def _test_leaves_logging_as_found():
    yield from _logging_left_as_found()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "themoon.db"


@pytest.fixture
def demo_path(tmp_path: Path) -> Path:
    """A fresh copy of the demo café (built once per run) for this test."""
    from browser_support import demo_copy

    return demo_copy(tmp_path)


@pytest.fixture
def conn(db_path: Path):
    """A fresh, migrated, empty store in tmp_path."""
    connection = open_store(db_path)
    yield connection
    connection.close()


@dataclass
class Cafe:
    conn: sqlite3.Connection
    beans: dict[str, int]  # code -> id
    blend_id: int
    purchases: dict[str, int]  # code -> purchase id


def build_small_cafe(connection: sqlite3.Connection) -> Cafe:
    """Four beans at the café's prices, the Full Moon blend (4:4:1:1), 10 kg of each bought on
    2025-10-01 at list price, the café's cost settings in force from 2025-01-01, and two menu
    items (a 20 g hand-drip cup at ₩5,000 + ₩150 extras, a 200 g bag at ₩15,000 + ₩800)."""
    cost_settings.save(connection, effective_from=SETTINGS_FROM, **CAFE_SETTINGS)
    names = {
        "KEN-AA": ("Kenya Masai AA", "마사이", "K", "W"),
        "GUA-ANT": ("Antigua", "안티구아", "Gu", "W"),
        "ETH-MOM": ("Momora", "모모라", "Eth", "N"),
        "ETH-SID": ("Sidamo G4", "시다모G4", "Eth", "N"),
    }
    beans = {
        code: catalog.add_bean(connection, code=code, name_en=en, name_ko=ko, country=cc, roast_level=level)
        for code, (en, ko, cc, level) in names.items()
    }
    blend_id = catalog.add_blend(
        connection,
        code="FULL-MOON",
        name_en="Full Moon",
        name_ko="풀문",
        components={"KEN-AA": 4, "GUA-ANT": 4, "ETH-MOM": 1, "ETH-SID": 1},
    )
    purchases = {
        code: inventory.add_purchase(
            connection, bean=code, grams=10_000, total_won=10 * PRICES[code], purchased_on=BOUGHT_ON
        )
        for code in beans
    }
    catalog.add_menu_item(
        connection,
        code="DRIP-FM",
        name_en="Hand drip Full Moon",
        channel="cup",
        product="FULL-MOON",
        dose_g=20,
        price_won=5000,
        extra_cost_won=150,
    )
    catalog.add_menu_item(
        connection,
        code="BAG-FM-200",
        name_en="Full Moon 200 g",
        channel="bag",
        product="FULL-MOON",
        dose_g=200,
        price_won=15_000,
        extra_cost_won=800,
    )
    return Cafe(connection, beans, blend_id, purchases)


@pytest.fixture
def small_cafe(conn: sqlite3.Connection) -> Cafe:
    return build_small_cafe(conn)


def db_checksum(connection: sqlite3.Connection) -> str:
    """sha256 over the schema version and every row of every table, in a stable order."""
    digest = hashlib.sha256()
    digest.update(str(connection.execute("PRAGMA user_version").fetchone()[0]).encode())
    tables = [
        r[0]
        for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    for table in tables:
        digest.update(f"\x1e{table}\x1e".encode())
        for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def ledger_never_negative(connection: sqlite3.Connection) -> bool:
    """For every bean, the running sum over stock_ledger (in ledger order) never dips below zero."""
    row = connection.execute(
        "SELECT MIN(balance) FROM (SELECT SUM(delta_g) OVER (PARTITION BY bean_id"
        " ORDER BY on_date, kind_order, ref_id) AS balance FROM stock_ledger)"
    ).fetchone()
    return row[0] is None or row[0] >= 0


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, for one browser test module (each test makes its own contexts)."""
    from playwright import sync_api

    from themoon.ui import browser

    assert browser.CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    with sync_api.sync_playwright() as p:
        instance = browser.launch_chromium(p)
        yield instance
        instance.close()
