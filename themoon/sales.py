"""Sales per day and menu item: the store API (issue #13).

What the till sold is kept as one row per (source, day, menu item) in `sales_daily`: quantity,
gross, discount and net won. A source's day is always written whole — `replace_days` makes the
stored rows of each (source, day) it is given exactly the rows given — so importing an export
twice, or two exports that overlap, never doubles a day. Names on the till are mapped to menu
items in `sales_name_map` (asked once per source).

Reading: `list_sales`, `totals`; `period_profit` turns a period's sales into revenue, cost of
goods sold, gross profit, margin, ROI, menu-engineering classes and the reconciliation of
roasted against sold coffee with the pure functions of `themoon.costing`. It is the store-side
reference: the analytics engine (`themoon.analytics`, `Analytics.period_profit`, which `themoon
profit` uses) computes the same figures over any period, and tests hold the two equal.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import audit, catalog, cost_settings, price_list
from .costing import (
    UNEXPLAINED_ATTENTION_PCT,
    actual_cost_per_kg,
    batch_cost,
    gross_profit,
    margin_pct,
    menu_engineering,
    needs_attention,
    reconcile,
    roi_pct,
    round_decimal,
    round_won,
    sales_cost_window,
    sold_unit_cost,
)
from .db import transaction
from .models import MAX_WON, ValidationError, parse_date, parse_decimal, parse_int, parse_text

DEFAULT_SOURCE = "pos"
MAX_QTY = 10_000_000
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_BRACKETS = "()[]{}<>（）【】「」『』〔〕"


@dataclass(frozen=True, order=True)
class SaleRow:
    """One day of one menu item from one source."""

    sold_on: date
    menu_item_id: int
    qty: int
    gross_won: int
    discount_won: int
    net_won: int


# --- values ----------------------------------------------------------------------------------------


def parse_source(value: Any) -> str:
    """A source (till, export) name: 1–40 letters, digits, '-', '_' or '.'."""
    text = str(value if value is not None else DEFAULT_SOURCE).strip()
    if not _SOURCE.match(text):
        raise ValidationError("source", "sales.source")
    return text


def parse_period(field: str, value: Any, *, today: date | None = None) -> tuple[date, date]:
    """'2026-01' → (first day, last day) of a month that has started."""
    match = _PERIOD.match(str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise ValidationError(field, "sales.period")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    if first > (today or date.today()):
        raise ValidationError(field, "sales.period_future", period=value)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _amount(field: str, value: Any) -> int:
    return parse_int(field, value, minimum=-MAX_WON, maximum=MAX_WON)


def sale_row(values: Mapping[str, Any], *, today: date | None = None) -> SaleRow:
    """A validated row from {sold_on, menu_item_id, qty, gross_won, discount_won, net_won}."""
    qty = parse_int("qty", values.get("qty"), minimum=-MAX_QTY, maximum=MAX_QTY)
    return SaleRow(
        sold_on=parse_date("sold_on", values.get("sold_on"), today=today),
        menu_item_id=parse_int("menu_item_id", values.get("menu_item_id"), minimum=1),
        qty=qty,
        gross_won=_amount("gross_won", values.get("gross_won")),
        discount_won=_amount("discount_won", values.get("discount_won", 0)),
        net_won=_amount("net_won", values.get("net_won")),
    )


def normalise_name(text: Any) -> str:
    """Compare till names: NFKC, case-folded, without whitespace and brackets."""
    value = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return "".join(ch for ch in value if not ch.isspace() and ch not in _BRACKETS)


# --- writing -----------------------------------------------------------------------------------------


def replace_days(conn: sqlite3.Connection, source: str, rows: Iterable[SaleRow]) -> dict[str, int]:
    """Make the stored rows of every (source, day) among `rows` exactly `rows` (inside the caller's
    transaction; nothing is audited here). Returns counts: created, updated, unchanged, removed."""
    by_day: dict[date, dict[int, SaleRow]] = defaultdict(dict)
    for row in rows:
        of_day = by_day[row.sold_on]
        if row.menu_item_id in of_day:
            raise ValidationError(
                "menu_item_id", "sales.duplicate_row", item=row.menu_item_id, day=row.sold_on.isoformat()
            )
        of_day[row.menu_item_id] = row
    counts = dict.fromkeys(("created", "updated", "unchanged", "removed"), 0)
    for day, wanted in sorted(by_day.items()):
        stored = {
            r["menu_item_id"]: tuple(r)[1:]
            for r in conn.execute(
                "SELECT menu_item_id, qty, gross_won, discount_won, net_won FROM sales_daily"
                " WHERE source = ? AND sold_on = ?",
                (source, day.isoformat()),
            )
        }
        gone = sorted(stored.keys() - wanted.keys())
        conn.executemany(
            "DELETE FROM sales_daily WHERE source = ? AND sold_on = ? AND menu_item_id = ?",
            [(source, day.isoformat(), item_id) for item_id in gone],
        )
        counts["removed"] += len(gone)
        for item_id, row in wanted.items():
            old = stored.get(item_id)
            values = (row.qty, row.gross_won, row.discount_won, row.net_won)
            if old is None:
                conn.execute(
                    "INSERT INTO sales_daily (source, sold_on, menu_item_id, qty, gross_won, discount_won, net_won)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (source, day.isoformat(), item_id, *values),
                )
                counts["created"] += 1
            elif old == values:
                counts["unchanged"] += 1
            else:
                conn.execute(
                    "UPDATE sales_daily SET qty = ?, gross_won = ?, discount_won = ?, net_won = ?"
                    " WHERE source = ? AND sold_on = ? AND menu_item_id = ?",
                    (*values, source, day.isoformat(), item_id),
                )
                counts["updated"] += 1
    return counts


def record_day(
    conn: sqlite3.Connection,
    day: Any,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: Any = DEFAULT_SOURCE,
    user: str = "system",
) -> dict[str, int]:
    """Record (or replace) what one source sold on one day, in one transaction, audited. Each row:
    {menu_item (id, code or name) or menu_item_id, qty, gross_won, discount_won, net_won}."""
    source = parse_source(source)
    sold_on = parse_date("sold_on", day)
    with transaction(conn):
        clean = []
        for values in rows:
            item = values.get("menu_item_id") or values.get("menu_item")
            item_id = catalog.get_menu_item(conn, item)["id"] if item not in (None, "") else None
            clean.append(sale_row({**values, "sold_on": sold_on, "menu_item_id": item_id}))
        counts = replace_days(conn, source, clean) if clean else _clear_day(conn, source, sold_on)
        audit.record(conn, user, "update", "sales_day", None, None, {"source": source, "day": sold_on, **counts})
    return counts


def _clear_day(conn: sqlite3.Connection, source: str, day: date) -> dict[str, int]:
    gone = conn.execute("DELETE FROM sales_daily WHERE source = ? AND sold_on = ?", (source, day.isoformat()))
    return {"created": 0, "updated": 0, "unchanged": 0, "removed": gone.rowcount}


def insert_many(conn: sqlite3.Connection, source: str, rows: Iterable[tuple]) -> int:
    """Bulk-write new rows (sold_on text, menu_item_id, qty, gross, discount, net) in the caller's
    transaction: for generated histories (demo, bulk) whose rows are valid by construction."""
    cursor = conn.executemany(
        "INSERT INTO sales_daily (source, sold_on, menu_item_id, qty, gross_won, discount_won, net_won)"
        f" VALUES ({_quote(source)}, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return cursor.rowcount


def _quote(source: str) -> str:
    return "'" + parse_source(source) + "'"  # a checked name: letters, digits, - _ .


# --- names on the till -------------------------------------------------------------------------------


def mappings(conn: sqlite3.Connection, source: str) -> dict[str, int]:
    """{normalised till name: menu item id} stored for a source."""
    return {
        normalise_name(r["name"]): r["menu_item_id"]
        for r in conn.execute("SELECT name, menu_item_id FROM sales_name_map WHERE source = ?", (source,))
    }


def list_mappings(conn: sqlite3.Connection, source: str | None = None) -> list[dict]:
    sql = (
        "SELECT m.source, m.name, i.code AS item FROM sales_name_map m JOIN menu_items i ON i.id = m.menu_item_id"
        + (" WHERE m.source = ?" if source else "")
        + " ORDER BY m.source, m.name"
    )
    return [dict(r) for r in conn.execute(sql, (source,) if source else ())]


def save_mapping(conn: sqlite3.Connection, source: str, name: Any, item: Any) -> str | None:
    """Map a till name to a menu item (id, code or name) for a source, in the caller's transaction;
    returns the item's code when something changed, else None."""
    name = parse_text("map", name, max_len=120, required=True)
    try:
        found = catalog.get_menu_item(conn, item)
    except ValidationError:
        raise ValidationError("map", "sales.unknown_item", ref=item) from None
    old = conn.execute(
        "SELECT menu_item_id FROM sales_name_map WHERE source = ? AND name = ?", (source, name)
    ).fetchone()
    if old is not None and old[0] == found["id"]:
        return None
    conn.execute(
        "INSERT OR REPLACE INTO sales_name_map (source, name, menu_item_id) VALUES (?, ?, ?)",
        (source, name, found["id"]),
    )
    return found["code"]


