"""Reports without a kernel: periods, the tables against the store API, the workbook writer,
the parameter cells, the run index, publishing (with a stand-in for papermill) and the CLI.

The executed notebooks, their HTML and workbooks are in tests/test_reports_run.py (slow)."""

from __future__ import annotations

import ast
import json
import multiprocessing
import os
import re
import sqlite3
import time
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from themoon import catalog as store_catalog
from themoon import cli, db, demo, inventory, kpis, messages, roasting
from themoon import price_list as costs
from themoon.costing import round_won
from themoon.models import ValidationError
from themoon.ops import health, logs
from themoon.reports import builders, charts, index, registry, runner
from themoon.reports.periods import parse_period
from themoon.reports.tables import Report, Table, format_value, kind_of

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks" / "reports"
TODAY = date(2026, 10, 31)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))
WEEK = (date(2026, 10, 19), date(2026, 10, 25))  # 2026-W43


@pytest.fixture(autouse=True)
def _private_logs(tmp_path, monkeypatch):
    """`themoon report` sets up logging: into this test's directory, and undone afterwards."""
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    yield
    logs.reset()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The fixture café: 3 months of demo history ending 2026-10-31."""
    path = tmp_path_factory.mktemp("reports") / "themoon.db"
    conn = db.connect(path)
    demo.build_demo(conn, months=3, today=TODAY)
    conn.close()
    return path


@pytest.fixture(scope="module")
def store(demo_db):
    conn = db.connect(demo_db, readonly=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def monthly(demo_db) -> Report:
    return builders.monthly_cost(demo_db, "2026-10", today=date(2026, 11, 28))


@pytest.fixture(scope="module")
def weekly(demo_db) -> Report:
    return builders.weekly_roasting(demo_db, "2026-W43", today=date(2026, 11, 28))


@pytest.fixture(scope="module")
def stock_report(demo_db) -> Report:
    return builders.inventory_report(demo_db, "2026-10-31", today=date(2026, 11, 28))


def rows_by(table: Table, key: str) -> dict:
    return {row[key]: row for row in table.records()}


# --- periods ---------------------------------------------------------------------------------------


def test_months_weeks_and_days():
    today = date(2026, 11, 28)
    october = parse_period("2026-10", "month", today=today)
    assert (october.start, october.end, october.label) == (date(2026, 10, 1), date(2026, 10, 31), "2026-10")
    assert parse_period("2026-2", "month", today=today).end == date(2026, 2, 28)
    assert parse_period("2024-02", "month", today=today).end == date(2024, 2, 29)
    week = parse_period("2026-w43", "week", today=today)
    assert (week.start, week.end, week.label) == WEEK + ("2026-W43",)
    assert parse_period("2026-10-31", "day", today=today).label == "2026-10-31"


def test_previous_and_current_follow_today():
    today = date(2027, 1, 4)  # a Monday
    assert parse_period("previous", "month", today=today).label == "2026-12"
    assert parse_period("current", "month", today=today).label == "2027-01"
    assert parse_period("previous", "week", today=today).label == "2026-W53"  # ISO year 2026 has 53 weeks
    assert parse_period("PREVIOUS", "day", today=today).label == "2027-01-03"
    assert parse_period("today", "day", today=today).label == "2027-01-04"
    assert parse_period("2027-01", "month", today=today).previous().label == "2026-12"
    assert parse_period("2026-W01", "week", today=today).start == date(2025, 12, 29)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2026-13", "month"),
        ("2026-00", "month"),
        ("2026-W54", "week"),
        ("2025-W53", "week"),  # 2025 has 52 ISO weeks
        ("2026-02-30", "day"),
        ("1999-12", "month"),
        ("", "month"),
        ("October", "month"),
        ("2026-10", "week"),
        ("2026-10-01", "month"),
        ("../../etc", "day"),
        ("2026-10" + "0" * 5000, "month"),
    ],
)
def test_bad_periods_are_refused(text, kind):
    with pytest.raises(ValidationError) as error:
        parse_period(text, kind, today=date(2026, 11, 28))
    assert error.value.field == "period" and len(str(error.value)) < 300


def test_a_period_in_the_future_is_refused():
    with pytest.raises(ValidationError, match="not started"):
        parse_period("2026-12", "month", today=date(2026, 11, 28))
    assert parse_period("2026-11", "month", today=date(2026, 11, 28)).end == date(2026, 11, 30)


# --- the monthly tables against the store API ---------------------------------------------------------


def test_monthly_summary_equals_kpis_overview(monthly, store):
    summary = rows_by(monthly["summary"], "metric")
    for (since, until), column in ((OCTOBER, "this_period"), (SEPTEMBER, "previous_period")):
        overview = kpis.overview(store, since, until)
        for key in ("batches", "avg_loss_pct", "weighted_loss_pct", "expected_loss_pct", "loss_variance_pts"):
            assert summary[key][column] == overview[key], key
        assert summary["roast_cost_won"][column] == overview["roast_cost_won"]
        assert summary["avg_cost_per_roasted_kg_won"][column] == overview["avg_cost_per_roasted_kg_won"]
        assert summary["roasted_kg"][column] == overview["roasted_g"] / 1000
        assert summary["green_kg"][column] == overview["green_g"] / 1000
        assert summary["stock_value_won"][column] == overview["stock_value_won"]
        assert summary["stock_kg"][column] == overview["stock_g"] / 1000
        bought = [
            p
            for p in inventory.list_purchases(store, limit=10**6)
            if since.isoformat() <= p["purchased_on"] <= until.isoformat()
        ]
        assert summary["purchases"][column] == len(bought)
        assert summary["purchases_won"][column] == sum(p["total_won"] for p in bought)
        assert summary["cup_margin_pct"][column] == kpis.average_margin(costs.menu_costs(store, on=until), "cup")
    batches = summary["batches"]
    assert batches["change"] == batches["this_period"] - batches["previous_period"]
    assert summary["weighted_loss_pct"]["change_pct"] is None  # points, not a relative change


def _october_batches(store):
    return roasting.list_batches(store, since=OCTOBER[0], until=OCTOBER[1], limit=None)


def test_cost_breakdown_equals_the_batches(monthly, store):
    sums = defaultdict(lambda: defaultdict(int))
    for batch in _october_batches(store):
        for key in ("green_cost_won", "roasting_cost_won", "session_cost_won", "batch_cost_won"):
            sums[batch["product"]][key] += batch[key]
        sums[batch["product"]]["batches"] += 1
    table = rows_by(monthly["cost_breakdown"], "product")
    assert set(table) == set(sums)
    for product, row in table.items():
        assert row["batches"] == sums[product]["batches"]
        assert row["green_cost_won"] == sums[product]["green_cost_won"]
        assert row["roasting_cost_won"] == sums[product]["roasting_cost_won"]
        assert row["session_cost_won"] == sums[product]["session_cost_won"]
        assert row["roast_cost_won"] == sums[product]["batch_cost_won"]
    assert sum(r["roast_cost_won"] for r in table.values()) == kpis.overview(store, *OCTOBER)["roast_cost_won"]


def test_costs_by_product_equal_the_batches_and_the_standard_cost(monthly, store):
    cost, roasted = defaultdict(int), defaultdict(int)
    for batch in _october_batches(store):
        cost[batch["product"]] += batch["batch_cost_won"]
        roasted[batch["product"]] += batch["roasted_g"]
    standard = {r["product"]: r["cost_per_kg_won"] for r in costs.product_costs(store, on=OCTOBER[1])}
    table = rows_by(monthly["costs_by_product"], "product")
    assert {p for p, r in table.items() if r["batches"]} == set(cost)
    for product, row in table.items():
        if row["batches"]:
            assert row["actual_cost_per_kg_won"] == round_won(Fraction(cost[product] * 1000, roasted[product]))
            assert row["roasted_kg"] == roasted[product] / 1000
        assert row["standard_cost_per_kg_won"] == standard[product]
    september = roasting.list_batches(store, since=SEPTEMBER[0], until=SEPTEMBER[1], limit=None)
    new_moon = [b for b in september if b["product"] == "NEW-MOON"]
    expected = round_won(
        Fraction(sum(b["batch_cost_won"] for b in new_moon) * 1000, sum(b["roasted_g"] for b in new_moon))
    )
    assert table["NEW-MOON"]["prev_actual_cost_per_kg_won"] == expected


def test_anomalies_are_the_alerts_of_the_month(monthly, store):
    alerts = {b["id"]: b for b in _october_batches(store) if b["alert"]}
    table = rows_by(monthly["anomalies"], "batch_id")
    assert set(table) == set(alerts) and alerts
    for batch_id, row in table.items():
        assert row["level"] == alerts[batch_id]["alert"]["level"]
        assert row["direction"] == alerts[batch_id]["alert"]["direction"]
        assert row["variance_pct"] == alerts[batch_id]["variance_pct"]
        assert row["resolved"] == alerts[batch_id]["alert"]["resolved"]


def test_stock_and_menu_margins_equal_the_api(monthly, store):
    closing = {r["bean"]: r for r in inventory.stock(store, on=OCTOBER[1])}
    opening = {r["bean"]: r for r in inventory.stock(store, on=OCTOBER[0] - timedelta(days=1))}
    for bean, row in rows_by(monthly["stock"], "bean").items():
        assert row["closing_value_won"] == closing[bean]["value_won"]
        assert row["closing_stock_kg"] == closing[bean]["stock_g"] / 1000
        assert row["avg_cost_per_kg_won"] == closing[bean]["avg_cost_per_kg_won"]
        assert row["opening_value_won"] == opening[bean]["value_won"]
        assert row["low"] == closing[bean]["low"]
    now = {r["item"]: r for r in costs.menu_costs(store, on=OCTOBER[1])}
    before = {r["item"]: r for r in costs.menu_costs(store, on=SEPTEMBER[1])}
    target = kpis.target_margin_pct(store_settings(store, OCTOBER[1]))
    table = rows_by(monthly["menu_margins"], "item")
    assert set(table) == set(now)
    for item, row in table.items():
        assert (row["cost_won"], row["suggested_price_won"], row["margin_pct"]) == (
            now[item]["cost_won"],
            now[item]["suggested_price_won"],
            now[item]["margin_pct"],
        )
        assert row["prev_margin_pct"] == before[item]["margin_pct"]
        assert row["below_target"] == (now[item]["margin_pct"] is not None and now[item]["margin_pct"] < target)


def store_settings(store, on):
    from themoon import cost_settings

    return cost_settings.settings_on(store, on)


def test_purchases_are_those_of_the_month(monthly, store):
    bought = [p for p in inventory.list_purchases(store, limit=10**6) if p["purchased_on"].startswith("2026-10")]
    table = monthly["purchases"].records()
    assert [(r["purchased_on"].isoformat(), r["bean"], r["total_won"]) for r in table] == sorted(
        (p["purchased_on"], p["bean"], p["total_won"]) for p in bought
    )


def test_the_trend_ends_with_the_month(monthly, store):
    trend = monthly["trend"].records()
    assert trend[-1]["period"] == date(2026, 10, 1)
    assert trend[-1]["roast_cost_won"] == kpis.overview(store, *OCTOBER)["roast_cost_won"]
    assert len(trend) <= 12


# --- weekly and inventory -----------------------------------------------------------------------------


def test_weekly_batches_equal_list_batches(weekly, store):
    batches = {b["id"]: b for b in roasting.list_batches(store, since=WEEK[0], until=WEEK[1], limit=None)}
    table = rows_by(weekly["batches"], "batch_id")
    assert set(table) == set(batches)
    for batch_id, row in table.items():
        batch = batches[batch_id]
        for key in (
            "green_g",
            "roasted_g",
            "loss_pct",
            "expected_loss_pct",
            "variance_pct",
            "batch_cost_won",
            "green_cost_won",
            "roasting_cost_won",
            "session_cost_won",
            "cost_per_roasted_kg_won",
        ):
            assert row[key] == batch[key], key
        alert = batch["alert"]
        assert row["alert"] == ("" if alert is None else f"{alert['level']} {alert['direction']}")
        assert row["operator"] == batch["operator"]
    by_day = rows_by(weekly["by_day"], "day")
    for day, row in by_day.items():
        assert row["batches"] == sum(1 for b in batches.values() if b["roasted_on"] == day.isoformat())
    overview = kpis.overview(store, *WEEK)
    assert rows_by(weekly["summary"], "metric")["roast_cost_won"]["this_period"] == overview["roast_cost_won"]


def test_weekly_loss_status_and_open_alerts_equal_roasting(weekly, store):
    status = {r["product"]: r for r in roasting.loss_status(store, today=WEEK[1])}
    for product, row in rows_by(weekly["loss_status"], "product").items():
        assert (row["status"], row["anomalies_30d"]) == (status[product]["status"], status[product]["anomalies_30d"])
    open_alerts = {a["batch_id"] for a in roasting.list_alerts(store, open_only=True)}
    assert {r["batch_id"] for r in weekly["open_alerts"].records()} == open_alerts


def test_weekly_loss_by_operator_counts_every_batch(weekly, store):
    batches = roasting.list_batches(store, since=WEEK[0], until=WEEK[1], limit=None)
    table = rows_by(weekly["loss_by_operator"], "operator")
    assert sum(r["batches"] for r in table.values()) == len(batches)
    for operator, row in table.items():
        mine = [b for b in batches if b["operator"] == operator]
        assert row["green_g"] == sum(b["green_g"] for b in mine)


def test_inventory_stock_runout_and_reorder(stock_report, store):
    stock = {r["bean"]: r for r in inventory.stock(store, on=TODAY)}
    for bean, row in rows_by(stock_report["stock"], "bean").items():
        assert row["stock_kg"] == stock[bean]["stock_g"] / 1000
        assert row["value_won"] == stock[bean]["value_won"]
        assert row["low"] == stock[bean]["low"]
    runout = rows_by(stock_report["runout"], "bean")
    active = {b["code"] for b in store_catalog.list_beans(store, active=True)}
    assert set(runout) == active
    reorder = stock_report["reorder"].records()
    horizon = TODAY + timedelta(days=7)
    assert {r["bean"] for r in reorder} == {
        b for b, r in runout.items() if r["reorder_date"] and r["reorder_date"] <= horizon
    }
    assert reorder, "the demo leaves beans to reorder"
    for row in reorder:
        assert row["reorder_qty_kg"] == runout[row["bean"]]["reorder_qty_kg"] > 0
    value = stock_report["stock_value"].records()
    assert value[-1]["value_won"] == sum(r["value_won"] for r in inventory.stock(store, on=value[-1]["as_of"]))


def test_a_period_without_roasts_builds_empty_tables(demo_db):
    report = builders.monthly_cost(demo_db, "2026-01", today=date(2026, 11, 28))
    summary = rows_by(report["summary"], "metric")
    assert summary["batches"]["this_period"] == 0 and summary["roasted_kg"]["this_period"] == 0
    assert report["cost_breakdown"].empty and report["anomalies"].empty and report["trend"].empty
    for make in (charts.cost_per_kg, charts.cost_breakdown, charts.loss_by_product, charts.monthly_trend):
        assert make(report).to_dict()["layout"]["annotations"]  # "no data" rather than an error
    week = builders.weekly_roasting(demo_db, "2026-W02", today=date(2026, 11, 28))
    assert week["batches"].empty
    charts.batch_variance(week), charts.roasted_per_day(week), charts.loss_by_operator(week)


def test_an_empty_store_gives_empty_reports(tmp_path):
    path = tmp_path / "empty.db"
    db.connect(path).close()
    for build, period in (
        (builders.monthly_cost, "2026-10"),
        (builders.weekly_roasting, "2026-W43"),
        (builders.inventory_report, "2026-10-31"),
    ):
        report = build(path, period, today=date(2026, 11, 28))
        assert report.tables and all(isinstance(t, Table) for t in report.tables.values())
        report.to_xlsx(tmp_path / f"{report.name}.xlsx")


def test_a_missing_database_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.db"):
        builders.monthly_cost(tmp_path / "nope.db", "2026-10")


def test_figures_are_valid_plotly(monthly, weekly, stock_report):
    for make, report in (
        (charts.cost_per_kg, monthly),
        (charts.cost_breakdown, monthly),
        (charts.loss_by_product, monthly),
        (charts.menu_margins, monthly),
        (charts.monthly_trend, monthly),
        (charts.roasted_per_day, weekly),
        (charts.batch_variance, weekly),
        (charts.loss_by_operator, weekly),
        (charts.stock_levels, stock_report),
        (charts.runout_timeline, stock_report),
        (charts.stock_value, stock_report),
    ):
        figure = make(report)
        assert figure.data, make.__name__


def test_the_offline_renderer_embeds_plotly_and_no_cdn():
    import plotly.graph_objects as go
    import plotly.io as pio

    name = charts.offline_renderer()
    assert name in pio.renderers
    bundle = pio.renderers[name].to_mimebundle(go.Figure(go.Bar(x=[1], y=[2])).to_dict())
    text = bundle["text/html"]
    assert "plotly-graph-div" in text and "Plotly.newPlot" in text
    assert not re.search(r"<script[^>]+src=", text), "no script from anywhere"


# --- the workbook ---------------------------------------------------------------------------------------


def test_units_from_column_names():
    assert [
        kind_of(n)
        for n in (
            "roast_cost_won",
            "roasted_kg",
            "green_g",
            "loss_pct",
            "variance_pct",
            "anomaly_rate",
            "roasted_on",
            "period",
        )
    ] == ["won", "kg", "g", "pct", "pts", "ratio", "date", "date"]
    assert format_value(1234567, "won") == "₩1,234,567"
    assert format_value(-134627, "won") == "−₩134,627"  # the sign before the currency
    assert format_value(18.144, "pct") == "18.14 %"
    assert format_value(-3.5, "pct") == "−3.50 %"
    assert format_value(-0.5, "pts") == "−0.50 pt"
    assert format_value(-0.5, "pts", "ko") == "−0.50%p"
    assert format_value(True, "bool", "ko") == "예"
    assert format_value(None, "won") == "–"
    assert format_value(float("nan"), "kg") == "–"


def keyed_header(book, name: str) -> list[str]:
    """A sheet's header row as column keys, through the workbook's `columns` sheet."""
    keys = {(r[0], r[1]): r[2] for r in book["columns"].iter_rows(min_row=2, values_only=True)}
    return [keys[(name, c.value)] for c in book[name][1]]


def test_workbook_has_numbers_with_formats_frozen_headers_and_widths(monthly, tmp_path):
    path = monthly.to_xlsx(tmp_path / "m.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["about", "columns", *monthly.tables]
    sheet = book["cost_breakdown"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == [
        "product",
        "batches",
        "green coffee",
        "roasting",
        "session costs",
        "roast cost",
    ], "human headers in the report's language"
    header = keyed_header(book, "cost_breakdown")
    assert header == list(monthly["cost_breakdown"].frame.columns)
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert isinstance(first["roast_cost_won"].value, int) and first["roast_cost_won"].number_format == '"₩"#,##0'
    assert sheet.column_dimensions["A"].width >= len("BRA-FAZENDA-CARMO")
    loss = book["loss_by_product"]
    header = keyed_header(book, "loss_by_product")
    row = {h: c for h, c in zip(header, loss[2], strict=True)}
    expected = monthly["loss_by_product"].records()[0]
    assert row["weighted_loss_pct"].value == pytest.approx(expected["weighted_loss_pct"] / 100, abs=1e-12)
    assert row["weighted_loss_pct"].number_format == "0.00%"
    assert row["green_g"].number_format == '#,##0" g"'
    summary = book["summary"]
    header = keyed_header(book, "summary")
    by_metric = {r[0].value: dict(zip(header, r, strict=True)) for r in summary.iter_rows(min_row=2)}
    assert by_metric["roasted_kg"]["this_period"].number_format == '#,##0.000" kg"'
    assert by_metric["weighted_loss_pct"]["change"].number_format.startswith('+0.00" pt"')
    anomalies = book["anomalies"]
    dates = [r[0].value for r in anomalies.iter_rows(min_row=2)]
    assert dates and all(d.year == 2026 and d.month == 10 for d in dates)
    about = {r[0].value: r[1].value for r in book["about"].iter_rows(min_row=2)}
    assert about["period"] == "2026-10" and about["report"] == "monthly_cost"


def test_text_a_spreadsheet_would_run_is_written_as_text(tmp_path):
    import pandas as pd

    from themoon.reports.periods import parse_period as pp

    frame = pd.DataFrame({"supplier": ['=HYPERLINK("http://x")', "+1", "plain"], "total_won": [1, 2, 3]})
    report = Report("t", "T", "T", pp("2026-10", "month", today=TODAY), {"x": Table("x", "X", "X", frame)})
    book = load_workbook(report.to_xlsx(tmp_path / "t.xlsx"))
    cells = [r[0] for r in book["x"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "+1", "plain"]
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].quotePrefix and cells[1].quotePrefix and not cells[2].quotePrefix


# --- notebooks and their parameters ---------------------------------------------------------------------


def _notebooks():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_every_report_has_a_thin_notebook_without_outputs():
    assert {p.stem for p in _notebooks()} == set(registry.REPORTS)
    for path in _notebooks():
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert "parameters" in cells[0]["metadata"].get("tags", []), path.name
        for cell in cells:
            source = "".join(cell["source"])
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
            assert "._" not in source and "SELECT" not in source.upper(), path.name
            if cell is not cells[0]:
                statements = ast.parse(source).body
                assert len(statements) <= 5, f"{path.name}: logic belongs in themoon.reports"
        setup = "".join(cells[1]["source"])
        assert "pio.renderers.default = charts.offline_renderer()" in setup
        assert "".join(cells[-1]["source"]).strip().startswith("if xlsx_path:")


def test_parameter_cells_are_what_papermill_reads():
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    for path in _notebooks():
        ours = registry.notebook_parameters(path)
        theirs = {p.name: p for p in _infer_parameters(load_notebook_node(str(path)))}
        assert list(ours) == list(theirs), path.name  # papermill --help-notebook lists every one
        for name, parameter in ours.items():
            assert parameter.type == theirs[name].inferred_type_name, name
            assert parameter.help and parameter.help == theirs[name].help, name
        assert {"db_path", "period", "xlsx_path"} <= set(ours)
        assert ours["db_path"].default == "" and ours["period"].default == "previous"


def test_parameters_are_checked_against_the_notebook():
    spec = registry.resolve("monthly")
    assert spec.name == "monthly_cost" and registry.resolve("weekly-roasting").name == "weekly_roasting"
    assert registry.check_parameters(spec, {"trend_months": "24"}) == {"trend_months": 24}
    inventory_spec = registry.resolve("inventory")
    assert registry.check_parameters(inventory_spec, {"level": "0.9", "cover-days": "14"}) == {
        "level": 0.9,
        "cover_days": 14,
    }
    for bad, field in (
        ({"trend_months": "many"}, "trend_months"),
        ({"colour": "red"}, "colour"),
        ({"db_path": "/etc/passwd"}, "db_path"),
        ({"xlsx_path": "/tmp/x"}, "xlsx_path"),
    ):
        with pytest.raises(ValidationError) as error:
            registry.check_parameters(spec, bad)
        assert error.value.field == field
    with pytest.raises(ValidationError, match="no report called"):
        registry.resolve("daily")


def test_available_reports_for_the_dashboard():
    found = {r["name"]: r for r in registry.available_reports()}
    assert set(found) == set(registry.REPORTS)
    assert found["inventory"]["period_kind"] == "day"
    names = [p["name"] for p in found["inventory"]["parameters"]]
    assert "lead_time_days" in names and "db_path" not in names and "xlsx_path" not in names


# --- the run index ---------------------------------------------------------------------------------------


def _entry(name="monthly_cost", status="ok", finished="2026-11-01T06:00:12+09:00", period="2026-10"):
    return {
        "name": name,
        "period": period,
        "status": status,
        "started_at": "2026-11-01T06:00:00+09:00",
        "finished_at": finished,
        "duration_seconds": 12.0,
        "files": {},
    }


def test_the_index_is_what_health_and_metrics_read(tmp_path):
    index.record_run(_entry(), tmp_path)
    assert health.last_report(tmp_path)["status"] == "ok"
    index.record_run(_entry(status="failed", finished="2026-11-02T06:00:12+09:00"), tmp_path)
    last = health.last_report(tmp_path)
    assert last["status"] == "failed" and last["name"] == "monthly_cost"
    assert isinstance(json.loads((tmp_path / "index.json").read_text()), list)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _append_many(root: str, worker: int) -> None:
    for i in range(20):
        index.record_run(_entry(period=f"w{worker}-{i}"), root)


def test_concurrent_writers_lose_no_entry(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(tmp_path), w)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    periods = {e["period"] for e in index.read_index(tmp_path)}
    assert periods == {f"w{w}-{i}" for w in range(4) for i in range(20)}


def test_a_corrupt_index_is_kept_aside(tmp_path):
    (tmp_path / "index.json").write_text("{not json")
    index.record_run(_entry(), tmp_path)
    assert len(index.read_index(tmp_path)) == 1
    assert list(tmp_path.glob("index.corrupt-*.json"))


def test_the_legacy_wrapped_form_is_read(tmp_path):
    (tmp_path / "index.json").write_text(json.dumps({"reports": [_entry()]}))
    assert index.read_index(tmp_path)[0]["name"] == "monthly_cost"


# --- running and publishing, with papermill replaced by a stand-in -------------------------------------


@pytest.fixture
def fake_papermill(monkeypatch):
    """`runner._execute` writes a notebook and the workbook like a successful run (or fails when the
    period is 'boom'); the HTML export just copies text. No kernel starts."""
    calls = []

    def execute(notebook, output, parameters, *, cwd, steps):
        calls.append(parameters)
        steps.start(3)
        for _ in range(3):
            steps.step()
        output.write_text(json.dumps({"cells": [], "parameters": parameters}))
        if parameters["period"] == "boom" or parameters.get("trend_months") == 99:
            raise RuntimeError("the notebook failed")
        Path(parameters["xlsx_path"]).write_bytes(b"xlsx")

    def export(notebook, target, title):
        target.write_text(f"<html>{title}</html>")

    def export_pdf(notebook, target, title):
        if "no-pdf" in str(target.parent.parent):
            raise RuntimeError("/usr/bin/chromium is missing")
        target.write_bytes(b"%PDF-1.4 " + title.encode())

    monkeypatch.setattr(runner, "_execute", execute)
    monkeypatch.setattr(runner, "_export_html", export)
    monkeypatch.setattr(runner, "_export_pdf", export_pdf)
    return calls


def test_a_run_publishes_three_files_and_records_them(fake_papermill, tmp_path, demo_db):
    seen = []
    entry = runner.run_report(
        "monthly",
        "2026-10",
        {"trend_months": "6"},
        lambda d, t: seen.append((d, t)),
        db=demo_db,
        reports_root=tmp_path,
        today=date(2026, 11, 28),
    )
    assert entry["status"] == "ok" and entry["exit_code"] == 0 and entry["name"] == "monthly_cost"
    folder = tmp_path / "monthly_cost" / "2026-10"
    assert sorted(p.name for p in folder.iterdir()) == [
        "monthly_cost_2026-10.html",
        "monthly_cost_2026-10.ipynb",
        "monthly_cost_2026-10.pdf",
        "monthly_cost_2026-10.xlsx",
    ]
    assert entry["parameters"] == {"db_path": str(demo_db.resolve()), "period": "2026-10", "trend_months": 6}
    assert fake_papermill[0]["trend_months"] == 6 and fake_papermill[0]["db_path"] == str(demo_db.resolve())
    assert seen[-1] == (5, 5) and seen[0] == (0, 5)
    listed = index.list_reports(tmp_path)
    assert listed[0]["html_path"] == str(folder / "monthly_cost_2026-10.html")
    assert listed[0]["pdf_path"] == str(folder / "monthly_cost_2026-10.pdf")
    assert entry["files"]["pdf"] == "monthly_cost/2026-10/monthly_cost_2026-10.pdf" and "pdf_error" not in entry
    assert not [p for p in (tmp_path / "monthly_cost").iterdir() if p.name.startswith((".staging", ".old"))]


def test_previous_becomes_a_concrete_period(fake_papermill, tmp_path, demo_db):
    entry = runner.run_report("weekly_roasting", None, db=demo_db, reports_root=tmp_path, today=date(2026, 11, 4))
    assert entry["period"] == "2026-W44" and fake_papermill[0]["period"] == "2026-W44"
    entry = runner.run_report("inventory", "previous", db=demo_db, reports_root=tmp_path, today=date(2026, 11, 2))
    assert entry["period"] == "2026-11-01"


def test_a_rerun_replaces_the_report_and_a_failed_one_leaves_it_alone(fake_papermill, tmp_path, demo_db):
    run = dict(db=demo_db, reports_root=tmp_path, today=date(2026, 11, 28))
    runner.run_report("monthly_cost", "2026-10", **run)
    folder = tmp_path / "monthly_cost" / "2026-10"
    html = folder / "monthly_cost_2026-10.html"
    first = html.stat().st_ino
    runner.run_report("monthly_cost", "2026-10", **run)
    assert html.stat().st_ino != first  # a new file, renamed into place
    failed = runner.run_report("monthly_cost", "2026-10", {"trend_months": 99}, **run)
    assert failed["status"] == "failed" and failed["exit_code"] == 1
    assert html.read_text() == "<html>Monthly cost report 2026-10</html>"  # the published report stays
    assert (folder / "monthly_cost_2026-10.failed.ipynb").is_file()
    assert "the notebook failed" in (folder / "monthly_cost_2026-10.error.txt").read_text()
    published = index.list_reports(tmp_path, published_only=True)
    assert len(published) == 1 and published[0]["status"] == "ok"


def test_a_bad_parameter_is_refused_runs_nothing_and_records_nothing(fake_papermill, tmp_path, demo_db):
    with pytest.raises(ValidationError, match="trend_months"):
        runner.run_report("monthly_cost", "2026-10", {"trend_months": "lots"}, db=demo_db, reports_root=tmp_path)
    assert fake_papermill == [] and list(tmp_path.iterdir()) == []
    runner.run_report("monthly_cost", "2026-10", {"trend_months": "3"}, db=demo_db, reports_root=tmp_path)
    assert index.read_index(tmp_path)[-1]["status"] == "ok"  # positive control


def test_a_period_that_is_not_a_path_is_refused_before_anything_is_written(fake_papermill, tmp_path, demo_db):
    with pytest.raises(ValidationError, match="period"):
        runner.run_report("monthly_cost", "../../x", db=demo_db, reports_root=tmp_path)
    assert fake_papermill == [] and list(tmp_path.iterdir()) == []
    assert runner.safe_label("2026-W43") == "2026-W43" and runner.safe_label("a/b") == "invalid"


def test_stale_staging_directories_are_removed(fake_papermill, tmp_path, demo_db):
    stale = tmp_path / "monthly_cost" / ".staging-2026-10-old"
    stale.mkdir(parents=True)
    fresh = tmp_path / "monthly_cost" / ".staging-2026-10-running"
    fresh.mkdir()
    old = time.time() - 7 * 3600
    os.utime(stale, (old, old))
    runner.run_report("monthly_cost", "2026-10", db=demo_db, reports_root=tmp_path)
    assert not stale.exists() and fresh.exists()


def test_the_run_uses_this_interpreter_over_unix_sockets(tmp_path):
    manager_class = runner.kernel_manager_class(tmp_path)
    manager = manager_class(kernel_name="python3")
    assert manager.transport == "ipc" and manager.ip == str(tmp_path / "kernel")
    import sys

    assert manager.kernel_spec.argv[0] == sys.executable


# --- the command line -------------------------------------------------------------------------------------


def test_cli_report_and_list(fake_papermill, tmp_path, demo_db, capsys):
    args = ["report", "monthly_cost", "--period", "2026-10", "--db", str(demo_db), "--reports-dir", str(tmp_path)]
    assert cli.main([*args, "-p", "trend_months", "3"]) == 0
    out = capsys.readouterr().out
    assert "monthly_cost 2026-10: done" in out and "monthly_cost_2026-10.xlsx" in out
    assert cli.main([*args[:4], "--db", str(demo_db), "--reports-dir", str(tmp_path), "-p", "nope", "1"]) == 2
    assert "nope: is not a parameter" in capsys.readouterr().err
    assert len(index.read_index(tmp_path)) == 1  # refused before it ran: not a failed run
    assert cli.main(["report", "list", "--reports-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "ok" in lines[0]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "daily"])
    assert exit_.value.code == 2
    entry = index.read_index(tmp_path)[0]
    assert entry["trigger"] == "cli"
    log = (tmp_path / "logs" / "themoon.log").read_text()
    assert "event=report.finished report=monthly_cost period=2026-10 trigger=cli" in log
    assert "event=report.failed" not in log


def test_cli_registers_in_themoon():
    from themoon.reports import cli as reports_cli

    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert "report" in commands and "schedule" in commands
    args = parser.parse_args(["report", "monthly_cost", "--period", "2026-10", "-p", "trend_months", "6"])
    assert args.handler is reports_cli.cmd_report and args.parameter == [["trend_months", "6"]]
    assert parser.parse_args(["schedule", "install", "--print"]).handler is reports_cli.cmd_schedule_install


def test_building_a_report_writes_nothing_to_the_store(demo_db, tmp_path):
    import hashlib
    import shutil

    copy = tmp_path / "copy.db"
    source = sqlite3.connect(demo_db)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close(), target.close()

    def digest() -> str:
        return hashlib.sha256(copy.read_bytes()).hexdigest()

    before = digest()
    builders.monthly_cost(copy, "2026-10", today=date(2026, 11, 28))
    builders.inventory_report(copy, "2026-10-31", today=date(2026, 11, 28))
    assert digest() == before
    assert not Path(f"{copy}-wal").exists() or Path(f"{copy}-wal").stat().st_size == 0
    del shutil


@pytest.mark.parametrize("text", ["9999-W52", "9999-52w", "99999-01", "0001-W01", "2026-W99"])
def test_periods_at_the_calendars_edges_are_field_errors(text):
    """The last ISO week of 9999 ends in year 10000: a field error, never OverflowError."""
    from themoon.reports.periods import parse_period

    with pytest.raises(ValidationError) as refused:
        parse_period(text, "week", today=date(2026, 11, 15))
    assert refused.value.field == "period"


# --- the monthly letter: sales, one language, human words (issue #13 point 10) ---------------------------

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class _Visible(HTMLParser):
    """The text a reader sees: everything outside <script>, <style> and <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.parts)


