"""The old app's database as the legacy import reads it: its tables and settings, the café's names for
its beans and blends, number and date helpers, and the read-only reading of the file."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .. import reference
from ..models import ValidationError
from ..reference_terms import (
    LEGACY_BLEND_SUFFIXES,
    LEGACY_COUNTRY_BY_NAME,
    LEGACY_IN,
    LEGACY_MIGRATION,
    LEGACY_PRODUCT_NAMES,
    LEGACY_RELEASE,
    LEGACY_USE,
)

KIND = "legacy"


def _norm(text: Any) -> str:
    """A name for matching: no spaces, case-folded."""
    return re.sub(r"\s+", "", str(text or "")).casefold()


COUNTED = ("beans", "blends", "cost_settings", "purchases", "stock_adjustments", "roast_batches")
_LABELS = {
    "beans": "beans",
    "blends": "blends",
    "cost_settings": "cost settings",
    "purchases": "purchases",
    "stock_adjustments": "stock adjustments",
    "roast_batches": "roast batches",
}

# The café's beans and blends (SPEC §2) come from `themoon.reference`, so that an import and the
# catalogue entered from the reference data use the same codes. Only names, countries, roast levels
# and processes are taken from it: its prices and reorder points are assumptions, not legacy data.
_REFERENCE_BEANS = {b.code: (b.name_en, b.name_ko, b.country) for b in reference.BEANS}
# the old beans table's names where they differ from the café's (old name → our code)
_OLD_BEAN_NAMES = {"aafaq": "KEN-MASAI-AA"}
_NOT_IN_OLD_TABLE = "BRA-SANTOS"  # named by the roasting form; created only when needed

_COUNTRY_BY_NAME = LEGACY_COUNTRY_BY_NAME
_COUNTRY_BY_CODE = {
    "eth": "Ethiopia",
    "k": "Kenya",
    "ken": "Kenya",
    "co": "Colombia",
    "col": "Colombia",
    "gu": "Guatemala",
    "gtm": "Guatemala",
    "cos": "Costa Rica",
    "cri": "Costa Rica",
    "br": "Brazil",
    "bra": "Brazil",
}

# House blends whose recipes are facts of the café's workbooks; the old app's names for them.
# (Eclipse Moon's parts were never recorded: an old recipe for it is taken as it is.)
_HOUSE_BLENDS = {
    b.code: {
        "name_en": b.name_en,
        "name_ko": b.name_ko,
        "description": b.description,
        "aliases": {_norm(n + suffix) for n in (b.name_ko, b.name_en) for suffix in LEGACY_BLEND_SUFFIXES},
        "parts": dict(b.components),
        "recipe_known": b.code != "ECLIPSE-MOON",
    }
    for b in reference.BLENDS
}

# Names of single origins as the café says them (old one-row "blends", roasting-log notes).
_PRODUCT_NAMES = LEGACY_PRODUCT_NAMES

# Substitutions the old app made "for convenience" (old bean → the bean the café means).
_KNOWN_SWAPS = {
    ("ETH-YIRGACHEFFE", "KEN-MASAI-AA"): "masai-mapped-to-yirgacheffe",
    ("BRA-DECAF-SWISS-WATER", "ETH-SIDAMO-G4"): "g4-mapped-to-swiss-water",
}

# Batch sizes (g roasted) of the roasting-log workbook's calculator sheet.
_CALCULATOR_BATCH_G = {22_000: "Full Moon", 4_000: "New Moon"}

_SETTINGS = {
    "roasting_loss_rate": "expected_loss_pct",
    "roasting_cost_per_kg": "roasting_won_per_kg",
    "labor_cost_per_hour": "labour_won_per_hour",
    "roasting_time_hours": "labour_minutes_per_session",
    "electricity_cost": "energy_won_per_session",
    "misc_cost": "misc_won_per_session",
    "default_margin_rate": "price_multiplier_pct",
}

_REQUIRED = {
    "beans": {"id", "no", "country_code", "country_name", "name", "roast_level", "price_per_kg", "status"},
    "blends": {"id", "name", "total_portion", "suggested_price", "status"},
    "blend_recipes": {"id", "blend_id", "bean_id", "portion_count"},
    "cost_settings": {"parameter_name", "value", "updated_at"},
}
_OPTIONAL = ("inventory", "transactions", "roasting_logs")
_NOT_IMPORTED = {
    "users": "user accounts (passwords are not migrated; create users with `themoon user add`)",
    "user_permissions": "permissions (roles are owner/staff/viewer here)",
    "audit_logs": "old audit entries",
    "loss_rate_warnings": "old loss warnings (loss alerts are recomputed from the batches)",
    "blend_recipes_history": "recipe history",
}
_INCOMING = (LEGACY_IN,)
_OUTGOING = (LEGACY_RELEASE, LEGACY_USE)
_LOG_NOTE = re.compile(LEGACY_MIGRATION + r"\s*-\s*(?P<name>.+?)\s*$")


class _NotWhole(Exception):
    """A number that should be whole is not (a price, minutes, a percentage)."""


# --- helpers -----------------------------------------------------------------------------------


def _exact(value: Any) -> Decimal | None:
    """A REAL/INTEGER/TEXT cell as an exact decimal (floats by their shortest repr), None if empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _whole(number: Decimal) -> int:
    if number != number.to_integral_value():
        raise _NotWhole(str(number))
    return int(number)