def split_mapping(value: Any) -> tuple[str, str]:
    """'POS NAME=ITEM' → (name, item ref); the last '=' separates them."""
    name, sep, item = str(value).rpartition("=")
    if not sep or not name.strip() or not item.strip():
        raise ValidationError("map", "sales.map_form", value=value)
    return " ".join(name.split()), item.strip()


# --- reading -----------------------------------------------------------------------------------------


def _range(since: date | None, until: date | None) -> tuple[str, str]:
    if since and until and since > until:
        raise ValidationError("since", "sales.since_after_until", until=until.isoformat())
    return (since or date(2000, 1, 1)).isoformat(), (until or date(9999, 12, 31)).isoformat()


def list_sales(
    conn: sqlite3.Connection,
    *,
    since: date | None = None,
    until: date | None = None,
    source: str | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Stored rows, oldest day first, with the item's code, names and channel."""
    first, last = _range(since, until)
    sql = (
        "SELECT s.sold_on, s.source, i.code AS item, i.name_en, i.name_ko, i.channel, s.qty, s.gross_won,"
        " s.discount_won, s.net_won FROM sales_daily s JOIN menu_items i ON i.id = s.menu_item_id"
        " WHERE s.sold_on BETWEEN ? AND ?"
    )
    params: list[Any] = [first, last]
    if source:
        sql += " AND s.source = ?"
        params.append(source)
    sql += " ORDER BY s.sold_on, s.source, i.code"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [dict(r) for r in conn.execute(sql, params)]


def totals(conn: sqlite3.Connection, *, since: date | None = None, until: date | None = None) -> dict[str, int]:
    """Rows, quantity and money of a date range (every source)."""
    first, last = _range(since, until)
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(qty), 0), COALESCE(SUM(gross_won), 0), COALESCE(SUM(discount_won), 0),"
        " COALESCE(SUM(net_won), 0) FROM sales_daily WHERE sold_on BETWEEN ? AND ?",
        (first, last),
    ).fetchone()
    return dict(zip(("rows", "qty", "gross_won", "discount_won", "net_won"), tuple(row), strict=True))


