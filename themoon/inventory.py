"""Green coffee: purchases, stocktake adjustments, stock and moving-average cost.

Stock is never stored: it is the sum of the `stock_ledger` view (purchases − roast
consumption ± adjustments). `BeanLedger` is the one place that knows the ledger's order (within
a day: purchases, then roasts, then stocktake adjustments; ties by id), how much a roast may
take, and the moving-average cost; `available_g`, `avg_cost_per_g`, `check_never_negative`,
`ledger` and the roasting module all go through it.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import date
from fractions import Fraction
from itertools import accumulate
from typing import Any

from . import audit, catalog, users
from .costing import moving_average, round_won, stock_value_won
from .db import transaction
from .models import ValidationError, parse_date, parse_grams, parse_int, parse_text, parse_won


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


def _old_purchase(conn: sqlite3.Connection, purchase_id: int, user: str, role: str | None) -> dict:
    old = conn.execute("SELECT * FROM purchases WHERE id = ?", (purchase_id,)).fetchone()
    if old is None:
        raise ValidationError("purchase_id", "error.no_purchase", purchase_id=purchase_id)
    if role is not None:
        users.require_correction(conn, username=user, role=role, entity="purchase", entity_id=purchase_id)
    return dict(old)


# What a correction of a purchase may change (its bean and date stay: delete and re-enter those).
PURCHASE_EDITABLE = ("grams", "total_won", "supplier", "lot_code", "notes")


def update_purchase(
    conn: sqlite3.Connection, purchase_id: Any, *, user: str = "system", role: str | None = None, **changes: Any
) -> dict:
    """Correct a purchase (audited old → new). With `role`, staff only their own of today.
    Refused when less coffee would be left than has already been roasted from it."""
    purchase_id = parse_int("purchase_id", purchase_id, minimum=1)
    unknown = set(changes) - set(PURCHASE_EDITABLE)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "error.is_not_an_editable_field")
    rules = {
        "grams": lambda v: parse_grams("grams", v),
        "total_won": lambda v: parse_won("total_won", v),
        "supplier": lambda v: parse_text("supplier", v),
        "lot_code": lambda v: parse_text("lot_code", v, max_len=60),
        "notes": lambda v: parse_text("notes", v, max_len=2000),
    }
    clean = {name: rules[name](value) for name, value in changes.items()}
    with transaction(conn):
        old = _old_purchase(conn, purchase_id, user, role)
        for column, value in clean.items():  # column names come from PURCHASE_EDITABLE only
            conn.execute(f"UPDATE purchases SET {column} = ? WHERE id = ?", (value, purchase_id))
        check_never_negative(conn, old["bean_id"])
        audit.record(conn, user, "update", "purchase", purchase_id, old, clean)
        return dict(conn.execute("SELECT * FROM purchases WHERE id = ?", (purchase_id,)).fetchone())


def delete_purchase(
    conn: sqlite3.Connection, purchase_id: Any, *, user: str = "system", role: str | None = None
) -> None:
    """Refused when the coffee of that lot has already been roasted (stock would go negative).
    With `role`, staff may delete only their own purchase of today."""
    purchase_id = parse_int("purchase_id", purchase_id, minimum=1)
    with transaction(conn):
        old = _old_purchase(conn, purchase_id, user, role)
        conn.execute("DELETE FROM purchases WHERE id = ?", (purchase_id,))
        check_never_negative(conn, old["bean_id"])
        audit.record(conn, user, "delete", "purchase", purchase_id, old, None)


def delete_adjustment(
    conn: sqlite3.Connection, adjustment_id: Any, *, user: str = "system", role: str | None = None
) -> None:
    """Undo a stock adjustment (a stocktake counted wrong: delete it, count again). With `role`,
    staff may undo only their own of today. Refused if stock would go negative."""
    adjustment_id = parse_int("adjustment_id", adjustment_id, minimum=1)
    with transaction(conn):
        old = conn.execute("SELECT * FROM stock_adjustments WHERE id = ?", (adjustment_id,)).fetchone()
        if old is None:
            raise ValidationError("adjustment_id", "error.no_adjustment", adjustment_id=adjustment_id)
        if role is not None:
            users.require_correction(conn, username=user, role=role, entity="stock_adjustment", entity_id=adjustment_id)
        conn.execute("DELETE FROM stock_adjustments WHERE id = ?", (adjustment_id,))
        check_never_negative(conn, old["bean_id"])
        audit.record(conn, user, "delete", "stock_adjustment", adjustment_id, dict(old), None)


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
        raise ValidationError("delta_g", "error.must_not_be_zero")
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


# --- the ledger: order, what a roast may take, moving-average cost -------------------------------

# Within a day: purchases, then roasts, then stocktake adjustments; ties by id. The stock_ledger
# view gives each row its kind_order (0, 1, 2); an event's place is (on_date, kind_order, ref_id).
PURCHASE, ROAST, ADJUSTMENT = 0, 1, 2
# A position after every real row of its (date, kind): new rows take the largest id.
LAST = 2**62
_LEDGER_SQL = "SELECT on_date, kind_order, ref_id, delta_g, value_won FROM stock_ledger WHERE bean_id = ?"
# The same ledger with each day's roasts summed into one row (ref_id 0): exact for balances, stock
# checks and averages (see migrations/0002_roast_daily.sql), and a fraction of the rows.
_DAILY_LEDGER_SQL = """
SELECT purchased_on, 0, id, grams, total_won FROM purchases WHERE bean_id = :bean
UNION ALL
SELECT roasted_on, 1, 0, -green_g, -green_cost_won FROM roast_daily WHERE bean_id = :bean
UNION ALL
SELECT adjusted_on, 2, id, delta_g, NULL FROM stock_adjustments WHERE bean_id = :bean
"""
_BATCH_COMPONENT_SQL = """
SELECT b.roasted_on, c.green_g, c.green_cost_won
  FROM roast_components c JOIN roast_batches b ON b.id = c.batch_id
 WHERE c.batch_id = ? AND c.bean_id = ?