def _half_up(number: Decimal) -> int:
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _won(n: int) -> str:
    return f"₩{n:,}"


def _g(n: int) -> str:
    return f"{n:,} g"


def _fmt(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _day(value: Any) -> date | None:
    text = str(value or "").strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _quoted(name: str) -> str:
    """An SQL identifier (table names come from the old file's own sqlite_master)."""
    return '"' + name.replace('"', '""') + '"'


def _batch_groups(roasted: list[tuple[int, Decimal]], sizes: dict[int, str]) -> list[str] | None:
    """Split consecutive roasted weights into runs that each add up to a known batch size, if they do."""
    groups, run, total = [], [], Decimal(0)
    for old_id, grams in roasted:
        run.append((old_id, grams))
        total += grams
        if total in sizes:
            parts = " + ".join(f"{_fmt(g)}" for _, g in run)
            ids = ", ".join(f"#{i}" for i, _ in run)
            groups.append(f"{sizes[int(total)]} {int(total):,} g = {parts} (logs {ids})")
            run, total = [], Decimal(0)
    return groups if groups and not run else None


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- reading the old database ------------------------------------------------------------------


def _read_legacy(path: Path) -> tuple[dict[str, list[dict]], dict[str, set[str]]]:
    """Every table of the old database as rows, after checking it really is one."""
    if not path.is_file():
        raise ValidationError("path", "io.does_not_exist_or_is_not", path=path)
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        old = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        raise ValidationError("path", "io.cannot_open", file=path.name, error=error) from None
    old.row_factory = sqlite3.Row
    try:
        names = [
            r[0]
            for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        columns = {n: {r["name"] for r in old.execute("SELECT name FROM pragma_table_info(?)", (n,))} for n in names}
        missing = [t for t in _REQUIRED if t not in columns]
        if missing:
            raise ValidationError(
                "path",
                "io.is_not_a_database_of_the",
                file=path.name,
                missing=", ".join(missing),
            )
        for table, needed in _REQUIRED.items():
            lacking = sorted(needed - columns[table])
            if lacking:
                raise ValidationError(
                    "path",
                    "io.is_not_a_database_of_the_2",
                    file=path.name,
                    table=table,
                    lacking=", ".join(lacking),
                )
        # table names come from sqlite_master of the file itself and are quoted
        data = {n: [dict(r) for r in old.execute(f"SELECT * FROM {_quoted(n)}")] for n in names}
    except sqlite3.DatabaseError as error:
        raise ValidationError(
            "path",
            "io.is_not_a_readable_sqlite_database",
            file=path.name,
            error=error,
        ) from None
    finally:
        old.close()
    return data, columns