# --- profit of a period (store + costing; the engine's reference) ---------------------------------------


def _product_key(bean_id: int | None, blend_id: int | None) -> tuple[str, int]:
    return ("bean", bean_id) if bean_id is not None else ("blend", blend_id)  # type: ignore[return-value]


def _daily_batch_costs(conn: sqlite3.Connection, first: date, last: date) -> dict[tuple[date, tuple], tuple]:
    """{(day, product): (actual cost of the product's batches that day, roasted g)} — the sum of
    `costing.batch_cost` over the day's batches, computed once per day and product (it is linear)."""
    span = (first.isoformat(), last.isoformat())
    roasted = conn.execute(
        "SELECT roasted_on, bean_id, blend_id, SUM(roasted_g) AS roasted_g FROM roast_batches"
        " WHERE roasted_on BETWEEN ? AND ? GROUP BY roasted_on, bean_id, blend_id",
        span,
    ).fetchall()
    green = {
        (r["roasted_on"], _product_key(r["bean_id"], r["blend_id"])): (r["green_g"], r["cost"])
        for r in conn.execute(
            "SELECT b.roasted_on, b.bean_id, b.blend_id, SUM(c.green_g) AS green_g, SUM(c.green_cost_won) AS cost"
            " FROM roast_batches b JOIN roast_components c ON c.batch_id = b.id"
            " WHERE b.roasted_on BETWEEN ? AND ? GROUP BY b.roasted_on, b.bean_id, b.blend_id",
            span,
        )
    }
    session = dict(
        conn.execute(
            "SELECT roasted_on, SUM(green_g) FROM roast_daily WHERE roasted_on BETWEEN ? AND ? GROUP BY roasted_on",
            span,
        ).fetchall()
    )
    history = cost_settings.history(conn)
    result = {}
    for r in roasted:
        key = _product_key(r["bean_id"], r["blend_id"])
        green_g, green_won = green[(r["roasted_on"], key)]
        day = date.fromisoformat(r["roasted_on"])
        cost = batch_cost(
            green_won, green_g, r["roasted_g"], session[r["roasted_on"]], cost_settings.pick(history, day)
        )
        result[(day, key)] = (cost.total_won, r["roasted_g"])
    return result


