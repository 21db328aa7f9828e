"""The tables of each report, computed once from the package's own numbers.

Every number comes from `themoon.analytics.Analytics` (DuckDB over the store; its tests hold it
equal to `roasting.list_batches`, `kpis.overview`, `inventory.stock`, `costs.menu_costs`), the
purchase list from `themoon.inventory.list_purchases`, and the margin target from
`themoon.kpis`. This module only selects, renames, joins and compares periods: the change
columns (`change`, `change_pct`, `prev_*`) are its only arithmetic, and grams are shown as kg.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import pandas as pd

from .. import kpis
from ..messages import pair
from .frames import _ALL, _change_pct, _dates, _difference, _kg, _purchases, _report, _select, _sources, _whole
from .periods import Period, parse_period
from .tables import Report, Table

# --- the KPI summary (all reports with a period of days) ------------------------------------------

# (metric, unit); its label is the message report.metric.<metric>
SUMMARY_METRICS: tuple[tuple[str, str], ...] = (
    ("batches", "int"),
    ("sessions", "int"),
    ("roasted_kg", "kg"),
    ("green_kg", "kg"),
    ("weighted_loss_pct", "pct"),
    ("avg_loss_pct", "pct"),
    ("expected_loss_pct", "pct"),
    ("loss_variance_pts", "pts"),
    ("green_cost_won", "won"),
    ("roast_cost_won", "won"),
    ("avg_cost_per_roasted_kg_won", "won"),
    ("excess_loss_won", "won"),
    ("anomalies", "int"),
    ("critical", "int"),
    ("purchases", "int"),
    ("purchased_kg", "kg"),
    ("purchases_won", "won"),
    ("stock_kg", "kg"),
    ("stock_value_won", "won"),
    ("cup_margin_pct", "pct"),
)


def _period_figures(engine, conn, period: Period) -> dict[str, Any]:
    figures = dict(engine.kpis(period.start, period.end))
    figures["green_kg"] = _kg(figures["green_g"])
    figures["stock_kg"] = _kg(figures["stock_g"])
    bought = _purchases(conn, period.start, period.end)
    figures["purchases"] = len(bought)
    figures["purchased_kg"] = float(bought["purchased_kg"].sum()) if len(bought) else 0.0
    figures["purchases_won"] = int(bought["total_won"].sum()) if len(bought) else 0
    figures["cup_margin_pct"] = kpis.average_margin(engine.menu_costs(period.end), "cup")
    return figures


def summary_table(engine, conn, period: Period, previous: Period) -> Table:
    now, before = _period_figures(engine, conn, period), _period_figures(engine, conn, previous)
    rows = []
    for key, unit in SUMMARY_METRICS:
        new, old = now.get(key), before.get(key)
        label, label_ko = pair(f"report.metric.{key}")
        rows.append(
            {
                "metric": key,
                "label": label,
                "label_ko": label_ko,
                "unit": unit,
                "this_period": new,
                "previous_period": old,
                "change": _difference(new, old),
                "change_pct": None if unit in ("pct", "pts") else _change_pct(new, old),
            }
        )
    frame = pd.DataFrame({key: pd.Series([row[key] for row in rows], dtype=object) for key in rows[0]})
    return Table(
        "summary",
        *pair("report.table.summary", period=period.label, previous=previous.label),
        frame,
        note="change = this − previous (points for percentages); stock and margin as of each period's last day",
        row_unit_columns=("this_period", "previous_period", "change", "change_pct"),
    )


# --- monthly cost report --------------------------------------------------------------------------

MONTHLY_TITLE = pair("report.title.monthly_cost")


def monthly_cost(
    db_path: str | os.PathLike | None = None,
    period: str = "previous",
    *,
    trend_months: int = 12,
    today: date | None = None,
) -> Report:
    """Costs per product and their breakdown, loss and anomalies, purchases and stock value,
    menu margins, each against the previous month, and a trend of the last `trend_months`."""
    chosen = parse_period(period, "month", today=today)
    trend_months = int(trend_months)
    if not 1 <= trend_months <= 120:
        raise ValueError("trend_months must be between 1 and 120")
    previous = chosen.previous()
    with _sources(db_path) as (path, engine, conn):
        tables = [
            summary_table(engine, conn, chosen, previous),
            _costs_by_product(engine, chosen, previous),
            _cost_breakdown(engine, chosen),
            _loss_by(engine, chosen, "product"),
            _anomalies(engine, chosen),
            _purchase_table(conn, chosen),
            _stock_movement(engine, chosen),
            _menu_margins(engine, chosen, previous),
            _monthly_trend(engine, chosen, trend_months),
        ]
    return _report("monthly_cost", MONTHLY_TITLE, chosen, tables, path, period=chosen.label, trend_months=trend_months)


def _costs_by_product(engine, period: Period, previous: Period) -> Table:
    now = engine.profitability(period.start, period.end)["products"]
    before = engine.profitability(previous.start, previous.end)["products"]
    columns = [
        "product",
        "kind",
        "name_en",
        "batches",
        "roasted_kg",
        "roast_cost_won",
        "actual_cost_per_kg_won",
        "prev_actual_cost_per_kg_won",
        "change_pct",
        "standard_cost_per_kg_won",
        "actual_vs_standard_pct",
    ]
    if now.empty:
        return Table("costs_by_product", *pair("report.table.costs_by_product"), pd.DataFrame(columns=columns))
    frame = now.merge(
        before[["product", "kind", "batches", "actual_cost_per_kg_won"]].rename(
            columns={"batches": "prev_batches", "actual_cost_per_kg_won": "prev_actual_cost_per_kg_won"}
        ),
        on=["product", "kind"],
        how="left",
    )
    frame = frame[(frame["batches"] > 0) | (frame["prev_batches"].fillna(0) > 0)].copy()
    _whole(frame, "actual_cost_per_kg_won", "prev_actual_cost_per_kg_won", "standard_cost_per_kg_won")
    frame["change_pct"] = [
        _change_pct(n, o)
        for n, o in zip(frame["actual_cost_per_kg_won"], frame["prev_actual_cost_per_kg_won"], strict=True)
    ]
    frame = frame.sort_values(["roast_cost_won", "product"], ascending=[False, True])
    return Table(
        "costs_by_product",
        *pair("report.table.costs_by_product"),
        frame[columns].reset_index(drop=True),
        note="actual = the month's roast cost ÷ roasted kg; standard = the planning cost on the month's last day",
        kinds={"change_pct": "pct"},
    )


def _cost_breakdown(engine, period: Period) -> Table:
    batches = engine.batch_costs(since=period.start, until=period.end)
    columns = ["product", "batches", "green_cost_won", "roasting_cost_won", "session_cost_won", "roast_cost_won"]
    if batches.empty:
        frame = pd.DataFrame(columns=columns)
    else:
        grouped = batches.groupby("product", observed=True).agg(
            batches=("id", "size"),
            green_cost_won=("green_cost_won", "sum"),
            roasting_cost_won=("roasting_cost_won", "sum"),
            session_cost_won=("session_cost_won", "sum"),
            roast_cost_won=("batch_cost_won", "sum"),
        )
        frame = grouped.reset_index().astype({c: "int64" for c in columns[1:]})
        frame = frame.sort_values(["roast_cost_won", "product"], ascending=[False, True]).reset_index(drop=True)
    return Table(
        "cost_breakdown",
        *pair("report.table.cost_breakdown"),
        frame,
        note="green = frozen green cost; roasting = ₩/kg roasted; session = energy + labour + misc of the day, "
        "shared by green weight. Parts are rounded per batch, so they may differ from the total by a few won.",
    )


def _loss_by(engine, period: Period, dimension: str) -> Table:
    found = engine.loss_by(dimension, period.start, period.end)
    columns = [
        dimension,
        "batches",
        "green_g",
        "roasted_g",
        "weighted_loss_pct",
        "avg_loss_pct",
        "expected_loss_pct",
        "sd_pct",
        "min",
        "q1",
        "median",
        "q3",
        "max",
        "anomalies",
        "anomaly_rate",
        "excess_lost_g",
        "excess_loss_won",
    ]
    frame = _select(found, columns).rename(columns={c: f"{c}_loss_pct" for c in ("min", "q1", "median", "q3", "max")})
    if not frame.empty:
        frame = frame.sort_values(["batches", dimension], ascending=[False, True]).reset_index(drop=True)
    return Table(
        f"loss_by_{dimension}",
        *pair(f"report.table.loss_by_{dimension}"),
        frame,
        note="weighted = (green − roasted) ÷ green over all batches; sd, min, quartiles, max of the batch losses",
        kinds={"sd_pct": "float"},
    )


# A batch and its loss against the expected, as the batch and the alert tables begin.
_BATCH_LOSS_COLUMNS = (
    "roasted_on",
    "batch_id",
    "product",
    "operator",
    "green_g",
    "roasted_g",
    "loss_pct",
    "expected_loss_pct",
    "variance_pct",
)


def _anomalies(engine, period: Period, *, open_only: bool = False, name: str = "anomalies") -> Table:
    if open_only:
        found = engine.anomalies(open_only=True, limit=_ALL)
    else:
        found = engine.anomalies(period.start, period.end, limit=_ALL)
    columns = [
        *_BATCH_LOSS_COLUMNS,
        "level",
        "direction",
        "run_length",
        "resolved",
        "excess_loss_won",
    ]
    frame = _dates(_select(found, columns), "roasted_on")
    if not frame.empty:
        frame = frame.sort_values(["roasted_on", "batch_id"]).reset_index(drop=True)
    if open_only:
        title = pair("report.table.open_alerts")
    else:
        title = pair("report.table.anomalies")
    return Table(
        name,
        *title,
        frame,
        note="|loss − expected| > 3 pt: WARNING (HIGH above, LOW below), > 5 pt: CRITICAL; "
        "run_length = consecutive anomalous batches of the product",
        kinds={"batch_id": "text", "run_length": "int"},
    )


def _purchase_table(conn, period: Period, *, name: str = "purchases") -> Table:
    return Table(
        name,
        *pair("report.table.purchases"),
        _purchases(conn, period.start, period.end),
        note="total incl. freight and duty; price per kg = total ÷ kg",
    )


def _stock_table(engine, on: date) -> pd.DataFrame:
    stock = engine.stock(on)
    return stock[stock["active"] | (stock["stock_g"] != 0)].reset_index(drop=True)


def _stock_frame(stock: pd.DataFrame, **columns: Any) -> pd.DataFrame:
    """One row a bean of `stock`: its code and names, then `columns`, then whether it is low."""
    named = {"bean": stock["code"], "name_en": stock["name_en"], "name_ko": stock["name_ko"]}
    return pd.DataFrame({**named, **columns, "low": stock["low"].astype(bool)})


def _stock_movement(engine, period: Period) -> Table:
    closing = _stock_table(engine, period.end)
    opening = engine.stock(period.start - timedelta(days=1)).set_index("bean_id")
    frame = _stock_frame(
        closing,
        opening_stock_kg=[_kg(opening.loc[b, "stock_g"]) for b in closing["bean_id"]],
        opening_value_won=[int(opening.loc[b, "value_won"]) for b in closing["bean_id"]],
        closing_stock_kg=[_kg(g) for g in closing["stock_g"]],
        avg_cost_per_kg_won=closing["avg_cost_per_kg_won"],
        closing_value_won=closing["value_won"].astype("int64"),
        reorder_point_kg=[_kg(g) for g in closing["reorder_point_g"]],
    )
    return Table(
        "stock",
        *pair("report.table.stock_movement"),
        frame,
        note="opening = end of the day before the period; closing = end of its last day; "
        "value at the moving-average cost",
    )


def _menu_margins(engine, period: Period, previous: Period) -> Table:
    now = pd.DataFrame(engine.menu_costs(period.end))
    columns = [
        "item",
        "name_en",
        "name_ko",
        "channel",
        "product",
        "dose_g",
        "price_won",
        "cost_won",
        "suggested_price_won",
        "margin_pct",
        "prev_margin_pct",
        "margin_change_pts",
        "actual_cost_won",
        "actual_margin_pct",
        "below_target",
    ]
    if now.empty:
        return Table("menu_margins", *pair("report.table.menu_margins"), pd.DataFrame(columns=columns))
    before = pd.DataFrame(engine.menu_costs(previous.end))[["item", "margin_pct"]]
    actual = engine.profitability(period.start, period.end)["menu"][["item", "actual_cost_won", "actual_margin_pct"]]
    frame = now.merge(before.rename(columns={"margin_pct": "prev_margin_pct"}), on="item", how="left")
    frame = frame.merge(actual, on="item", how="left")
    target = kpis.target_margin_pct(engine.settings_on(period.end))
    frame["margin_change_pts"] = [
        _difference(n, o) for n, o in zip(frame["margin_pct"], frame["prev_margin_pct"], strict=True)
    ]
    frame["below_target"] = [bool(m is not None and not pd.isna(m) and m < target) for m in frame["margin_pct"]]
    _whole(frame, "cost_won", "suggested_price_won", "actual_cost_won")
    frame = frame.sort_values(["channel", "margin_pct", "item"], na_position="last").reset_index(drop=True)
    return Table(
        "menu_margins",
        *pair("report.table.menu_margins"),
        frame[columns],
        note=f"standard cost on the month's last day (margin target {target:.1f} % from the price multiplier); "
        "actual = with the month's actual cost per roasted kg",
    )


def _monthly_trend(engine, period: Period, months: int) -> Table:
    first = period.start
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    found = engine.trend("month", first, period.end)
    columns = [
        "period",
        "batches",
        "roasted_kg",
        "green_kg",
        "roast_cost_won",
        "cost_per_roasted_kg_won",
        "weighted_loss_pct",
        "expected_loss_pct",
        "excess_loss_won",
        "anomalies",
    ]
    frame = _select(found, columns, ("period",), green_kg=lambda f: f["green_g"] / 1000)
    return Table(
        "trend",
        *pair("report.table.trend", months=months),
        frame,
        note="months with roasts only; cost per roasted kg = the month's roast cost ÷ roasted kg",
    )


# --- weekly roasting report -----------------------------------------------------------------------

WEEKLY_TITLE = pair("report.title.weekly_roasting")


def weekly_roasting(
    db_path: str | os.PathLike | None = None, period: str = "previous", *, today: date | None = None
) -> Report:
    """Every batch of the week with its loss and cost, roasting per day, loss per product and
    operator, the week's alerts, the 30-day loss status and every alert still open."""
    chosen = parse_period(period, "week", today=today)
    previous = chosen.previous()
    with _sources(db_path) as (path, engine, conn):
        tables = [
            summary_table(engine, conn, chosen, previous),
            _batches(engine, chosen),
            _by_day(engine, chosen),
            _by_day_product(engine, chosen),
            _loss_by(engine, chosen, "product"),
            _loss_by(engine, chosen, "operator"),
            _anomalies(engine, chosen, name="alerts"),
            _loss_status(engine, chosen),
            _anomalies(engine, chosen, open_only=True, name="open_alerts"),
        ]
    return _report("weekly_roasting", WEEKLY_TITLE, chosen, tables, path, period=chosen.label)


