"""Dashboard figures: plain numbers, dicts and lists (no widgets).

Two readers give the Overview the same numbers:

- `dashboard(conn, since, until)` reads through the store API (`roasting.list_batches` for
  batch costs and losses, `inventory.stock` for stock and its value, `roasting.list_alerts`
  for alerts) and only sums, averages and groups: the reference, fine for a café's store;
- `overview_data(analytics, since, until, product)` reads everything from
  `themoon.analytics.Analytics` (DuckDB over the store), which equals the store's numbers (its
  tests and ours check it) and stays fast at a million batches: what the dashboard uses.

Money is integer won; weights are integer grams with a rounded kg alongside; percentages are
floats rounded half-up to 2 decimals for display.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from . import catalog, cost_settings, inventory, roasting
from .costing import loss_pct, round_decimal, round_won

PERIODS = ("month", "30d", "90d", "year", "12m")
# Enough for any café: list_alerts needs a limit, a count must not be capped by it.
_ALL = 10_000_000


def period_bounds(period: str, today: date | None = None) -> tuple[date, date]:
    """(since, until) of a named period ending today, both inclusive."""
    today = today or date.today()
    if period == "month":
        return today.replace(day=1), today
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "90d":
        return today - timedelta(days=89), today
    if period == "year":
        return today.replace(month=1, day=1), today
    if period == "12m":
        return today - timedelta(days=364), today
    raise ValueError(f"unknown period {period!r}; expected one of {PERIODS}")


def week_start(day: date) -> date:
    """The Monday of the ISO week a day falls in."""
    return day - timedelta(days=day.weekday())


def _pct(value: Fraction | None) -> float | None:
    return None if value is None else float(round_decimal(value, 2))


def _kg(grams: int) -> float:
    return float(round_decimal(Fraction(grams, 1000), 3))


def is_empty(conn: sqlite3.Connection) -> bool:
    """True when nothing has been recorded yet (no beans, blends, purchases or roasts)."""
    row = conn.execute(
        "SELECT (SELECT COUNT(*) FROM beans) + (SELECT COUNT(*) FROM blends)"
        " + (SELECT COUNT(*) FROM purchases) + (SELECT COUNT(*) FROM roast_batches)"
    ).fetchone()
    return row[0] == 0


def batches_in(conn: sqlite3.Connection, since: date, until: date) -> list[dict]:
    """Every batch of the period with its loss and cost (roasting.list_batches, unlimited)."""
    return roasting.list_batches(conn, since=since, until=until, limit=None)


def overview(
    conn: sqlite3.Connection,
    since: date,
    until: date,
    *,
    batches: list[dict] | None = None,
    stock_rows: list[dict] | None = None,
) -> dict[str, Any]:
    """The KPI cards of a period [since, until]; stock and alerts are as of `until` / now.

    `batches` / `stock_rows` may be passed when the caller already loaded them.
    """
    if batches is None:
        batches = batches_in(conn, since, until)
    if stock_rows is None:
        stock_rows = inventory.stock(conn, on=until)
    roasted_g = sum(b["roasted_g"] for b in batches)
    green_g = sum(b["green_g"] for b in batches)
    cost_won = sum(b["batch_cost_won"] for b in batches)
    if batches:
        avg_loss = sum((loss_pct(b["green_g"], b["roasted_g"]) for b in batches), Fraction(0)) / len(batches)
        weighted_loss = loss_pct(green_g, roasted_g)
        expected = sum((Fraction(str(b["expected_loss_pct"])) for b in batches), Fraction(0)) / len(batches)
        cost_per_kg = round_won(Fraction(cost_won * 1000, roasted_g))
        variance = avg_loss - expected
    else:
        avg_loss = weighted_loss = variance = None
        expected = cost_settings.settings_on(conn, until).expected_loss_pct
        cost_per_kg = None
    alerts = roasting.list_alerts(conn, open_only=True, limit=_ALL)
    return {
        "since": since,
        "until": until,
        "batches": len(batches),
        "roasted_g": roasted_g,
        "roasted_kg": _kg(roasted_g),
        "green_g": green_g,
        "avg_loss_pct": _pct(avg_loss),
        "weighted_loss_pct": _pct(weighted_loss),
        "expected_loss_pct": _pct(expected),
        "loss_variance_pts": _pct(variance),
        "roast_cost_won": cost_won,
        "avg_cost_per_roasted_kg_won": cost_per_kg,
        "stock_g": sum(max(r["stock_g"], 0) for r in stock_rows),
        "stock_value_won": sum(r["value_won"] for r in stock_rows),
        "beans_in_stock": sum(1 for r in stock_rows if r["stock_g"] > 0),
        "low_stock_count": sum(1 for r in stock_rows if r["low"]),
        "open_alerts": len(alerts),
        "open_critical_alerts": sum(1 for a in alerts if a["level"] == "CRITICAL"),
    }


def weekly_roasted(
    conn: sqlite3.Connection, since: date, until: date, *, batches: list[dict] | None = None
) -> list[dict]:
    """Roasted weight per (Monday of the week, product), oldest week first, then by product code."""
    if batches is None:
        batches = batches_in(conn, since, until)
    grams: dict[tuple[date, str], int] = defaultdict(int)
    counts: dict[tuple[date, str], int] = defaultdict(int)
    names: dict[str, tuple[str, str, str]] = {}
    for b in batches:
        key = (week_start(date.fromisoformat(b["roasted_on"])), b["product"])
        grams[key] += b["roasted_g"]
        counts[key] += 1
        names[b["product"]] = (b["product_kind"], b["product_name_en"], b["product_name_ko"])
    return [
        {
            "week": week,
            "product": product,
            "kind": names[product][0],
            "name_en": names[product][1],
            "name_ko": names[product][2],
            "batches": counts[(week, product)],
            "roasted_g": grams[(week, product)],
            "roasted_kg": _kg(grams[(week, product)]),
        }
        for week, product in sorted(grams)
    ]


def stock_levels(
    conn: sqlite3.Connection, on: date | None = None, *, stock_rows: list[dict] | None = None
) -> list[dict]:
    """Stock of every active bean against its reorder point (for the stock chart), in bean order."""
    if stock_rows is None:
        stock_rows = inventory.stock(conn, on=on, active_only=True)
    else:
        active = {b["id"] for b in catalog.list_beans(conn, active=True)}
        stock_rows = [r for r in stock_rows if r["bean_id"] in active]
    return [
        {
            **row,
            "stock_kg": _kg(row["stock_g"]),
            "reorder_point_kg": _kg(row["reorder_point_g"]),
            "short_g": max(row["reorder_point_g"] - row["stock_g"], 0),
        }
        for row in stock_rows
    ]


def low_stock(conn: sqlite3.Connection, on: date | None = None, *, stock_rows: list[dict] | None = None) -> list[dict]:
    """Active beans at or below their reorder point, the largest shortfall first."""
    rows = [r for r in stock_levels(conn, on, stock_rows=stock_rows) if r["low"]]
    return sorted(rows, key=lambda r: (-(r["reorder_point_g"] - r["stock_g"]), r["bean_id"]))


def dashboard(conn: sqlite3.Connection, since: date, until: date) -> dict[str, Any]:
    """Everything the overview page shows, read once: overview, weekly rows, stock, low stock."""
    batches = batches_in(conn, since, until)
    stock_rows = inventory.stock(conn, on=until)
    return {
        "empty": is_empty(conn),
        "overview": overview(conn, since, until, batches=batches, stock_rows=stock_rows),
        "weekly": weekly_roasted(conn, since, until, batches=batches),
        "stock": stock_levels(conn, until, stock_rows=stock_rows),
        "low_stock": low_stock(conn, until, stock_rows=stock_rows),
    }


# --- margins --------------------------------------------------------------------------------------


def target_margin_pct(settings) -> float:
    """The margin the owner's price multiplier aims at: a price of cost × m keeps (1 − 1/m) of it
    (× 2.5 → 60 %). Menu items below it are flagged."""
    return float(round_decimal((1 - 1 / settings.multiplier) * 100, 1))


def average_margin(menu_rows: list[dict], channel: str | None = "cup") -> float | None:
    """The plain mean of the margins of the active menu items of a channel (costs.menu_costs rows,
    or Analytics.menu_costs rows) that have a price and a cost; None when there are none."""
    margins = [
        Fraction(str(r["margin_pct"]))
        for r in menu_rows
        if r.get("margin_pct") is not None and (channel is None or r["channel"] == channel)
    ]
    if not margins:
        return None
    return float(round_decimal(sum(margins, Fraction(0)) / len(margins), 1))


def low_margins(menu_rows: list[dict], target_pct: float) -> list[dict]:
    """Menu items whose margin is below the target, the lowest first."""
    rows = [r for r in menu_rows if r.get("margin_pct") is not None and r["margin_pct"] < target_pct]
    return sorted(rows, key=lambda r: (r["margin_pct"], r["item"]))


# --- the Overview from the analytics engine ----------------------------------------------------------


def trend_grain(since: date, until: date) -> str:
    """Weekly points for up to about three months, monthly beyond."""
    return "week" if (until - since).days <= 100 else "month"


def _records(frame) -> list[dict]:
    return [] if frame is None or not len(frame) else frame.to_dict("records")


def _missing(value) -> bool:
    """None, NaN, NaT or pandas' NA."""
    try:
        return value is None or bool(value != value)
    except TypeError:  # pd.NA refuses to be a bool
        return True