def _window_cost(daily: dict, product: tuple, sold_on: date) -> Fraction | None:
    start, end = sales_cost_window(sold_on)
    days = (start + timedelta(days=k) for k in range((end - start).days + 1))
    return actual_cost_per_kg(daily[(d, product)] for d in days if (d, product) in daily)


class _Standard:
    """Standard costs per roasted kg by date, computed once per date asked."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.by_date: dict[date, dict[tuple, Fraction | None]] = {}

    def per_kg(self, product: tuple, on: date) -> Fraction | None:
        if on not in self.by_date:
            rows = price_list.product_costs(self.conn, on=on)
            ids = {(p.kind, p.code): p.id for p in catalog.list_products(self.conn, active=None)}
            self.by_date[on] = {(r["kind"], ids[(r["kind"], r["product"])]): r["cost_per_kg"] for r in rows}
        return self.by_date[on].get(product)


def _pct(value: Fraction | None) -> float | None:
    return None if value is None else float(round_decimal(value, 1))


def _sold(conn: sqlite3.Connection, first: date, last: date) -> tuple[dict, dict, dict, dict, _Standard]:
    """The menu items, per item id sold in [first, last] [units, net won, exact COGS], grams
    sold per product, and the daily batch costs and standard costs they were costed from."""
    items = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM menu_items")}
    sold = conn.execute(
        "SELECT sold_on, menu_item_id, SUM(qty) AS qty, SUM(net_won) AS net_won FROM sales_daily"
        " WHERE sold_on BETWEEN ? AND ? GROUP BY sold_on, menu_item_id",
        (first.isoformat(), last.isoformat()),
    ).fetchall()
    window_first, _ = sales_cost_window(first)
    daily = _daily_batch_costs(conn, window_first, last)
    standard = _Standard(conn)
    per_item: dict[int, list] = defaultdict(lambda: [0, 0, Fraction(0)])  # qty, net, cogs
    sold_g: dict[tuple, int] = defaultdict(int)
    window: dict[tuple, tuple[Fraction | None, Fraction | None]] = {}  # (actual, standard) ₩/kg
    for r in sold:
        item = items[r["menu_item_id"]]
        product = _product_key(item["bean_id"], item["blend_id"])
        day = date.fromisoformat(r["sold_on"])
        if (day, product) not in window:
            actual = _window_cost(daily, product, day)
            window[(day, product)] = (actual, None if actual is not None else standard.per_kg(product, day))
        unit = sold_unit_cost(*window[(day, product)], item["dose_g"], item["extra_cost_won"])
        entry = per_item[r["menu_item_id"]]
        entry[0] += r["qty"]
        entry[1] += r["net_won"]
        entry[2] += (unit or 0) * r["qty"]
        sold_g[product] += r["qty"] * item["dose_g"]
    return items, per_item, sold_g, daily, standard


def item_cogs(conn: sqlite3.Connection, first: date, last: date) -> dict[str, tuple[int, int, Fraction]]:
    """{menu item code: (units, net won, exact COGS)} of the items sold in [first, last], as
    `period_profit` costs them (for figures computed from the exact COGS: ROI, contribution)."""
    items, per_item, _, _, _ = _sold(conn, first, last)
    return {items[i]["code"]: (v[0], v[1], v[2]) for i, v in per_item.items()}


def period_profit(conn: sqlite3.Connection, first: date, last: date) -> dict[str, Any]:
    """Revenue (net sales), COGS, gross profit, margin and ROI of [first, last], per item with its
    menu-engineering class (among the items of its channel), and the reconciliation of roasted
    against sold coffee per product."""
    items, per_item, sold_g, daily, standard = _sold(conn, first, last)
    classes: dict[int, str] = {}
    for channel in {items[i]["channel"] for i in per_item}:  # a cup is compared with cups, a bag with bags
        group = {i: (v[0], v[1], v[2]) for i, v in per_item.items() if items[i]["channel"] == channel}
        classes.update(menu_engineering(group))
    revenue = sum(v[1] for v in per_item.values())
    cogs = sum((v[2] for v in per_item.values()), Fraction(0))
    rows = []
    for item_id, (qty, net, item_cogs) in per_item.items():
        cogs_won = round_won(item_cogs)
        rows.append(
            {
                "item": items[item_id]["code"],
                "qty": qty,
                "revenue_won": net,
                "cogs_won": cogs_won,
                "gross_profit_won": net - cogs_won,
                "margin_pct": _pct(margin_pct(net, item_cogs)),
                "class": classes.get(item_id),
            }
        )
    rows.sort(key=lambda r: (-r["gross_profit_won"], r["item"]))
    cogs_won = round_won(cogs)
    return {
        "revenue_won": revenue,
        "cogs_won": cogs_won,
        "gross_profit_won": revenue - cogs_won,
        "margin_pct": _pct(margin_pct(revenue, cogs)),
        "roi_pct": _pct(roi_pct(gross_profit(revenue, cogs), cogs)),
        "items": rows,
        "reconciliation": _reconciliation(conn, daily, standard, sold_g, first, last),
    }


def _reconciliation(
    conn: sqlite3.Connection, daily: dict, standard: _Standard, sold_g: dict, first: date, last: date
) -> list[dict]:
    roasted: dict[tuple, list] = defaultdict(list)
    for (day, product), pair in daily.items():
        if first <= day <= last:
            roasted[product].append(pair)
    names = {(p.kind, p.id): p.code for p in catalog.list_products(conn, active=None)}
    rows = []
    for product in sorted(roasted.keys() | sold_g.keys(), key=lambda p: names[p]):
        pairs = roasted.get(product, [])
        per_kg = actual_cost_per_kg(pairs)
        if per_kg is None:
            per_kg = standard.per_kg(product, last)
        found = reconcile(sum(g for _, g in pairs), sold_g.get(product, 0), per_kg)
        rows.append(
            {
                "product": names[product],
                "roasted_g": found.roasted_g,
                "sold_g": found.sold_g,
                "unexplained_g": found.unexplained_g,
                "unexplained_pct": _pct(found.unexplained_pct),
                "unexplained_won": None if found.unexplained_won is None else round_won(found.unexplained_won),
            }
        )
    return rows


def green_bought_won(conn: sqlite3.Connection, first: date, last: date) -> int:
    """What the green coffee bought in [first, last] cost (for `costing.green_return_pct`)."""
    return conn.execute(
        "SELECT COALESCE(SUM(total_won), 0) FROM purchases WHERE purchased_on BETWEEN ? AND ?",
        (first.isoformat(), last.isoformat()),
    ).fetchone()[0]


# --- the owner's attention threshold for coffee roasted and not sold -------------------------------------

UNEXPLAINED_KEY = "sales_unexplained_pct"
ATTENTION_DAYS = 30


def unexplained_threshold(conn: sqlite3.Connection) -> Fraction:
    """The % of roasted coffee not explained by sales above which a product needs attention
    (the owner's setting, else costing.UNEXPLAINED_ATTENTION_PCT)."""
    row = conn.execute("SELECT value FROM app_settings WHERE key = ?", (UNEXPLAINED_KEY,)).fetchone()
    try:
        return Fraction(row[0]) if row is not None else Fraction(UNEXPLAINED_ATTENTION_PCT)
    except (ValueError, ZeroDivisionError):
        return Fraction(UNEXPLAINED_ATTENTION_PCT)


def set_unexplained_threshold(conn: sqlite3.Connection, pct: Any, *, user: str = "system") -> Fraction:
    """Set the threshold (a percentage 0–100, at most two decimals), audited; returns it."""
    try:
        value = parse_decimal("unexplained_pct", pct, minimum=Decimal(0), maximum=Decimal(100))
    except ValidationError:
        raise ValidationError("unexplained_pct", "sales.threshold") from None
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("unexplained_pct", "sales.threshold")
    with transaction(conn):
        old = unexplained_threshold(conn)
        conn.execute(
            "INSERT INTO app_settings (key, value, updated_at, updated_by)"
            " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
            " updated_by = excluded.updated_by",
            (UNEXPLAINED_KEY, format(value.normalize(), "f"), str(user)[:40]),
        )
        audit.record(conn, user, "update", "app_setting", None, {UNEXPLAINED_KEY: old}, {UNEXPLAINED_KEY: value})
    return Fraction(value)


def attention(conn: sqlite3.Connection, *, today: date | None = None) -> list[dict]:
    """Products whose roasted coffee of the last 30 days is more than the threshold unexplained by
    sales (the reconciliation rows of `period_profit`, with the threshold)."""
    today = today or date.today()
    threshold = unexplained_threshold(conn)
    rows = period_profit(conn, today - timedelta(days=ATTENTION_DAYS), today - timedelta(days=1))["reconciliation"]
    found = []
    for row in rows:
        if needs_attention(reconcile(row["roasted_g"], row["sold_g"], None), threshold):
            found.append({**row, "threshold_pct": float(threshold)})
    return found