def _batches(engine, period: Period) -> Table:
    found = engine.batch_costs(since=period.start, until=period.end)
    alerts = engine.anomalies(period.start, period.end, limit=_ALL)
    columns = [
        *_BATCH_LOSS_COLUMNS,
        "alert",
        "run_length",
        "green_cost_won",
        "roasting_cost_won",
        "session_cost_won",
        "batch_cost_won",
        "cost_per_roasted_kg_won",
    ]
    if found.empty:
        return Table("batches", *pair("report.table.batches"), pd.DataFrame(columns=columns))
    frame = found.rename(columns={"id": "batch_id"}).copy()
    frame["operator"] = frame["operator"].astype(str)
    by_batch = {int(r.batch_id): (f"{r.level} {r.direction}", int(r.run_length)) for r in alerts.itertuples()}
    frame["alert"] = [by_batch.get(int(b), ("", None))[0] for b in frame["batch_id"]]
    frame["run_length"] = pd.array([by_batch.get(int(b), ("", None))[1] for b in frame["batch_id"]], dtype="Int64")
    for column in (
        "green_g",
        "roasted_g",
        "green_cost_won",
        "roasting_cost_won",
        "session_cost_won",
        "batch_cost_won",
        "cost_per_roasted_kg_won",
        "batch_id",
    ):
        frame[column] = frame[column].astype("int64")
    frame = _dates(frame, "roasted_on").sort_values(["roasted_on", "batch_id"]).reset_index(drop=True)
    return Table(
        "batches",
        *pair("report.table.batches"),
        frame[columns],
        note="loss = (green − roasted) ÷ green; variance = loss − expected; cost = green + roasting + "
        "the day's session costs shared by green weight",
        kinds={"batch_id": "text", "run_length": "int"},
    )