def shown_words_are_human(text: str) -> None:
    """The must-hold of issue #13: no internal key, and money never as ₩-123."""
    assert SNAKE.findall(text) == [], SNAKE.findall(text)[:10]
    assert "₩-" not in text and "₩−" not in text


def report_page(report: Report) -> str:
    """What the notebook shows of a report, in order: header and letter, sections, tables."""
    sections = ("sales", "costs", "loss", "stock", "menu", "trend")
    return (
        report._repr_html_()
        + "".join(report.section_html(s) for s in sections)
        + "".join(t.to_html() for t in report.tables.values())
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_report_speaks_one_language_with_human_words(demo_db, lang):
    today = date(2026, 11, 28)
    for report in (
        builders.monthly_cost(demo_db, "2026-10", lang=lang, today=today),
        builders.weekly_roasting(demo_db, "2026-W43", lang=lang, today=today),
        builders.inventory_report(demo_db, "2026-10-31", lang=lang, today=today),
    ):
        assert report.lang == lang and all(t.lang == lang for t in report.tables.values())
        text = visible_text(report_page(report))
        shown_words_are_human(text)
        page = report_page(report)  # titles, headers and the letter speak the language (data may not)
        words = " ".join(re.findall(r"<(?:h[123]|th|li)[^>]*>(.*?)</(?:h[123]|th|li)>", page))
        korean = re.findall(r"[\uac00-\ud7a3]+", words)
        latin = re.findall(r"\b(?:cost|loss|stock|batches)\b", words)
        assert (bool(korean), bool(latin)) == ((True, False) if lang == "ko" else (False, True)), report.name
        for table in report.tables.values():
            for column in table.frame.columns:  # every column has a header in both languages
                assert messages.known(f"report.col.{column}"), (table.name, column)
            assert table.note_text() or not table.note


def test_the_language_defaults_to_themoon_lang(demo_db, monkeypatch):
    monkeypatch.setenv("THEMOON_LANG", "ko")
    assert builders.monthly_cost(demo_db, "2026-10", today=date(2026, 11, 28)).lang == "ko"
    monkeypatch.delenv("THEMOON_LANG")
    assert builders.weekly_roasting(demo_db, "2026-W43", today=date(2026, 11, 28)).lang == "en"


def test_negative_money_reads_with_the_sign_first_in_tables_and_the_dashboard(monthly):
    from themoon import formatting
    from themoon.ui import format as ui_format

    assert ui_format.won is formatting.won, "one formatting function for the dashboard and the reports"
    frame = monthly["summary"].frame
    falls = [isinstance(c, int) and c < 0 and u == "won" for c, u in zip(frame["change"], frame["unit"], strict=True)]
    down = frame[falls]
    assert len(down), "the fixture month spends less on green coffee than the one before"
    page = monthly["summary"].to_html()
    for change in down["change"]:
        assert formatting.won(change) in page and formatting.won(change).startswith("−₩")


def test_the_sales_tables_are_the_stores_profit_of_the_month(monthly, store, monkeypatch):
    from themoon import sales

    october = sales.period_profit(store, *OCTOBER)
    september = sales.period_profit(store, *SEPTEMBER)
    profit = rows_by(monthly["profit"], "metric")
    for key, field in (("revenue_won", "revenue_won"), ("gross_profit_won", "gross_profit_won")):
        assert profit[key]["this_period"] == october[field] and profit[key]["previous_period"] == september[field]
    assert profit["roi_pct"]["this_period"] == october["roi_pct"]
    assert profit["gross_margin_pct"]["this_period"] == october["margin_pct"]
    items = monthly["items"].records()
    assert [(r["item"], r["qty"], r["gross_profit_won"], r["class"]) for r in items] == [
        (r["item"], r["qty"], r["gross_profit_won"], r["class"]) for r in october["items"]
    ]
    went = rows_by(monthly["reconciliation"], "product")
    for row in october["reconciliation"]:
        assert went[row["product"]]["unexplained_kg"] == row["unexplained_g"] / 1000
        assert went[row["product"]]["unexplained_won"] == row["unexplained_won"]
    # one place asks the store: the monthly builder calls sales.period_profit once for each month
    calls = []
    real = sales.period_profit
    monkeypatch.setattr(
        sales, "period_profit", lambda conn, first, last: calls.append((first, last)) or real(conn, first, last)
    )
    builders.monthly_cost(store_path(store), "2026-10", today=date(2026, 11, 28))
    assert calls == [OCTOBER, SEPTEMBER]


def store_path(conn) -> str:
    return conn.execute("PRAGMA database_list").fetchone()[2]


def test_the_letter_comes_first_and_says_what_the_tables_say(monthly):
    summary = rows_by(monthly["summary"], "metric")
    cost = summary["avg_cost_per_roasted_kg_won"]
    first = monthly.headlines[0]
    assert f"₩{cost['this_period']:,}" in first and f"₩{cost['previous_period']:,}" in first
    assert ("rose" if cost["this_period"] > cost["previous_period"] else "fell") in first
    profit = rows_by(monthly["profit"], "metric")["gross_profit_won"]["this_period"]
    assert f"₩{profit:,}" in monthly.headlines[1]
    page = monthly._repr_html_()
    assert page.index("themoon-letter") > page.index("<h1")


def _facts(**changes):
    from themoon.messages import Localized
    from themoon.reports.letter import MonthFacts

    october = parse_period("2026-10", "month", today=TODAY)
    facts = MonthFacts(
        period=october,
        previous=october.previous(),
        cost_per_kg=11_524,
        prev_cost_per_kg=11_342,  # +1.6 %
        revenue=2_000_000,
        prev_revenue=1_800_000,
        gross_profit=1_200_000,
        prev_gross_profit=1_000_000,  # +20 %
        margin_pct=60.0,
        roi_pct=150.0,
        target_margin_pct=60.0,
        below_target=[Localized("Cafe latte", "카페라테"), Localized("Dutch 500 ml", "더치 500ml")],
        fell_below=[Localized("Cafe latte", "카페라테")],
        unexplained=[(Localized("Momora", "모모라"), 18.2, 45_000)],
        unexplained_threshold_pct=15.0,
        anomalies=2,
        critical=1,
        loss_pct=17.4,
        expected_loss_pct=16.7,
    )
    for key, value in changes.items():
        setattr(facts, key, value)
    return facts


def test_the_headlines_of_a_hand_made_month_read_as_expected():
    from themoon.reports.letter import headlines

    assert headlines(_facts(), "en") == [
        "Cost per roasted kg rose 1.6 % to ₩11,524 (September 2026: ₩11,342).",
        "Gross profit ₩1,200,000 on net sales of ₩2,000,000 (margin 60.0 %, ROI 150.0 %): 20.0 % more than in "
        "September 2026.",
        "2 menu items are below the target margin of 60.0 %: Cafe latte, Dutch 500 ml.",
        "New below the target this month: Cafe latte.",
        "1 product(s) had more than 15.0 % of their roasted coffee not explained by sales: Momora (18.2 %, ₩45,000).",
        "Loss 17.4 % against 16.7 % expected; 2 anomalous batch(es), 1 critical.",
    ]
    korean = headlines(_facts(), "ko")
    assert korean[0] == "원두 kg당 원가가 1.6 % 올라 ₩11,524입니다 (2026년 9월: ₩11,342)."
    assert "2개 메뉴가 목표 마진 60.0 % 아래입니다: 카페라테, 더치 500ml." in korean
    lower = headlines(_facts(cost_per_kg=11_000, gross_profit=-134_627, prev_gross_profit=1_000), "en")
    assert lower[0] == "Cost per roasted kg fell 3.0 % to ₩11,000 (September 2026: ₩11,342)."
    assert lower[1].startswith("Gross profit −₩134,627 on net sales") and "less than in September 2026" in lower[1]
    quiet = headlines(_facts(cost_per_kg=None, revenue=0, below_target=[], fell_below=[], anomalies=0), "en")
    assert quiet[:3] == [
        "Nothing was roasted this month.",
        "No sales were recorded this month: import the till's export to see profit.",
        "Every menu item is at or above the target margin of 60.0 %.",
    ]


def test_a_pdf_that_cannot_be_printed_leaves_the_report_published_and_says_why(fake_papermill, tmp_path, demo_db):
    root = tmp_path / "no-pdf"
    entry = runner.run_report("monthly_cost", "2026-10", db=demo_db, reports_root=root, today=date(2026, 11, 28))
    assert entry["status"] == "ok" and entry["pdf_path"] is None and "pdf" not in entry["files"]
    assert entry["pdf_error"] == "pdf: /usr/bin/chromium is missing"
    folder = root / "monthly_cost" / "2026-10"
    assert sorted(p.suffix for p in folder.iterdir()) == [".html", ".ipynb", ".xlsx"]
    assert index.read_index(root)[-1]["pdf_error"] == entry["pdf_error"]
