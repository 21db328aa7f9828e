"""Helpers shared by the dashboard tests: a tiny database built through the API, the demo café
for the tab tests (built once per session, copied per test), an app signed in as a given role,
and (re-exported from themoon.ui.browser) free ports and Voilà servers started the way
`themoon serve` starts them."""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from themoon import catalog, cost_settings, db, inventory, roasting, users
from themoon.demo import build_demo
from themoon.ui.browser import free_port, stop_process_group, wait_for_url  # noqa: F401 (re-exported)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "dashboard.ipynb"
SCREENSHOTS = REPO / "tests" / "screenshots"

# The tiny café of the KPI tests; every expected number below is worked out by hand.
#
# settings from 2026-01-01: expected loss 17 %, roasting ₩2,000 per roasted kg, session fixed
# costs ₩10,000 (energy only; labour 0 min, misc 0), split over a day's batches by green grams.
# ETH: bought 10,000 g for ₩60,000 (₩6/g), reorder point 5,000 g.
# KEN: bought  5,000 g for ₩40,000 (₩8/g), reorder point 1,500 g.
#
# batch          green   roasted  loss   green ₩  roasting ₩  session ₩               cost ₩
# 10-20 KEN      1,000     830    17 %    8,000     1,660      10,000 (alone)          19,660
# 11-02 ETH      5,000   4,150    17 %   30,000     8,300      10,000·5/7 = 7,142.86   45,443
# 11-02 KEN      2,000   1,580    21 %   16,000     3,160      10,000·2/7 = 2,857.14   22,017
# 11-10 ETH      1,000     850    15 %    6,000     1,700      10,000 (alone)          17,700
#
# November 1–15: 3 batches, 6,580 g roasted of 8,000 g green; mean loss 53/3 = 17.67 %,
# weighted loss 1,420/8,000 = 17.75 %, expected 17 % → +0.67 pt; cost ₩85,160 →
# ₩85,160 / 6.58 kg = ₩12,942/kg. The 11-02 KEN batch is 4 pt above expected: one open WARNING.
# Stock on 11-15: ETH 4,000 g (₩24,000, low: ≤ 5,000), KEN 2,000 g (₩16,000) → ₩40,000, 1 low.
SMALL_SINCE = date(2026, 11, 1)
SMALL_UNTIL = date(2026, 11, 15)

# The demo café of the tab tests: two months of history ending the day before.
DEMO_TODAY = date(2026, 11, 15)
OWNER, STAFF, VIEWER = ("owner", "moon"), ("staff", "moon"), ("viewer", "moon-viewer")


def build_small_db(path: Path):
    """Create the tiny café above at `path`; returns the open connection."""
    conn = db.connect(path)
    cost_settings.save(
        conn,
        effective_from=date(2026, 1, 1),
        expected_loss_pct="17",
        roasting_won_per_kg=2000,
        labour_won_per_hour=0,
        labour_minutes_per_session=0,
        energy_won_per_session=10_000,
        misc_won_per_session=0,
    )
    catalog.add_bean(conn, code="ETH", name_en="Yirgacheffe", name_ko="예가체프", reorder_point_g=5000)
    catalog.add_bean(conn, code="KEN", name_en="Kenya Masai AA", name_ko="마사이", reorder_point_g=1500)
    inventory.add_purchase(conn, bean="ETH", grams=10_000, total_won=60_000, purchased_on=date(2026, 10, 1))
    inventory.add_purchase(conn, bean="KEN", grams=5_000, total_won=40_000, purchased_on=date(2026, 10, 1))
    roasting.add_batch(conn, product="KEN", roasted_on=date(2026, 10, 20), green_g=1000, roasted_g=830)
    roasting.add_batch(conn, product="ETH", roasted_on=date(2026, 11, 2), green_g=5000, roasted_g=4150)
    roasting.add_batch(conn, product="KEN", roasted_on=date(2026, 11, 2), green_g=2000, roasted_g=1580)
    roasting.add_batch(conn, product="ETH", roasted_on=date(2026, 11, 10), green_g=1000, roasted_g=850)
    return conn


def build_demo_db(path: Path, *, months: int = 2, today: date = DEMO_TODAY) -> Path:
    """The demo café (owner/moon, staff/moon) plus a viewer, `months` of history before `today`."""
    conn = db.connect(path)
    try:
        build_demo(conn, months=months, today=today)
        users.add_user(conn, username=VIEWER[0], password=VIEWER[1], role="viewer", display_name="Viewer")
    finally:
        conn.close()  # the last connection checkpoints the WAL: the file alone is the database
    return path


_TEMPLATE: list[Path] = []


def demo_template() -> Path:
    """The demo café, built once per test run (in a temporary directory removed at exit)."""
    if not _TEMPLATE or not _TEMPLATE[0].is_file():
        folder = Path(tempfile.mkdtemp(prefix="themoon-demo-template-"))
        atexit.register(shutil.rmtree, folder, True)
        _TEMPLATE[:] = [build_demo_db(folder / "demo.db")]
    return _TEMPLATE[0]


def demo_copy(folder: Path, name: str = "demo.db") -> Path:
    """A fresh copy of the demo café as `folder`/`name`, for one test or server (it may write)."""
    path = Path(folder) / name
    shutil.copyfile(demo_template(), path)
    return path


def signed_in(
    path: Path, who: tuple[str, str] = OWNER, *, lang: str = "en", today: date = DEMO_TODAY, form: bool = False
):
    """The app over `path`, signed in as `who`: through its sign-in form (`form=True`), else
    straight from the users table (argon2 takes a while; test_ui.py covers the form)."""
    from themoon.ui.app import App

    app = App(path, lang=lang, today=today, autologin=False)
    assert app.screen == "signin", app.screen
    if form:
        app.si_user.value, app.si_password.value = who
        assert app.do_sign_in(), app.si_form.status.value
        return app
    conn = db.connect(path, migrate=False)
    try:
        row = next(u for u in users.list_users(conn) if u["username"] == who[0])
    finally:
        conn.close()
    app._signed_in({k: row[k] for k in ("id", "username", "display_name", "role")})
    app.render()
    return app


def count(path: Path, table: str) -> int:
    """Rows of `table` as ANOTHER process sees them (a fresh Python reads the file): the test's own
    process holds the app's connection and analytics engine, and would see writes that were lost."""
    from outside import count as count_outside

    return count_outside(path, table)


_OUTSIDE = (
    "import json, sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1])\n"
    "print(json.dumps(conn.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))\n"
    "conn.close()\n"
)


def outside(path: Path, sql: str, *params) -> list:
    """Rows of `sql` read by ANOTHER process (a write is done when another process sees it)."""
    out = subprocess.check_output([sys.executable, "-c", _OUTSIDE, str(path), sql, json.dumps(params)], timeout=60)
    return [tuple(r) for r in json.loads(out)]


def count_outside(path: Path, table: str) -> int:
    return outside(path, f"SELECT COUNT(*) FROM {table}")[0][0]