def _by_day(engine, period: Period) -> Table:
    found = engine.trend("day", period.start, period.end)
    columns = [
        "day",
        "batches",
        "roasted_kg",
        "green_kg",
        "weighted_loss_pct",
        "roast_cost_won",
        "cost_per_roasted_kg_won",
        "anomalies",
    ]
    frame = _select(found, columns, ("day",), day=lambda f: f["period"], green_kg=lambda f: f["green_g"] / 1000)
    return Table("by_day", *pair("report.table.by_day"), frame)


def _by_day_product(engine, period: Period) -> Table:
    found = engine.trend("day", period.start, period.end, by_product=True)
    columns = [
        "day",
        "product",
        "kind",
        "name_en",
        "batches",
        "roasted_kg",
        "roast_cost_won",
        "cost_per_roasted_kg_won",
        "weighted_loss_pct",
    ]
    frame = _select(found, columns, ("day",), day=lambda f: f["period"])
    return Table("by_day_product", *pair("report.table.by_day_product"), frame)


def _loss_status(engine, period: Period) -> Table:
    found = engine.loss_status(period.end)
    if found.empty or "active" not in found:
        found = pd.DataFrame(columns=["product", "kind", "active", "anomalies_30d", "longest_run_30d", "status"])
    frame = found[found["active"].astype(bool)].drop(columns="active").reset_index(drop=True)
    order = {"CRITICAL": 0, "ATTENTION": 1, "NORMAL": 2}
    frame = frame.assign(_o=[order.get(s, 3) for s in frame["status"]]).sort_values(["_o", "product"])
    return Table(
        "loss_status",
        *pair("report.table.loss_status", day=period.end.isoformat()),
        frame.drop(columns="_o").reset_index(drop=True),
        note="anomalies in the 30 days up to the week's end: NORMAL < 2, ATTENTION 2–4, CRITICAL ≥ 5",
    )


