"""Effective-dated cost settings: editing today's numbers never changes a past cost."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, fields
from datetime import date
from decimal import Decimal
from typing import Any

from . import audit
from .costing import CostSettings
from .db import transaction
from .models import ValidationError, parse_bool, parse_date, parse_decimal, parse_int, parse_pct_bp, parse_won

_COLUMNS = [f.name for f in fields(CostSettings)]


def _from_row(row: sqlite3.Row) -> CostSettings:
    values = {name: row[name] for name in _COLUMNS}
    values["effective_from"] = date.fromisoformat(values["effective_from"])
    values["use_recent_loss"] = bool(values["use_recent_loss"])
    return CostSettings(**values)


def history(conn: sqlite3.Connection) -> list[CostSettings]:
    """Every version, oldest first."""
    rows = conn.execute("SELECT * FROM cost_settings ORDER BY effective_from").fetchall()
    return [_from_row(r) for r in rows]


DEFAULTS = CostSettings(effective_from=date(2000, 1, 1))


def settings_on(conn: sqlite3.Connection, on: date | None = None) -> CostSettings:
    """The settings in force on a date: the latest version from on or before it, else the built-in
    defaults (so saving the first version today does not re-cost the days before it)."""
    on = on or date.today()
    row = conn.execute(
        "SELECT * FROM cost_settings WHERE effective_from <= ? ORDER BY effective_from DESC LIMIT 1",
        (on.isoformat(),),
    ).fetchone()
    return _from_row(row) if row else DEFAULTS


def pick(versions: list[CostSettings], on: date) -> CostSettings:
    """`settings_on` over an already-loaded history (for loops over many batches)."""
    chosen = DEFAULTS
    for version in versions:
        if version.effective_from <= on:
            chosen = version
        else:
            break
    return chosen


def parse(values: dict[str, Any], base: CostSettings) -> CostSettings:
    """Validate a (partial) set of new values on top of `base`."""
    clean: dict[str, Any] = asdict(base)
    for key, value in values.items():
        if value is None:
            continue
        if key == "effective_from":
            clean[key] = parse_date(key, value, today=date(9999, 12, 31))
        elif key == "expected_loss_pct":
            clean["expected_loss_bp"] = parse_pct_bp(key, value)
        elif key == "expected_loss_bp":
            clean[key] = parse_int(key, value, minimum=1, maximum=9999)
        elif key in ("plausible_loss_min_pct", "plausible_loss_max_pct"):
            clean[key.removesuffix("_pct") + "_bp"] = _band_bp(key, value)
        elif key in ("plausible_loss_min_bp", "plausible_loss_max_bp"):
            clean[key] = parse_int(key, value, minimum=0, maximum=10_000)
        elif key == "use_recent_loss":
            clean[key] = parse_bool(key, value)
        elif key == "labour_minutes_per_session":
            clean[key] = parse_int(key, value, minimum=0, maximum=24 * 60)
        elif key == "planned_session_roasted_g":
            clean[key] = parse_int(key, value, minimum=1, maximum=1_000_000)
        elif key == "price_multiplier_pct":
            clean[key] = parse_int(key, value, minimum=100, maximum=10_000)
        elif key in ("roasting_won_per_kg", "labour_won_per_hour", "energy_won_per_session", "misc_won_per_session"):
            clean[key] = parse_won(key, value)
        else:
            raise ValidationError(key, "error.is_not_a_cost_setting")
    if clean["plausible_loss_min_bp"] >= clean["plausible_loss_max_bp"]:
        moved = "min" if clean["plausible_loss_min_bp"] != base.plausible_loss_min_bp else "max"
        field = next((k for k in values if k.startswith(f"plausible_loss_{moved}_")), f"plausible_loss_{moved}_pct")
        raise ValidationError(
            field,
            "error.the_plausible_loss_band_must_go",
        )
    return CostSettings(**clean)


def _band_bp(field: str, value: Any) -> int:
    """A bound of the plausible loss band (0–100 %, two decimals) as basis points."""
    pct = parse_decimal(field, value, minimum=Decimal(0), maximum=Decimal(100))
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise ValidationError(field, "error.has_at_most_two_decimals")
    return int(bp)


def save(conn: sqlite3.Connection, *, user: str = "system", **values: Any) -> CostSettings:
    """Record a version effective from `effective_from` (default today); same date replaces it."""
    values.setdefault("effective_from", date.today())
    effective = parse_date("effective_from", values["effective_from"], today=date(9999, 12, 31))
    new = parse(values, settings_on(conn, effective))
    row = asdict(new)
    row["effective_from"] = new.effective_from.isoformat()
    row["use_recent_loss"] = int(new.use_recent_loss)
    with transaction(conn):
        old = conn.execute("SELECT * FROM cost_settings WHERE effective_from = ?", (row["effective_from"],)).fetchone()
        conn.execute(
            f"INSERT OR REPLACE INTO cost_settings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            [row[c] for c in _COLUMNS],
        )
        audit.record(conn, user, "update" if old else "create", "cost_settings", None, dict(old) if old else None, row)
    return new