"""
_KINDS = ("purchase", "roast", "adjustment")


def _iso(on: date | str) -> str:
    return on if isinstance(on, str) else on.isoformat()


class BeanLedger:
    """One bean's ledger, loaded once: the one place that knows the ledger's order, how much a roast
    may take, and the moving-average green cost.

    - Order: by date; within a day purchases, then roasts, then stocktake adjustments; ties by id.
    - Stock check: a roast at its position may take at most min(balance just before it, lowest
      balance after it), so the stock never goes negative then or later.
    - Moving average, purchase by purchase in ledger order: avg = (stock·avg + qty·unit) /
      (stock + qty) with the stock just before the purchase (`costing.moving_average`). Stock of
      unknown cost (counted in before any purchase) takes the first lot's price instead of
      weighing in at ₩0.

    Loading is one query; `available` and `avg_cost_per_g` are then a bisection (plus, for a
    position before later events, a pass over those), and `add_roast` keeps the state as if the
    roast had been read from the store, so many batches can be checked and costed in one pass.
    Averages after a back-dated roast are recomputed lazily, when a later date is asked for.
    """

    def __init__(self, bean_id: int, events: Iterable[Sequence[Any]]):
        """`events`: (on_date, kind_order, ref_id, delta_g, value_won) rows, in any order."""
        self.bean_id = bean_id
        ordered = sorted(events)  # the place (on_date, kind_order, ref_id) comes first and is unique
        self._keys: list[tuple[str, int, int]] = [e[:3] for e in ordered]
        self._deltas: list[int] = [e[3] for e in ordered]
        self._values: list[int | None] = [e[4] for e in ordered]
        self._balances: list[int] = list(accumulate(self._deltas))
        lots = [e for e in ordered if e[1] == PURCHASE]
        self._lot_keys = [e[:3] for e in lots]
        self._lot_days = [e[0] for e in lots]
        self._lot_grams = [e[3] for e in lots]
        self._lot_won = [e[4] for e in lots]
        self._averages: list[Fraction] = []  # after each lot; valid for the first len() lots

    @classmethod
    def load(cls, conn: sqlite3.Connection, bean_id: int, *, exclude_batch: int | None = None) -> BeanLedger:
        """The bean's ledger as stored, each day's roasts as one row; `exclude_batch` leaves that
        roast out (a batch being edited)."""
        cursor = conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(_DAILY_LEDGER_SQL, {"bean": bean_id}).fetchall()
        if exclude_batch is not None:
            found = cursor.execute(_BATCH_COMPONENT_SQL, (exclude_batch, bean_id)).fetchone()
            if found is not None:
                day, grams, won = found
                rows = [(r[0], r[1], r[2], r[3] + grams, r[4] + won) if r[:3] == (day, ROAST, 0) else r for r in rows]
                rows = [r for r in rows if r[1] != ROAST or r[3] != 0]
        return cls(bean_id, rows)

    @classmethod
    def load_detailed(cls, conn: sqlite3.Connection, bean_id: int) -> BeanLedger:
        """The bean's ledger with every roast on its own row (for showing the movements)."""
        cursor = conn.cursor()
        cursor.row_factory = None
        return cls(bean_id, cursor.execute(_LEDGER_SQL, (bean_id,)).fetchall())

    def _before(self, index: int) -> int:
        return self._balances[index - 1] if index else 0

    def available(self, on: date | str, pos: int = LAST) -> int:
        """Grams a roast on `on` with id `pos` can take without the stock going negative then or later."""
        index = bisect_left(self._keys, (_iso(on), ROAST, pos))
        before = self._before(index)
        if index == len(self._balances):
            return before
        return min(before, min(self._balances[index:]))

    def avg_cost_per_g(self, on: date | str | None = None) -> Fraction | None:
        """Moving-average cost per gram after the purchases up to `on` (None: never bought)."""
        count = len(self._lot_days) if on is None else bisect_right(self._lot_days, _iso(on))
        if count == 0:
            return None
        averages = self._averages
        for lot in range(len(averages), count):
            stock = self._before(bisect_left(self._keys, self._lot_keys[lot]))
            # Stock of unknown cost (before any purchase) takes the first lot's price.
            previous = averages[lot - 1] if lot else None
            averages.append(
                moving_average(
                    stock if previous is not None else 0,
                    previous or Fraction(0),
                    self._lot_grams[lot],
                    self._lot_won[lot],
                )
            )
        return averages[count - 1]

    def add_roast(self, on: date | str, batch_id: int, grams: int, cost_won: int) -> None:
        """Take a roast's green grams at its place (after `available` allowed them)."""
        key = (_iso(on), ROAST, batch_id)
        index = bisect_left(self._keys, key)
        self._keys.insert(index, key)
        self._deltas.insert(index, -grams)
        self._values.insert(index, -cost_won)
        balances = self._balances
        balances.insert(index, self._before(index) - grams)
        for later in range(index + 1, len(balances)):
            balances[later] -= grams
        # the averages of the lots after it were computed with more stock before them
        del self._averages[bisect_right(self._lot_keys, key) :]

    def first_negative(self) -> tuple[str, int] | None:
        """(date, balance) where the running stock first dips below zero, or None."""
        for key, balance in zip(self._keys, self._balances, strict=True):
            if balance < 0:
                return key[0], balance
        return None

    def rows(self) -> list[dict]:
        """Every movement, oldest first, with the running balance."""
        return [
            {
                "on_date": key[0],
                "kind": _KINDS[key[1]],
                "ref_id": key[2],
                "delta_g": delta,
                "value_won": value,
                "balance_g": balance,
            }
            for key, delta, value, balance in zip(self._keys, self._deltas, self._values, self._balances, strict=True)
        ]


