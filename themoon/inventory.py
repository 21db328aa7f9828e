"""Green coffee: purchases, stocktake adjustments, stock and moving-average cost.

Stock is never stored: it is the sum of the `stock_ledger` view (purchases − roast
consumption ± adjustments). Ledger order within a day: purchases, then roasts, then
stocktake adjustments; ties by id.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from fractions import Fraction
from typing import Any

from . import audit, catalog
from .costing import moving_average, round_won
from .db import transaction
from .models import ValidationError, parse_date, parse_grams, parse_int, parse_text, parse_won

_ORDER = "on_date, kind_order, ref_id"
# A position after every real row of its (date, kind): new rows take the largest id.
LAST = 2**62


def add_purchase(
    conn: sqlite3.Connection,
    *,
    bean: Any,
    grams: Any,
    total_won: Any,
    purchased_on: Any = None,
    supplier: Any = "",
    lot_code: Any = "",
    notes: Any = "",
    external_id: str | None = None,
    user: str = "system",
) -> int:
    row = {
        "purchased_on": parse_date("purchased_on", purchased_on or date.today()).isoformat(),
        "grams": parse_grams("grams", grams),
        "total_won": parse_won("total_won", total_won),
        "supplier": parse_text("supplier", supplier),
        "lot_code": parse_text("lot_code", lot_code, max_len=60),
        "notes": parse_text("notes", notes, max_len=2000),
        "external_id": external_id,
    }
    with transaction(conn):
        row["bean_id"] = catalog.get_bean(conn, bean)["id"]
        purchase_id = conn.execute(
            "INSERT INTO purchases (purchased_on, bean_id, grams, total_won, supplier, lot_code,"
            " notes, external_id) VALUES (:purchased_on, :bean_id, :grams, :total_won, :supplier,"
            " :lot_code, :notes, :external_id)",
            row,
        ).lastrowid
        audit.record(conn, user, "create", "purchase", purchase_id, None, row)
    return purchase_id


def delete_purchase(conn: sqlite3.Connection, purchase_id: Any, *, user: str = "system") -> None:
    """Refused when the coffee of that lot has already been roasted (stock would go negative)."""
    purchase_id = parse_int("purchase_id", purchase_id, minimum=1)
    with transaction(conn):
        old = conn.execute("SELECT * FROM purchases WHERE id = ?", (purchase_id,)).fetchone()
        if old is None:
            raise ValidationError("purchase_id", f"no purchase {purchase_id}", "해당 입고 기록이 없습니다")
        conn.execute("DELETE FROM purchases WHERE id = ?", (purchase_id,))
        check_never_negative(conn, old["bean_id"])
        audit.record(conn, user, "delete", "purchase", purchase_id, dict(old), None)


def add_adjustment(
    conn: sqlite3.Connection,
    *,
    bean: Any,
    delta_g: Any,
    reason: Any,
    adjusted_on: Any = None,
    external_id: str | None = None,
    user: str = "system",
) -> int:
    delta = parse_int("delta_g", delta_g, minimum=-10_000_000, maximum=10_000_000)
    if delta == 0:
        raise ValidationError("delta_g", "must not be zero", "0이 아니어야 합니다")
    row = {
        "adjusted_on": parse_date("adjusted_on", adjusted_on or date.today()).isoformat(),
        "delta_g": delta,
        "reason": parse_text("reason", reason, max_len=500, required=True),
        "external_id": external_id,
    }
    with transaction(conn):
        row["bean_id"] = catalog.get_bean(conn, bean)["id"]
        adjustment_id = conn.execute(
            "INSERT INTO stock_adjustments (adjusted_on, bean_id, delta_g, reason, external_id)"
            " VALUES (:adjusted_on, :bean_id, :delta_g, :reason, :external_id)",
            row,
        ).lastrowid
        check_never_negative(conn, row["bean_id"])
        audit.record(conn, user, "create", "stock_adjustment", adjustment_id, None, row)
    return adjustment_id


def stocktake(
    conn: sqlite3.Connection,
    *,
    bean: Any,
    counted_g: Any,
    reason: Any = "stocktake",
    on: Any = None,
    user: str = "system",
) -> int | None:
    """Record a count: the adjustment is counted − book stock (None when they agree)."""
    counted = parse_grams("counted_g", counted_g, allow_zero=True)
    on_date = parse_date("on", on or date.today())
    with transaction(conn):
        bean_id = catalog.get_bean(conn, bean)["id"]
        delta = counted - stock_g(conn, bean_id, on_date)
        if delta == 0:
            return None
        return add_adjustment(conn, bean=bean_id, delta_g=delta, reason=reason, adjusted_on=on_date, user=user)


# --- derived stock and cost -------------------------------------------------------------------


def stock_g(conn: sqlite3.Connection, bean_id: int, on: date | None = None) -> int:
    """Book stock at the end of a day (default: everything recorded)."""
    sql, params = "SELECT COALESCE(SUM(delta_g), 0) FROM stock_ledger WHERE bean_id = ?", [bean_id]
    if on is not None:
        sql += " AND on_date <= ?"
        params.append(on.isoformat())
    return conn.execute(sql, params).fetchone()[0]


def available_g(conn: sqlite3.Connection, bean_id: int, on: date, *, batch_id: int | None = None) -> int:
    """Grams a roast on `on` can take without the stock going negative then or later.

    The roast sits at its ledger position (after that day's purchases); `batch_id` is left out
    of the ledger so an edited batch does not count against itself.
    """
    row = conn.execute(
        f"""
        WITH l AS (
            SELECT on_date, kind_order, ref_id, delta_g FROM stock_ledger
             WHERE bean_id = :bean AND NOT (kind = 'roast' AND ref_id = :batch)
        ), r AS (
            SELECT on_date, kind_order, ref_id, SUM(delta_g) OVER (ORDER BY {_ORDER}) AS balance
              FROM l
        )
        SELECT
          (SELECT COALESCE(SUM(delta_g), 0) FROM l
            WHERE (on_date, kind_order, ref_id) < (:day, 1, :pos)) AS before_g,
          (SELECT MIN(balance) FROM r
            WHERE (on_date, kind_order, ref_id) > (:day, 1, :pos)) AS later_min_g
        """,
        {"bean": bean_id, "batch": batch_id or -1, "day": on.isoformat(), "pos": batch_id or LAST},
    ).fetchone()
    before, later = row["before_g"], row["later_min_g"]
    return before if later is None else min(before, later)


def check_never_negative(conn: sqlite3.Connection, bean_id: int) -> None:
    """Refuse a change after which the bean's running stock dips below zero on some day."""
    row = conn.execute(
        f"""
        SELECT on_date, balance FROM (
            SELECT on_date, SUM(delta_g) OVER (ORDER BY {_ORDER}) AS balance
              FROM stock_ledger WHERE bean_id = ?
        ) WHERE balance < 0 ORDER BY on_date LIMIT 1
        """,
        (bean_id,),
    ).fetchone()
    if row:
        code = catalog.get_bean(conn, bean_id)["code"]
        raise ValidationError(
            "grams",
            f"stock of {code} would fall to {row['balance']:,} g on {row['on_date']}",
            f"{row['on_date']}에 {code} 재고가 {row['balance']:,} g 이 됩니다",
        )


def avg_cost_per_g(conn: sqlite3.Connection, bean_id: int, on: date | None = None) -> Fraction | None:
    """Moving-average green cost per gram after the purchases up to `on` (None: never bought)."""
    sql = f"""
        SELECT kind, delta_g, value_won, on_date, before_g FROM (
            SELECT kind, delta_g, value_won, on_date,
                   COALESCE(SUM(delta_g) OVER (ORDER BY {_ORDER}
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before_g
              FROM stock_ledger WHERE bean_id = ?
        ) WHERE kind = 'purchase'
    """
    params: list[Any] = [bean_id]
    if on is not None:
        sql += " AND on_date <= ?"
        params.append(on.isoformat())
    avg: Fraction | None = None
    for row in conn.execute(sql, params):
        # Stock of unknown cost (a count before any purchase) takes the first lot's price
        # instead of weighing in at ₩0.
        before_g = row["before_g"] if avg is not None else 0
        avg = moving_average(before_g, avg or Fraction(0), row["delta_g"], row["value_won"])
    return avg


def stock(conn: sqlite3.Connection, *, on: date | None = None, active_only: bool = False) -> list[dict]:
    """One row per bean: stock, average cost, value, reorder point and whether it is low."""
    rows = []
    for bean in catalog.list_beans(conn, active=True if active_only else None):
        grams = stock_g(conn, bean["id"], on)
        avg = avg_cost_per_g(conn, bean["id"], on)
        rows.append(
            {
                "bean": bean["code"],
                "bean_id": bean["id"],
                "name_en": bean["name_en"],
                "name_ko": bean["name_ko"],
                "stock_g": grams,
                "avg_cost_per_kg_won": None if avg is None else round_won(avg * 1000),
                "value_won": 0 if avg is None else round_won(avg * max(grams, 0)),
                "reorder_point_g": bean["reorder_point_g"],
                "low": bean["active"] == 1 and grams <= bean["reorder_point_g"],
            }
        )
    return rows


def ledger(conn: sqlite3.Connection, bean: Any) -> list[dict]:
    """Every movement of one bean with the running balance, oldest first."""
    bean_id = catalog.get_bean(conn, bean)["id"]
    return [
        dict(r)
        for r in conn.execute(
            f"SELECT on_date, kind, ref_id, delta_g, value_won,"
            f" SUM(delta_g) OVER (ORDER BY {_ORDER}) AS balance_g"
            f" FROM stock_ledger WHERE bean_id = ? ORDER BY {_ORDER}",
            (bean_id,),
        )
    ]


def list_purchases(conn: sqlite3.Connection, *, bean: Any = None, limit: int = 1000) -> list[dict]:
    sql = "SELECT p.*, b.code AS bean FROM purchases p JOIN beans b ON b.id = p.bean_id"
    params: list[Any] = []
    if bean is not None:
        sql += " WHERE p.bean_id = ?"
        params.append(catalog.get_bean(conn, bean)["id"])
    sql += " ORDER BY p.purchased_on DESC, p.id DESC LIMIT ?"
    params.append(limit)
    return [dict(r) for r in conn.execute(sql, params)]
