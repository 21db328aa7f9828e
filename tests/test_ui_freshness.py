"""A save in one tab shows at once in every view that reads what it changed (issue #11): the
Overview KPIs, the stock table, the loss alerts and the cost rows. The expected figures come from
other processes (the `themoon` CLI, SQL in a subprocess), never from the tabs' own code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from browser_support import OWNER, signed_in

from themoon import kpis

DAY = date(2026, 11, 14)
THEMOON = Path(sys.executable).with_name("themoon")


def cli(path: Path, *args: str):
    out = subprocess.run([str(THEMOON), *args, "--db", str(path), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def sql(path: Path, query: str, *params) -> list:
    script = (
        "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
        " print(json.dumps(c.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall())); c.close()"
    )
    out = subprocess.check_output([sys.executable, "-c", script, str(path), query, json.dumps(params)])
    return json.loads(out)


def kpi_value(overview, key: str) -> str:
    return re.search(r'class="themoon-kpi-value">([^<]*)<', overview.cards[key]).group(1)


@pytest.fixture()
def app(demo_path):
    app = signed_in(demo_path, OWNER)
    yield app
    app.ctx.close()


def log_batch(app, product: str, green: str, roasted: str) -> None:
    app.open_tab("roasting")
    tab = app.tabs["roasting"]
    tab.product.value = product
    tab.roasted_on.value = DAY
    tab.green_total.value = green
    tab.roasted_g.value = roasted
    tab.save.click()
    assert "Saved batch #" in tab.form.status.value, tab.form.status.value


def batches_in_period(path: Path, app) -> int:
    since, until = kpis.period_bounds(app.tabs["overview"].period, app.ctx.today())
    return sql(
        path,
        "SELECT COUNT(*) FROM roast_batches WHERE roasted_on BETWEEN ? AND ?",
        since.isoformat(),
        until.isoformat(),
    )[0][0]


def test_a_batch_shows_in_the_overview_and_the_stock_at_once(app, demo_path):
    overview = app.tabs["overview"]
    assert int(kpi_value(overview, "batches")) == batches_in_period(demo_path, app)
    log_batch(app, "bean:GTM-ANTIGUA", "5000", "4171")
    app.open_tab("overview")
    assert int(kpi_value(overview, "batches")) == batches_in_period(demo_path, app)  # one more, seen from outside
    app.open_tab("inventory")
    shown = {row["bean"]: row["stock_g"] for row in app.tabs["inventory"].model.stock_rows}
    assert shown == {row["bean"]: row["stock_g"] for row in cli(demo_path, "stock", "--all")}


def test_a_critical_loss_shows_as_an_open_alert_at_once(app, demo_path):
    overview = app.tabs["overview"]
    open_alerts = "SELECT COUNT(*) FROM loss_alerts WHERE resolved_at IS NULL"
    before = sql(demo_path, open_alerts)[0][0]
    log_batch(app, "bean:GTM-ANTIGUA", "5000", "3800")  # 24 % loss: critical, yet inside the plausible band
    assert sql(demo_path, open_alerts)[0][0] == before + 1
    app.open_tab("overview")
    assert int(kpi_value(overview, "alerts")) == before + 1


def test_a_purchase_moves_the_green_cost_in_the_cost_tab_at_once(app, demo_path):
    app.open_tab("costs")  # read once before the purchase, as a visitor would have
    app.open_tab("inventory")
    inv = app.tabs["inventory"]
    inv.p_bean.value, inv.p_day.value = "GTM-ANTIGUA", DAY
    inv.p_grams.value, inv.p_total.value = "30000", "900000"  # ₩30,000/kg: the average must move
    inv.p_save.click()
    assert "#" in inv.purchase_form.status.value, inv.purchase_form.status.value
    (expected,) = cli(demo_path, "cost", "--product", "GTM-ANTIGUA")["products"]
    app.open_tab("costs")
    (shown,) = [p for p in app.tabs["costs"].model.products if p["product"] == "GTM-ANTIGUA"]
    assert shown["green_per_kg_won"] == expected["green_per_kg_won"] > 7434
    assert shown["cost_per_kg_won"] == expected["cost_per_kg_won"]