# --- derived stock and cost -------------------------------------------------------------------


def stock_g(conn: sqlite3.Connection, bean_id: int, on: date | None = None) -> int:
    """Book stock at the end of a day (default: everything recorded)."""
    until = "9999-12-31" if on is None else on.isoformat()
    return conn.execute(
        "SELECT (SELECT COALESCE(SUM(grams), 0) FROM purchases WHERE bean_id = :bean AND purchased_on <= :until)"
        " - (SELECT COALESCE(SUM(green_g), 0) FROM roast_daily WHERE bean_id = :bean AND roasted_on <= :until)"
        " + (SELECT COALESCE(SUM(delta_g), 0) FROM stock_adjustments WHERE bean_id = :bean AND adjusted_on <= :until)",
        {"bean": bean_id, "until": until},
    ).fetchone()[0]


def available_g(conn: sqlite3.Connection, bean_id: int, on: date, *, batch_id: int | None = None) -> int:
    """Grams a roast on `on` can take without the stock going negative then or later.

    The roast sits at its ledger position (after that day's purchases); `batch_id` is left out
    of the ledger so an edited batch does not count against itself.
    """
    return BeanLedger.load(conn, bean_id, exclude_batch=batch_id).available(on, batch_id or LAST)


def check_never_negative(conn: sqlite3.Connection, bean_id: int) -> None:
    """Refuse a change after which the bean's running stock dips below zero on some day."""
    found = BeanLedger.load(conn, bean_id).first_negative()
    if found:
        day, balance = found
        code = catalog.get_bean(conn, bean_id)["code"]
        raise ValidationError(
            "grams",
            "error.stock_of_would_fall_to_g",
            code=code,
            balance=balance,
            day=day,
        )