# --- inventory report -----------------------------------------------------------------------------

INVENTORY_TITLE = pair("report.title.inventory")


def inventory_report(
    db_path: str | os.PathLike | None = None,
    period: str = "previous",
    *,
    lead_time_days: int = 7,
    cover_days: int = 28,
    order_window_days: int = 7,
    level: float = 0.8,
    value_weeks: int = 26,
    today: date | None = None,
) -> Report:
    """Green stock and its value at the end of a day, run-out dates with their interval, reorder
    suggestions, the stock value over the last `value_weeks` weeks and the last 90 days' purchases."""
    chosen = parse_period(period, "day", today=today)
    lead_time_days, cover_days = int(lead_time_days), int(cover_days)
    order_window_days, value_weeks, level = int(order_window_days), int(value_weeks), float(level)
    if not 0 <= lead_time_days <= 180 or not 1 <= cover_days <= 365:
        raise ValueError("lead_time_days must be 0–180 and cover_days 1–365")
    if not 0 <= order_window_days <= 90 or not 1 <= value_weeks <= 520 or not 0 < level < 1:
        raise ValueError("order_window_days must be 0–90, value_weeks 1–520, level between 0 and 1")
    as_of = chosen.end
    with _sources(db_path) as (path, engine, conn):
        runout = _runout(engine, as_of, lead_time_days, cover_days, level)
        tables = [
            _stock_now(engine, as_of),
            runout,
            _reorder(runout, as_of, order_window_days),
            _stock_value(engine, as_of, value_weeks),
            _purchase_table(conn, Period("day", as_of - timedelta(days=89), as_of, ""), name="purchases_90d"),
        ]
    return _report(
        "inventory",
        INVENTORY_TITLE,
        chosen,
        tables,
        path,
        period=chosen.label,
        lead_time_days=lead_time_days,
        cover_days=cover_days,
        order_window_days=order_window_days,
        level=level,
        value_weeks=value_weeks,
    )