def _date(value) -> date | None:
    if _missing(value):
        return None
    return value.date() if hasattr(value, "date") else value


def _int(value) -> int | None:
    return None if _missing(value) else int(value)


class OverviewCache:
    """What does not depend on the period or product filter (stock, run-out, menu margins,
    open alerts), kept per analytics load and day so a filter change does not recompute it."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.value: dict[str, Any] = {}

    def get(self, analytics, on: date) -> dict[str, Any]:
        key = (id(analytics), analytics.generation, on)
        if key != self.key:
            self.value = _standing(analytics, on)
            self.key = key
        return self.value


def _standing(analytics, on: date) -> dict[str, Any]:
    stock = analytics.stock(on=on)
    runout = {r["bean"]: r for r in _records(analytics.runout(on, active_only=True))}
    levels = []
    for r in _records(stock):
        if not r["active"]:
            continue
        out = runout.get(r["code"], {})
        levels.append(
            {
                "bean": r["code"],
                "bean_id": int(r["bean_id"]),
                "name_en": r["name_en"],
                "name_ko": r["name_ko"],
                "stock_g": int(r["stock_g"]),
                "stock_kg": _kg(int(r["stock_g"])),
                "reorder_point_g": int(r["reorder_point_g"]),
                "reorder_point_kg": _kg(int(r["reorder_point_g"])),
                "value_won": int(r["value_won"]),
                "low": bool(r["low"]),
                "short_g": max(int(r["reorder_point_g"]) - int(r["stock_g"]), 0),
                "runout_date": _date(out.get("runout_date")),
                "reorder_date": _date(out.get("reorder_date")),
                "reorder_qty_g": _int(out.get("reorder_qty_g")),
            }
        )
    settings = analytics.settings_on(on)
    menu = analytics.menu_costs(on)
    target = target_margin_pct(settings)
    anomalies = _records(analytics.anomalies(open_only=True, limit=50))
    products = {(r["kind"], r["code"]): r for r in _records(analytics.products())}
    for a in anomalies:
        p = products.get((a["kind"], a["product"]), {})
        a["name_en"], a["name_ko"] = p.get("name_en", a["product"]), p.get("name_ko", "")
        a["roasted_on"] = _date(a["roasted_on"])
    return {
        "stock": levels,
        "low_stock": sorted((r for r in levels if r["low"]), key=lambda r: (-r["short_g"], r["bean_id"])),
        "menu": menu,
        "target_margin_pct": target,
        "cup_margin_pct": average_margin(menu, "cup"),
        "low_margins": low_margins(menu, target),
        "anomalies": anomalies,
        "product_order": [r["code"] for r in _records(analytics.products())],
        "products": list(products.values()),
    }


def overview_data(
    analytics,
    since: date,
    until: date,
    *,
    product: str | None = None,
    cache: OverviewCache | None = None,
) -> dict[str, Any]:
    """Everything the Overview shows for a period (and optionally one product's charts), from
    `themoon.analytics.Analytics`: the KPI cards, roasted kg per week and product, cost per
    roasted kg per period and product, the loss distribution per product, stock against reorder
    points with run-out dates, open loss alerts, low stock and low margins."""
    standing = (cache or OverviewCache()).get(analytics, until)
    cards = analytics.kpis(since, until)
    cards["cup_margin_pct"] = standing["cup_margin_pct"]
    cards["target_margin_pct"] = standing["target_margin_pct"]
    cards["low_margin_count"] = len(standing["low_margins"])
    weekly = [
        {
            "week": _date(r["period"]),
            "product": r["product"],
            "kind": r["kind"],
            "name_en": r["name_en"],
            "name_ko": r["name_ko"],
            "batches": int(r["batches"]),
            "roasted_g": int(r["roasted_g"]),
        }
        for r in _records(analytics.trend("week", since, until, by_product=True, product=product))
    ]
    grain = trend_grain(since, until)
    cost = [
        {
            "period": _date(r["period"]),
            "product": r["product"],
            "kind": r["kind"],
            "name_en": r["name_en"],
            "name_ko": r["name_ko"],
            "roasted_g": int(r["roasted_g"]),
            "cost_per_kg_won": _int(r["cost_per_roasted_kg_won"]),
        }
        for r in _records(analytics.trend(grain, since, until, by_product=True, product=product))
    ]
    overall = [
        {"period": _date(r["period"]), "cost_per_kg_won": _int(r["cost_per_roasted_kg_won"])}
        for r in _records(analytics.trend(grain, since, until))
        if not _missing(r["cost_per_roasted_kg_won"])
    ]
    names = {r["code"]: r for r in standing["products"]}
    loss = []
    for r in _records(analytics.loss_by("product", since, until)):
        if product and r["product"] != product.split(":")[-1]:
            continue
        p = names.get(r["product"], {})
        loss.append({**r, "name_en": p.get("name_en", r["product"]), "name_ko": p.get("name_ko", "")})
    return {
        "empty": analytics.batch_count == 0 and not standing["stock"] and not names,
        "since": since,
        "until": until,
        "product": product,
        "overview": cards,
        "weekly": weekly,
        "cost_grain": grain,
        "cost_trend": cost,
        "cost_overall": overall,
        "loss": loss,
        **standing,
    }
