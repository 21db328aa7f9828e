"""Our Excel format: its sheets and columns, and the store read into their rows (shared by the
xlsx and the CSV export and by the import)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..costing import loss_pct, round_decimal
from ..models import (
    ValidationError,
)

FORMAT_NAME = "themoon-export"
FORMAT_VERSION = 1

# Limits checked before any XML is parsed.
MAX_XLSX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # all zip members together
MAX_COMPRESSION_RATIO = 200  # a member larger than 1 MB may not inflate more than this
MAX_ZIP_MEMBERS = 5000
# Writing a formula-free string cell: Excel treats these first characters as the start of a formula.
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

WON = '"₩"#,##0'
GRAMS = '#,##0" g"'
PCT = "0.0%"
DAY = "yyyy-mm-dd"
MINUTES = "0.0"
BULK_MIN_BATCHES = 1  # new batches go through roasting.add_batches (bulk=False: add_batch one by one)


# --- the format ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | int | won | grams | pct | date | bool | real
    width: float = 14
    derived: bool = False  # written for people, ignored on import
    optional: bool = False  # may be missing from an imported sheet

    @property
    def number_format(self) -> str | None:
        return {"won": WON, "grams": GRAMS, "pct": PCT, "date": DAY, "real": MINUTES}.get(self.kind)


def _c(name: str, kind: str = "text", width: float = 14, **kw: Any) -> Column:
    return Column(name, kind, width, **kw)


SHEETS: dict[str, tuple[Column, ...]] = {
    "beans": (
        _c("code", width=24),
        _c("name_en", width=26),
        _c("name_ko", width=18),
        _c("country", width=12),
        _c("process", width=18),
        _c("roast_level", width=11),
        _c("reorder_point_g", "grams", 15),
        _c("expected_loss_pct", "pct", 17),
        _c("active", "bool", 8),
        _c("notes", width=40),
    ),
    "blends": (
        _c("code", width=16),
        _c("name_en", width=18),
        _c("name_ko", width=14),
        _c("description", width=40),
        _c("expected_loss_pct", "pct", 17),
        _c("active", "bool", 8),
        _c("bean", width=24),
        _c("parts", "int", 8),
    ),
    "cost_settings": (
        _c("effective_from", "date", 14),
        _c("expected_loss_pct", "pct", 17),
        _c("use_recent_loss", "bool", 15),
        _c("roasting_won_per_kg", "won", 19),
        _c("labour_won_per_hour", "won", 19),
        _c("labour_minutes_per_session", "int", 26),
        _c("energy_won_per_session", "won", 22),
        _c("misc_won_per_session", "won", 20),
        _c("planned_session_roasted_g", "grams", 25),
        _c("price_multiplier_pct", "int", 20),
    ),
    "purchases": (
        _c("purchased_on", "date", 13),
        _c("bean", width=24),
        _c("grams", "grams", 12),
        _c("total_won", "won", 14),
        _c("won_per_kg", "won", 12, derived=True, optional=True),
        _c("supplier", width=28),
        _c("lot_code", width=14),
        _c("notes", width=30),
        _c("external_id", width=24),
    ),
    "stock_adjustments": (
        _c("adjusted_on", "date", 13),
        _c("bean", width=24),
        _c("delta_g", "grams", 12),
        _c("reason", width=30),
        _c("external_id", width=24),
    ),
    "roast_batches": (
        _c("batch", "int", 8),
        _c("roasted_on", "date", 12),
        _c("product", width=22),
        _c("kind", width=7),
        _c("roasted_g", "grams", 12),
        _c("minutes", "real", 9),
        _c("operator", width=12),
        _c("notes", width=30),
        _c("source", width=9),
        _c("external_id", width=24),
        _c("bean", width=24),
        _c("green_g", "grams", 12),
        _c("green_cost_won", "won", 15, derived=True, optional=True),
        _c("loss_pct", "pct", 10, derived=True, optional=True),
    ),
    "menu_items": (
        _c("code", width=26),
        _c("name_en", width=34),
        _c("name_ko", width=24),
        _c("channel", width=10),
        _c("product", width=22),
        _c("kind", width=7),
        _c("dose_g", "grams", 10),
        _c("price_won", "won", 12),
        _c("extra_cost_won", "won", 15),
        _c("active", "bool", 8),
        _c("external_id", width=30),
    ),
}
ORDER = tuple(SHEETS)  # import order: references first


# --- reading the store into rows (shared by the xlsx and the CSV export) --------------------


def _bp_fraction(bp: int | None) -> float | None:
    """Basis points as the fraction Excel shows with a % format (1670 → 0.167)."""
    return None if bp is None else float(Decimal(bp) / 10_000)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def sheet_rows(conn: sqlite3.Connection, sheet: str) -> Iterator[tuple]:
    """The rows of one sheet, in export order, as Python values (dates, ints, floats, bools)."""
    if sheet == "beans":
        for b in conn.execute("SELECT * FROM beans ORDER BY id"):
            yield (
                b["code"],
                b["name_en"],
                b["name_ko"],
                b["country"],
                b["process"],
                b["roast_level"],
                b["reorder_point_g"],
                _bp_fraction(b["expected_loss_bp"]),
                bool(b["active"]),
                b["notes"],
            )
    elif sheet == "blends":
        sql = (
            "SELECT bl.*, be.code AS bean, c.parts FROM blends bl"
            " JOIN blend_components c ON c.blend_id = bl.id JOIN beans be ON be.id = c.bean_id"
            " ORDER BY bl.id, c.parts DESC, be.code"
        )
        for r in conn.execute(sql):
            yield (
                r["code"],
                r["name_en"],
                r["name_ko"],
                r["description"],
                _bp_fraction(r["expected_loss_bp"]),
                bool(r["active"]),
                r["bean"],
                r["parts"],
            )
    elif sheet == "cost_settings":
        for s in conn.execute("SELECT * FROM cost_settings ORDER BY effective_from"):
            yield (
                _day(s["effective_from"]),
                _bp_fraction(s["expected_loss_bp"]),
                bool(s["use_recent_loss"]),
                s["roasting_won_per_kg"],
                s["labour_won_per_hour"],
                s["labour_minutes_per_session"],
                s["energy_won_per_session"],
                s["misc_won_per_session"],
                s["planned_session_roasted_g"],
                s["price_multiplier_pct"],
            )
    elif sheet == "purchases":
        sql = (
            "SELECT p.*, b.code AS bean FROM purchases p JOIN beans b ON b.id = p.bean_id ORDER BY p.purchased_on, p.id"
        )
        for p in conn.execute(sql):
            per_kg = int(round_decimal(Fraction(p["total_won"] * 1000, p["grams"]), 0))
            yield (
                _day(p["purchased_on"]),
                p["bean"],
                p["grams"],
                p["total_won"],
                per_kg,
                p["supplier"],
                p["lot_code"],
                p["notes"],
                p["external_id"] or "",
            )
    elif sheet == "stock_adjustments":
        sql = (
            "SELECT a.*, b.code AS bean FROM stock_adjustments a JOIN beans b ON b.id = a.bean_id"
            " ORDER BY a.adjusted_on, a.id"
        )
        for a in conn.execute(sql):
            yield (_day(a["adjusted_on"]), a["bean"], a["delta_g"], a["reason"], a["external_id"] or "")
    elif sheet == "roast_batches":
        sql = """
            SELECT b.id, b.roasted_on, b.roasted_g, b.minutes, b.operator, b.notes, b.source, b.external_id,
                   COALESCE(bl.code, pb.code) AS product,
                   CASE WHEN b.blend_id IS NULL THEN 'bean' ELSE 'blend' END AS kind,
                   cb.code AS bean, c.green_g, c.green_cost_won,
                   SUM(c.green_g) OVER (PARTITION BY b.id) AS total_green
              FROM roast_batches b
              JOIN roast_components c ON c.batch_id = b.id
              JOIN beans cb ON cb.id = c.bean_id
              LEFT JOIN blends bl ON bl.id = b.blend_id
              LEFT JOIN beans pb ON pb.id = b.bean_id
             ORDER BY b.roasted_on, b.id, cb.code
        """
        number, last_id, loss = 0, None, 0.0
        for r in conn.execute(sql):
            if r["id"] != last_id:  # a batch's first component: its number and loss
                number, last_id = number + 1, r["id"]
                loss = float(round_decimal(loss_pct(r["total_green"], r["roasted_g"]) / 100, 6))
            yield (
                number,
                _day(r["roasted_on"]),
                r["product"],
                r["kind"],
                r["roasted_g"],
                r["minutes"],
                r["operator"],
                r["notes"],
                r["source"],
                r["external_id"] or "",
                r["bean"],
                r["green_g"],
                r["green_cost_won"],
                loss,
            )
    elif sheet == "menu_items":
        sql = (
            "SELECT m.*, COALESCE(bl.code, be.code) AS product,"
            " CASE WHEN m.blend_id IS NULL THEN 'bean' ELSE 'blend' END AS kind"
            " FROM menu_items m LEFT JOIN beans be ON be.id = m.bean_id LEFT JOIN blends bl ON bl.id = m.blend_id"
            " ORDER BY m.id"
        )
        for m in conn.execute(sql):
            yield (
                m["code"],
                m["name_en"],
                m["name_ko"],
                m["channel"],
                m["product"],
                m["kind"],
                m["dose_g"],
                m["price_won"],
                m["extra_cost_won"],
                bool(m["active"]),
                m["external_id"] or "",
            )
    else:
        raise ValidationError("table", "io.unknown_table", sheet=sheet)


def _row_count(conn: sqlite3.Connection, sheet: str) -> int:
    table = {"blends": "blend_components", "roast_batches": "roast_components"}.get(sheet, sheet)
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def is_dangerous_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS_START)