def avg_cost_per_g(conn: sqlite3.Connection, bean_id: int, on: date | None = None) -> Fraction | None:
    """Moving-average green cost per gram after the purchases up to `on` (None: never bought)."""
    return BeanLedger.load(conn, bean_id).avg_cost_per_g(on)


def stock(conn: sqlite3.Connection, *, on: date | None = None, active_only: bool = False) -> list[dict]:
    """One row per bean: stock, average cost, value, reorder point and whether it is low."""
    rows = []
    for bean in catalog.list_beans(conn, active=True if active_only else None):
        grams = stock_g(conn, bean["id"], on)
        avg = BeanLedger.load(conn, bean["id"]).avg_cost_per_g(on)
        rows.append(
            {
                "bean": bean["code"],
                "bean_id": bean["id"],
                "name_en": bean["name_en"],
                "name_ko": bean["name_ko"],
                "stock_g": grams,
                "avg_cost_per_kg_won": None if avg is None else round_won(avg * 1000),
                "value_won": 0 if avg is None else stock_value_won(avg, grams),
                "reorder_point_g": bean["reorder_point_g"],
                "low": bean["active"] == 1 and grams <= bean["reorder_point_g"],
            }
        )
    return rows


def ledger(conn: sqlite3.Connection, bean: Any) -> list[dict]:
    """Every movement of one bean with the running balance, oldest first."""
    return BeanLedger.load_detailed(conn, catalog.get_bean(conn, bean)["id"]).rows()


def list_purchases(conn: sqlite3.Connection, *, bean: Any = None, limit: int = 1000) -> list[dict]:
    sql = "SELECT p.*, b.code AS bean FROM purchases p JOIN beans b ON b.id = p.bean_id"
    params: list[Any] = []
    if bean is not None:
        sql += " WHERE p.bean_id = ?"
        params.append(catalog.get_bean(conn, bean)["id"])
    sql += " ORDER BY p.purchased_on DESC, p.id DESC LIMIT ?"
    params.append(limit)
    return [dict(r) for r in conn.execute(sql, params)]