def _stock_now(engine, as_of: date) -> Table:
    stock = _stock_table(engine, as_of)
    frame = _stock_frame(
        stock,
        stock_kg=[_kg(g) for g in stock["stock_g"]],
        reorder_point_kg=[_kg(g) for g in stock["reorder_point_g"]],
        avg_cost_per_kg_won=stock["avg_cost_per_kg_won"],
        value_won=stock["value_won"].astype("int64"),
    )
    return Table(
        "stock",
        *pair("report.table.stock_now", day=as_of.isoformat()),
        frame,
        note="stock = purchases − roasts ± stocktakes; value at the moving-average cost; low = at or below the "
        "reorder point",
    )


def _runout(engine, as_of: date, lead_time_days: int, cover_days: int, level: float) -> Table:
    found = engine.runout(as_of, lead_time_days=lead_time_days, cover_days=cover_days, level=level)
    columns = [
        "bean",
        "name_en",
        "stock_kg",
        "usage_per_day_g",
        "forecast_next_7d_g",
        "runout_date",
        "runout_early",
        "runout_late",
        "days_left",
        "reorder_date",
        "reorder_qty_kg",
    ]
    if found.empty:
        return Table("runout", *pair("report.table.runout_none"), pd.DataFrame(columns=columns))
    frame = found.copy()
    frame["stock_kg"] = [_kg(g) for g in frame["stock_g"]]
    frame["reorder_qty_kg"] = [_kg(g) for g in frame["reorder_qty_g"]]
    frame = _dates(frame, "runout_date", "runout_early", "runout_late", "reorder_date")
    frame["days_left"] = pd.array(
        [None if d is None else (d - as_of).days for d in frame["runout_date"]], dtype="Int64"
    )
    frame = frame.sort_values(["runout_date", "bean"], na_position="last").reset_index(drop=True)
    return Table(
        "runout",
        *pair("report.table.runout"),
        frame[columns],
        note=f"forecast: day-of-week profile of recent use; early/late = the {level:.0%} interval; reorder date = "
        f"early run-out − {lead_time_days} days lead time; quantity covers {cover_days} days after arrival "
        "plus safety stock, whole kg",
    )


