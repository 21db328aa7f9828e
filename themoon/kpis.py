"""Dashboard figures: plain numbers, dicts and lists over a SQLite connection (no widgets).

Every number comes from the package's own functions (`roasting.list_batches` for batch
costs and losses, `inventory.stock` for stock and its value, `roasting.list_alerts` for
alerts); this module only sums, averages and groups them. Money is integer won; weights are
integer grams with a rounded kg alongside; percentages are floats rounded half-up to
2 decimals for display.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from . import catalog, cost_settings, inventory, roasting
from .costing import loss_pct, round_decimal, round_won

PERIODS = ("month", "30d", "90d", "year")
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