def _reorder(runout: Table, as_of: date, window: int) -> Table:
    columns = ["bean", "name_en", "order_by", "reorder_qty_kg", "stock_kg", "runout_date", "runout_early", "why"]
    frame = runout.frame
    if frame.empty:
        return Table("reorder", *pair("report.table.reorder_none"), pd.DataFrame(columns=columns))
    horizon = as_of + timedelta(days=window)
    due = frame[[d is not None and d <= horizon for d in frame["reorder_date"]]].copy()
    due["order_by"] = due["reorder_date"]
    due["why"] = [
        "order now: a lot ordered today arrives just in time or late"
        if d <= as_of
        else f"order within {(d - as_of).days} days"
        for d in due["reorder_date"]
    ]
    due = due.sort_values(["order_by", "bean"]).reset_index(drop=True)
    return Table(
        "reorder",
        *pair("report.table.reorder", day=horizon.isoformat()),
        due[columns],
        note=f"beans whose suggested reorder date falls within {window} days of {as_of.isoformat()}",
        kinds={"order_by": "date"},
    )


def _stock_value(engine, as_of: date, weeks: int) -> Table:
    found = engine.stock_value("week", as_of - timedelta(days=7 * weeks - 1), as_of)
    columns = ["period", "as_of", "stock_kg", "value_won"]
    frame = _select(
        found,
        columns,
        ("period", "as_of"),
        stock_kg=lambda f: f["stock_g"] / 1000,
        value_won=lambda f: f["value_won"].astype("int64"),
    )
    return Table(
        "stock_value",
        *pair("report.table.stock_value", weeks=weeks),
        frame,
        note="at the end of each week (Monday = the week's start)",
    )


REPORT_BUILDERS = {
    "monthly_cost": monthly_cost,
    "weekly_roasting": weekly_roasting,
    "inventory": inventory_report,
}

__all__ = ["REPORT_BUILDERS", "inventory_report", "monthly_cost", "summary_table", "weekly_roasting"]
