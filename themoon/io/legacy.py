"""Import the old Streamlit app's SQLite database (`Data/roasting_data.db`, v2.0.0 and v0.14).

The old database is opened read-only and read completely before anything is written. The whole
import is one transaction: any unexpected error leaves the store untouched; a dry run does all the
work inside that transaction and rolls it back, so its report is exact.

Every quirk of the old data is reported, never copied silently (see `ImportReport.quirks`):
prices of 0 mean "unknown", recipes that the old app mapped wrongly are corrected to the café's
workbooks, roasting-log weights that were grams in `_kg` columns are rounded to whole grams, and
so on. Every created row is traceable to its old row: purchases, stock adjustments and roast
batches carry `external_id = legacy:<sha256 of the file, 12 hex>:<table>:<old id>`; beans and
blends are matched by code. Running the same file again creates nothing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .. import audit, catalog, cost_settings, inventory, reference, roasting
from ..db import transaction
from ..models import ValidationError, parse_date
from ..reference_terms import (
    LEGACY_AUTO_MIGRATION,
    LEGACY_BLEND_SUFFIXES,
    LEGACY_COUNTRY_BY_NAME,
    LEGACY_IN,
    LEGACY_MASAI,
    LEGACY_MIGRATION,
    LEGACY_PRODUCT_NAMES,
    LEGACY_RELEASE,
    LEGACY_SAMPLE,
    LEGACY_SIDAMO_G4,
    LEGACY_SWISS_WATER,
    LEGACY_USE,
    LEGACY_YIRGACHEFFE,
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


@dataclass
class Quirk:
    code: str
    found: str
    resolution: str


def _counts() -> dict[str, int]:
    return dict.fromkeys(COUNTED, 0)


@dataclass
class ImportReport:
    source: str
    created: dict[str, int] = field(default_factory=_counts)
    unchanged: dict[str, int] = field(default_factory=_counts)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)
    sha256: str = ""
    schema: str = ""
    dry_run: bool = False

    def quirk(self, code: str, found: str, resolution: str) -> None:
        self.quirks.append(Quirk(code, found, resolution))

    @property
    def quirk_codes(self) -> list[str]:
        return [q.code for q in self.quirks]

    def text(self) -> str:
        def counts(values: dict[str, int]) -> str:
            return ", ".join(f"{_LABELS[k]} {values.get(k, 0)}" for k in COUNTED)

        def wrap(text: str, first: str, rest: str) -> list[str]:
            return textwrap.wrap(
                text,
                100,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )

        lines = [f"Legacy import of {self.source}"]
        lines.append(f"  file sha256 {self.sha256[:12]}…, old app schema {self.schema}")
        if self.dry_run:
            lines.append("  DRY RUN: nothing was written; this is what the import would do.")
        verb = "Would create" if self.dry_run else "Created"
        lines.append(f"{verb}: {counts(self.created)}")
        lines.append(f"Already there (unchanged): {counts(self.unchanged)}")
        if self.rejected:
            lines.append(f"Rejected ({len(self.rejected)}):")
            for what, why in self.rejected:
                lines += wrap(f"{what}: {why}", "  - ", "    ")
        else:
            lines.append("Rejected: none")
        lines.append("Rules applied:")
        for rule in _RULES:
            lines += wrap(rule, "  - ", "    ")
        lines.append(f"Quirks of the old data ({len(self.quirks)}):")
        for number, q in enumerate(self.quirks, start=1):
            lines += wrap(f"[{q.code}] {q.found}", f"  {number:>2}. ", "      ")
            lines += wrap(q.resolution, "      → ", "        ")
        return "\n".join(lines)


_RULES = (
    "A legacy price of 0 means 'unknown': no ₩0 cost is recorded from it. Known prices (the owner's last "
    "entered green cost ₩/kg) value stock-ins that have no amount and opening balances.",
    f"{LEGACY_IN} (stock-in) becomes a purchase. {LEGACY_RELEASE}/{LEGACY_USE} (release/use) become negative stock "
    "adjustments: there is no "
    "record of consumption without a roast.",
    "A roasting log the imported stock does not cover gets an explicit opening balance dated the day before "
    "the roast (a purchase valued at the bean's last entered legacy price when one is known, otherwise a stock "
    "adjustment without value); each one is listed below. Nothing is faked silently.",
    "Rows are traced by external_id legacy:<file sha256[:12]>:<table>:<old id>; beans and blends by code. "
    "Importing the same file again changes nothing.",
)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


class _NotWhole(Exception):
    pass


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


# --- the import ------------------------------------------------------------------------------


def import_legacy(
    conn: sqlite3.Connection, path: str | Path, *, dry_run: bool = False, user: str = "import"
) -> ImportReport:
    """Import an old app database into the store; returns what was (or would be) done."""
    path = Path(path)
    data, columns = _read_legacy(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = ImportReport(source=str(path), sha256=digest, dry_run=dry_run)
    if dry_run and conn.in_transaction:
        raise ValidationError("dry_run", "io.needs_its_own_transaction_the_connection")
    try:
        with transaction(conn):
            _Importer(conn, data, columns, digest, user, report).run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _Importer:
    def __init__(self, conn, data, columns, digest: str, user: str, report: ImportReport):
        self.conn = conn
        self.data = data
        self.columns = columns
        self.sha = digest
        self.tag = f"legacy:{digest[:12]}"
        self.user = user
        self.report = report
        self.bean_ids: dict[str, int] = {}  # our code → id
        self.old_bean: dict[int, str] = {}  # old beans.id → our code
        self.old_names: dict[int, str] = {}  # old beans.id → old name
        self.price: dict[str, int] = {}  # our code → last entered ₩/kg (known prices only)
        self.reorder: dict[int, int] = {}  # old beans.id → min stock g
        self.bean_added_for: dict[str, list[str]] = defaultdict(list)
        self.other_snapshot = 0
        self.batch_sizes = dict(_CALCULATOR_BATCH_G)

    # -- small utilities ---------------------------------------------------------------------

    def reject(self, what: str, why: str) -> None:
        self.report.rejected.append((what, why))

    def ext(self, table: str, old_id: Any, suffix: str = "") -> str:
        return f"{self.tag}:{table}:{old_id}{suffix}"

    def seen(self, table: str, old_table: str, old_id: Any, same: dict[str, Any]) -> str | None:
        """The external_id under which this old row was already imported: from this file, or (same
        content) from another snapshot of the same café's database. None if it was not."""
        mine = self.ext(old_table, old_id)
        if self.conn.execute(f"SELECT 1 FROM {table} WHERE external_id = ?", (mine,)).fetchone():
            return mine
        pattern = f"legacy:{'_' * 12}:{old_table}:{old_id}"
        where = " AND ".join(f"{column} = ?" for column in same)
        row = self.conn.execute(
            f"SELECT external_id FROM {table} WHERE external_id LIKE ? AND {where}", [pattern, *same.values()]
        ).fetchone()
        if row:
            self.other_snapshot += 1
            return row[0]
        return None

    def savepoint(self):
        return _Savepoint(self.conn)

    def rows(self, table: str) -> list[dict]:
        return self.data.get(table, [])

    # -- run ---------------------------------------------------------------------------------

    def run(self) -> None:
        has_logs = "roasting_logs" in self.data
        extra = {"users", "user_permissions", "audit_logs"} & set(self.data)
        self.report.schema = (
            "v0.14 (roasting_logs, users, warnings)"
            if has_logs and extra
            else "v0.14-like (roasting_logs)"
            if has_logs
            else "v2.0.0 (no roasting_logs)"
        )
        self.inventory()
        self.beans()
        self.blends()
        self.settings()
        self.transactions()
        self.roasting_logs()
        self.leftovers()
        self.money_quirk()
        self.added_beans_quirk()
        if self.other_snapshot:
            self.report.quirk(
                "already-imported-from-other-snapshot",
                f"{self.other_snapshot} rows match rows already imported from another copy of the old database"
                " (same old id and content, different file).",
                "Left as they are; not imported twice.",
            )
        self.record_import()

    # -- inventory (read first: min stock becomes the reorder point of new beans) -------------

    def inventory(self) -> None:
        rows = self.rows("inventory")
        if not rows:
            return
        stored = Counter()
        for row in rows:
            qty = _exact(row.get("quantity_kg"))
            stored["nonzero" if qty else "zero"] += 1
            low = _exact(row.get("min_quantity_kg"))
            if low is not None and low > 0 and row.get("bean_id") is not None:
                self.reorder[row["bean_id"]] = _half_up(low * 1000)
        mins = sorted({_fmt(_exact(r.get("min_quantity_kg")) or Decimal(0)) for r in rows})
        maxes = sorted({_fmt(_exact(r.get("max_quantity_kg")) or Decimal(0)) for r in rows})
        self.report.quirk(
            "inventory-stored-stock",
            f"inventory holds a stored stock per bean ({stored['zero']} rows at 0 kg, {stored['nonzero']} non-zero),"
            f" not derived from the transactions; min_quantity_kg {' / '.join(mins)} kg and max_quantity_kg"
            f" {' / '.join(maxes)} kg" + (" on every row." if len(mins) == len(maxes) == 1 else "."),
            "Stored quantities ignored: stock is derived from the imported purchases, adjustments and roasts."
            " min_quantity_kg becomes the reorder point of each newly created bean; max_quantity_kg has no use here.",
        )

    # -- beans -------------------------------------------------------------------------------

    def beans(self) -> None:
        by_name = {_norm(ko): code for code, (_, ko, _) in _REFERENCE_BEANS.items()}
        by_name.update({_norm(en): code for code, (en, _, _) in _REFERENCE_BEANS.items()})
        by_name.update(_OLD_BEAN_NAMES)
        by_no = {b.legacy_no: b.code for b in reference.BEANS if b.legacy_no is not None}
        by_number = []
        zero, known, odd_price = [], [], []
        missing_cc, odd_cc = [], Counter()
        for row in sorted(self.rows("beans"), key=lambda r: (r.get("no") or 0, r["id"])):
            name = str(row.get("name") or "").strip()
            code = by_name.get(_norm(name))
            label = f"beans #{row['id']} ({name or '?'})"
            if code is None and row.get("no") in by_no and by_no[row["no"]] not in self.old_bean.values():
                code = by_no[row["no"]]
                by_number.append(f"no {row['no']} '{name}' → {code} ({_REFERENCE_BEANS[code][0]})")
            if code is None:
                self.reject(label, "not one of the café's beans (SPEC §2); add it by hand if it is real")
                continue
            self.old_bean[row["id"]] = code
            self.old_names[row["id"]] = name
            cc = str(row.get("country_code") or "").strip()
            if not cc:
                missing_cc.append(name)
            elif cc.lower() not in ("eth", "ken", "col", "gtm", "cri", "bra") or cc != cc.capitalize():
                odd_cc[cc] += 1
            price = _exact(row.get("price_per_kg"))
            if price is None or price == 0:
                zero.append(name)
            else:
                try:
                    self.price[code] = _whole(price)
                    known.append(f"{name} {_won(self.price[code])}")
                except _NotWhole:
                    odd_price.append(f"{name} {price}")
            self.bean_from_row(code, row)
        if by_number:
            self.report.quirk(
                "bean-matched-by-number",
                f"old beans whose name is not the café's, matched by their number in the café's table:"
                f" {'; '.join(by_number)}.",
                "Check that these are the same beans.",
            )
        if zero:
            self.report.quirk(
                "bean-price-zero",
                f"{_plural(len(zero), 'bean')} have price_per_kg 0: {', '.join(zero)} (the old app's average"
                " price crashed on these).",
                "A price of 0 is read as 'unknown': no cost is recorded from it. Record real purchases to give"
                " these beans a green cost.",
            )
        if known:
            self.report.quirk(
                "bean-price-last-entered",
                f"{_plural(len(known), 'bean')} have a price_per_kg (the owner's last entered green cost ₩/kg):"
                f" {', '.join(known)}.",
                "There is no price column on our beans: the price values the stock-ins that have no amount and"
                " the opening balances below (moving-average cost then follows from those purchases).",
            )
        if odd_price:
            self.report.quirk(
                "bean-price-not-whole",
                f"price_per_kg is not a whole number of won: {', '.join(odd_price)}.",
                "Refused: treated as unknown.",
            )
        if missing_cc:
            self.report.quirk(
                "country-code-missing",
                f"country_code is empty on {_plural(len(missing_cc), 'bean')}: {', '.join(missing_cc)}.",
                "Country taken from country_name instead.",
            )
        if odd_cc:
            self.report.quirk(
                "country-code-nonstandard",
                "country codes are not ISO codes and their case varies: "
                + ", ".join(f"'{cc}' ×{n}" for cc, n in odd_cc.items())
                + ".",
                "Country stored as an English name from country_name (or the code when the name is missing);"
                " our bean codes use ISO alpha-3 prefixes.",
            )
        statuses = Counter(str(r.get("status") or "") for r in self.rows("beans"))
        if set(statuses) - {"active"}:
            self.report.quirk(
                "bean-status",
                f"bean status values: {dict(statuses)}.",
                "Only 'active' beans are created active; the others are created inactive (soft-deleted).",
            )

    def bean_from_row(self, code: str, row: dict) -> None:
        name_en, _, ref_country = _REFERENCE_BEANS[code]
        country = (
            _COUNTRY_BY_NAME.get(str(row.get("country_name") or "").strip())
            or _COUNTRY_BY_CODE.get(str(row.get("country_code") or "").strip().lower())
            or ref_country
        )
        description = str(row.get("description") or "").strip()
        notes = f"Imported from the old app (bean no {row.get('no')}, '{row.get('name')}')."
        if description:
            notes += f" Old description: {description}"
        self.ensure_bean(
            code,
            name_en=name_en,
            name_ko=str(row.get("name") or "").strip(),
            country=country,
            roast_level=str(row.get("roast_level") or "").strip(),
            process=reference.BEANS_BY_CODE[code].process,
            reorder_point_g=self.reorder.get(row["id"], 0),
            active=str(row.get("status") or "active").strip() == "active",
            notes=notes,
        )

    def ensure_bean(self, code: str, *, needed_by: str | None = None, **values: Any) -> int:
        """Our bean with this code: the existing one, or created now (reference values by default).

        `needed_by` names what needs a bean that the old beans table lacks (reported once per bean).
        """
        if needed_by and code not in self.old_bean.values() and needed_by not in self.bean_added_for[code]:
            self.bean_added_for[code].append(needed_by)
        if code in self.bean_ids:
            return self.bean_ids[code]
        ref = reference.BEANS_BY_CODE[code]
        row = {
            "code": code,
            "name_en": ref.name_en,
            "name_ko": ref.name_ko,
            "country": ref.country,
            "roast_level": ref.roast_level,
            "process": ref.process,
            **values,
        }
        existing = self.conn.execute("SELECT id FROM beans WHERE code = ? COLLATE NOCASE", (code,)).fetchone()
        if existing is None:
            # the same bean entered by hand under another code before the import?
            matches = self.conn.execute(
                "SELECT id, code FROM beans WHERE name_ko = ? OR name_en = ? COLLATE NOCASE",
                (row["name_ko"], row["name_en"]),
            ).fetchall()
            if len(matches) == 1:
                existing = matches[0]
                self.report.quirk(
                    "bean-matched-by-name",
                    f"no bean has code {code}, but '{row['name_en']}' / '{row['name_ko']}' exists as"
                    f" {matches[0]['code']}.",
                    f"Reused {matches[0]['code']}.",
                )
        if existing is not None:
            self.report.unchanged["beans"] += 1
            bean_id = existing["id"]
        else:
            if needed_by:
                row.setdefault(
                    "notes", f"Added by the legacy import: {needed_by} needs it; not in the old beans table."
                )
            bean_id = catalog.add_bean(self.conn, user=self.user, **row)
            self.report.created["beans"] += 1
        self.bean_ids[code] = bean_id
        return bean_id

    def added_beans_quirk(self) -> None:
        for code, users in self.bean_added_for.items():
            name_en, name_ko, country = _REFERENCE_BEANS[code]
            self.report.quirk(
                "bean-not-in-old-table",
                f"{name_en} ({name_ko}, {country}) is not in the old beans table, but {_and(users)} need it.",
                f"Bean {code} used (created from themoon.reference if it did not exist); its green price is"
                " unknown (the legacy data has none).",
            )
        if _NOT_IN_OLD_TABLE not in self.bean_ids:
            name_en, name_ko, country = _REFERENCE_BEANS[_NOT_IN_OLD_TABLE]
            self.report.quirk(
                "bean-not-needed",
                f"{name_en} ({name_ko}, {country}) is named by the roasting form but no old blend or log uses it.",
                "Not created by the import.",
            )

    # -- blends ------------------------------------------------------------------------------

    def blends(self) -> None:
        recipes: dict[int, list[dict]] = defaultdict(list)
        for r in sorted(self.rows("blend_recipes"), key=lambda r: r["id"]):
            recipes[r["blend_id"]].append(r)
        portions, singles, swaps, differs, prices = [], [], defaultdict(list), [], []
        for blend in sorted(self.rows("blends"), key=lambda r: r["id"]):
            name = str(blend.get("name") or "").strip()
            label = f"blends #{blend['id']} ({name})"
            rows = recipes.get(blend["id"], [])
            parts_sum = sum(int(r["portion_count"] or 0) for r in rows)
            if blend.get("total_portion") is not None and blend["total_portion"] != parts_sum:
                portions.append(f"{name} {blend['total_portion']} (rows {len(rows)}, parts {parts_sum})")
            suggested = _exact(blend.get("suggested_price"))
            if suggested:
                prices.append((name, suggested))
            unknown = [r["bean_id"] for r in rows if r["bean_id"] not in self.old_bean]
            if not rows:
                self.reject(label, "has no recipe rows")
                continue
            if unknown:
                self.reject(label, f"its recipe names old beans {unknown} that were not imported")
                continue
            old_parts = {self.old_bean[r["bean_id"]]: int(r["portion_count"]) for r in rows}
            old_text = ", ".join(f"{self.old_names[r['bean_id']]} {r['portion_count']}" for r in rows)
            if len(rows) == 1:
                (old_code,) = old_parts
                meant = _PRODUCT_NAMES.get(_norm(name), old_code)
                target = _REFERENCE_BEANS[meant][0]
                ratio = _fmt(_exact(rows[0].get("ratio")) or Decimal(0))
                singles.append(
                    f"{name} (type {blend.get('blend_type')}, recipe: {old_text}, ratio {ratio} %) = {target} ({meant})"
                )
                if meant != old_code and (old_code, meant) in _KNOWN_SWAPS:
                    swaps[_KNOWN_SWAPS[(old_code, meant)]].append(f"'{name}' (one-row blend #{blend['id']})")
                continue
            code = next((c for c, b in _HOUSE_BLENDS.items() if _norm(name) in b["aliases"]), None)
            if code is None:
                self.reject(label, f"not one of the café's house blends (recipe: {old_text}); add it by hand")
                continue
            house = _HOUSE_BLENDS[code]
            if not house["recipe_known"]:
                house = {**house, "parts": old_parts}
            parts = house["parts"]
            if old_parts != parts:
                removed = {c: p for c, p in old_parts.items() if parts.get(c) != p}
                added = {c: p for c, p in parts.items() if old_parts.get(c) != p}
                explained = set()
                for old_code, p in removed.items():
                    for new_code, q in added.items():
                        if p == q and (old_code, new_code) in _KNOWN_SWAPS:
                            swaps[_KNOWN_SWAPS[(old_code, new_code)]].append(f"the recipe of '{name}'")
                            explained |= {old_code, new_code}
                if (set(removed) | set(added)) - explained:
                    differs.append(f"{name}: old {old_text}")
            for bean_code in parts:
                self.ensure_bean(bean_code, needed_by=f"the {house['name_en']} recipe")
            self.add_blend(code, house, blend, old_text)
        self.blend_quirks(portions, singles, swaps, differs, prices)

    def add_blend(self, code: str, house: dict, blend: dict, old_text: str) -> None:
        existing = self.conn.execute("SELECT id FROM blends WHERE code = ? COLLATE NOCASE", (code,)).fetchone()
        if existing is None:
            matches = self.conn.execute(
                "SELECT id, code FROM blends WHERE name_en = ? COLLATE NOCASE OR name_ko = ?",
                (house["name_en"], house["name_ko"]),
            ).fetchall()
            existing = matches[0] if len(matches) == 1 else None
        if existing is not None:
            self.report.unchanged["blends"] += 1
            have = {c["code"]: c["parts"] for c in catalog.blend_components(self.conn, existing["id"])}
            if have != house["parts"]:
                self.report.quirk(
                    "blend-exists-different",
                    f"blend {code} already exists with parts {have}.",
                    "Kept as it is (the owner's current recipe wins over the import).",
                )
            return
        old_description = str(blend.get("description") or "").strip()
        description = (
            f"{house['description']} Imported from the old app's blend '{blend['name']}'"
            + (f" ({old_description})" if old_description else "")
            + f"; old recipe: {old_text}."
        )
        catalog.add_blend(
            self.conn,
            user=self.user,
            code=code,
            name_en=house["name_en"],
            name_ko=house["name_ko"],
            description=description,
            active=str(blend.get("status") or "active").strip() == "active",
            components={self.bean_ids[c]: p for c, p in house["parts"].items()},
        )
        self.report.created["blends"] += 1

    def blend_quirks(self, portions, singles, swaps, differs, prices) -> None:
        r = self.report
        if portions:
            r.quirk(
                "blend-total-portion-is-row-count",
                f"blends.total_portion holds the number of recipe rows, not the sum of parts: {'; '.join(portions)}.",
                "Ignored: parts come from blend_recipes.portion_count.",
            )
        if singles:
            r.quirk(
                "blend-single-origin",
                f"{_plural(len(singles), 'old blend')} are a single bean (one recipe row), i.e. the Full Moon /"
                f" New Moon components entered as blends: {'; '.join(singles)}.",
                "Not created as blends: they are single-origin products, i.e. the beans named.",
            )
        for code, where in swaps.items():
            if code == "masai-mapped-to-yirgacheffe":
                found = (
                    f"the old app maps 'Masai' ({LEGACY_MASAI}) to Yirgacheffe ({LEGACY_YIRGACHEFFE})"
                    " 'for convenience' in"
                    f" {' and '.join(where)}; the café's workbooks sell the Kenya AA FAQ bean as 'Kenya Masai AA'."
                )
                fix = "Mapped per the café's workbooks: Masai = Kenya Masai AA, the AA FAQ bean (KEN-MASAI-AA)."
            else:
                found = (
                    f"the old app maps 'G4' to Swiss Water ({LEGACY_SWISS_WATER}, a decaf) 'for convenience' in"
                    f" {' and '.join(where)}; in the café's workbooks G4 is Ethiopia Sidamo G4 ({LEGACY_SIDAMO_G4})."
                )
                fix = "Mapped per the café's workbooks: G4 = Sidamo G4 (ETH-SIDAMO-G4)."
            r.quirk(code, found, fix)
        if differs:
            r.quirk(
                "blend-recipe-differs",
                f"old recipes differ from the café's workbooks: {'; '.join(differs)}.",
                "The café's recipe (SPEC §2) is used.",
            )
        if prices:
            sizes = [f"{n} {_fmt(v)}" for n, v in prices if v in _CALCULATOR_BATCH_G]
            other = [f"{n} {_fmt(v)}" for n, v in prices if v not in _CALCULATOR_BATCH_G]
            found = "blends.suggested_price is not a price: "
            if sizes:
                found += (
                    f"{'; '.join(sizes)} are batch sizes in grams from the calculator sheet ("
                    + ", ".join(f"{name} {g:,} g" for g, name in _CALCULATOR_BATCH_G.items())
                    + ")"
                )
            if other:
                found += ("; " if sizes else "") + (
                    f"{'; '.join(other)} has no known meaning (beans sell at ₩12,000–18,500 per 200 g)"
                )
            r.quirk(
                "blend-suggested-price-is-batch-size",
                found + ".",
                "Ignored: prices are entered per menu item.",
            )

    # -- cost settings -----------------------------------------------------------------------

    def settings(self) -> None:
        rows = self.rows("cost_settings")
        if not rows:
            return
        values: dict[str, Any] = {}
        days, found, refused, unknown = [], [], [], []
        for row in rows:
            name = str(row.get("parameter_name") or "").strip()
            number = _exact(row.get("value"))
            day = _day(row.get("updated_at"))
            if day:
                days.append(day)
            if name not in _SETTINGS:
                unknown.append(f"{name}={row.get('value')}")
                continue
            found.append(f"{name} {_fmt(number) if number is not None else row.get('value')}")
            if number is None:
                refused.append(f"{name}: not a number")
                continue
            key = _SETTINGS[name]
            try:
                if key == "expected_loss_pct":
                    values[key] = number * 100 if number < 1 else number
                elif key == "labour_minutes_per_session":
                    values[key] = _whole(number * 60)
                elif key == "price_multiplier_pct":
                    values[key] = _whole(number * 100)
                else:
                    values[key] = _whole(number)
            except _NotWhole:
                refused.append(f"{name} {_fmt(number)}: not a whole number of won (or minutes / %)")
        descriptions = {str(r.get("description") or "") for r in rows}
        if not days:
            self.reject("cost_settings", "no updated_at date to make the settings effective from")
            return
        effective = max(days)
        label = f"cost_settings (effective {effective})"
        self.report.quirk(
            "cost-settings-dead-data",
            f"cost_settings rows ({', '.join(found)}; updated {effective}"
            + (
                ", descriptions 'Default …': the old app's seeded defaults"
                if all(d.startswith("Default") for d in descriptions)
                else ""
            )
            + ") were never used by any formula of the old app.",
            f"Mapped to one effective-dated version from {effective} (the date of the rows' updated_at),"
            " created unless the version in force then already holds the same values: "
            + ", ".join(f"{k} {_fmt(Decimal(v))}" for k, v in values.items())
            + ". The old roasting ₩/kg is taken as ours (per roasted kg).",
        )
        absent = [name for name in _SETTINGS if name not in {str(r.get("parameter_name")).strip() for r in rows}]
        if absent:
            self.report.quirk(
                "cost-settings-missing",
                f"cost_settings lacks {', '.join(absent)}.",
                "Taken from the version in force on that date (or our defaults).",
            )
        if refused:
            for item in refused:
                self.reject(f"cost_settings {item.split(':')[0]}", item)
        if unknown:
            self.report.quirk("cost-settings-unknown", f"unknown parameters: {', '.join(unknown)}.", "Ignored.")
        in_force = self.conn.execute(
            "SELECT * FROM cost_settings WHERE effective_from <= ? ORDER BY effective_from DESC LIMIT 1",
            (effective.isoformat(),),
        ).fetchone()
        try:
            base = cost_settings.settings_on(self.conn, effective)
            new = cost_settings.parse({**values, "effective_from": effective}, base)
        except ValidationError as error:
            self.reject(label, error.message)
            return
        same = in_force is not None and all(
            getattr(new, k) == getattr(base, k) for k in new.__dataclass_fields__ if k != "effective_from"
        )
        if same:
            self.report.unchanged["cost_settings"] += 1
            return
        if in_force is not None and in_force["effective_from"] == effective.isoformat():
            self.reject(label, "a different version effective on that date already exists; kept it")
            return
        cost_settings.save(self.conn, user=self.user, effective_from=effective, **values)
        self.report.created["cost_settings"] += 1

    # -- stock transactions ------------------------------------------------------------------

    def transactions(self) -> None:
        rows = self.rows("transactions")
        if not rows:
            return
        types = Counter(str(r.get("transaction_type") or "").strip() for r in rows)
        valued = Counter()
        samples = [
            r
            for r in rows
            if re.search(LEGACY_SAMPLE + "|sample", str(r.get("description") or r.get("notes") or ""), re.I)
        ]
        times = Counter(str(r.get("created_at") or "")[11:] for r in rows)

        def order(r):
            kind = str(r.get("transaction_type") or "").strip()
            return (0 if kind in _INCOMING else 1, str(r.get("created_at") or ""), r["id"])

        for row in sorted(rows, key=order):
            self.transaction(row, valued)

        self.report.quirk(
            "transaction-types-mixed",
            f"transaction types: {', '.join(f'{k or chr(63)} ×{v}' for k, v in types.items())}. The old app"
            f" writes both {LEGACY_USE} (use) and {LEGACY_RELEASE} (release) for green coffee going out, with no link"
            " to a roast.",
            f"{LEGACY_IN} → purchases; {LEGACY_USE} and {LEGACY_RELEASE} alike → negative stock adjustments"
            " whose reason names the old"
            " transaction (we have no consumption-without-roast record).",
        )
        if valued:
            how = {
                "total_amount": "from total_amount",
                "total_amount_mismatch": "from total_amount although quantity × price_per_unit differs",
                "qty_x_price": "quantity × price_per_unit",
                "bean_price": "quantity × the bean's last entered price (price_per_unit and total_amount are 0)",
                "unknown": "no amount and no known bean price: recorded as a +stock adjustment without value",
            }
            self.report.quirk(
                "transaction-amount",
                "stock-in amounts: " + "; ".join(f"{n} {how[k]}" for k, n in valued.items()) + ".",
                "Purchase totals in integer won (half-up when quantity × price is not whole); never a ₩0 cost.",
            )
        if samples:
            common = times.most_common(1)[0]
            self.report.quirk(
                "transaction-sample-data",
                f"{len(samples)} of {len(rows)} transactions are described as '({LEGACY_SAMPLE})' (sample)"
                + (
                    f", and {common[1]} share the same time of day to the microsecond ({common[0]}): machine-generated"
                    if common[1] > 1
                    else ""
                )
                + ".",
                "Imported as written (purchases/adjustments named after the old rows) so stock and roasts"
                " reconcile; delete them (`external_id` legacy:…:transactions:…) if they were not real.",
            )

    def transaction(self, row: dict, valued: Counter) -> None:
        kind = str(row.get("transaction_type") or "").strip()
        label = f"transactions #{row['id']} ({kind})"
        old_bean = row.get("bean_id")
        if old_bean is None:
            self.reject(label, "has no bean (only a blend), so it cannot move green stock")
            return
        code = self.old_bean.get(old_bean)
        if code is None:
            self.reject(label, f"names old bean {old_bean}, which was not imported")
            return
        day = _day(row.get("created_at"))
        qty = _exact(row.get("quantity_kg"))
        if day is None or qty is None or qty <= 0:
            self.reject(label, "has no usable date or quantity")
            return
        grams = _half_up(qty * 1000)
        text = str(row.get("description") or row.get("notes") or "").strip()
        bean_id = self.bean_ids[code]
        if kind in _INCOMING:
            self.stock_in(row, label, code, bean_id, day, qty, grams, text, valued)
        elif kind in _OUTGOING:
            ext = self.ext("transactions", row["id"])
            if self.seen("stock_adjustments", "transactions", row["id"], {"bean_id": bean_id, "delta_g": -grams}):
                self.report.unchanged["stock_adjustments"] += 1
                return
            meaning = {LEGACY_RELEASE: "release", LEGACY_USE: "use"}[kind]
            reason = f"legacy {kind} ({meaning}) transactions #{row['id']}, {_g(grams)}: {text}"[:500]
            self.guarded(
                label,
                "stock_adjustments",
                lambda: inventory.add_adjustment(
                    self.conn,
                    bean=bean_id,
                    delta_g=-grams,
                    reason=reason,
                    adjusted_on=day,
                    external_id=ext,
                    user=self.user,
                ),
            )
        else:
            self.reject(label, f"unknown transaction type '{kind}'")

    def stock_in(self, row, label, code, bean_id, day, qty, grams, text, valued) -> None:
        total = _exact(row.get("total_amount")) or Decimal(0)
        unit = _exact(row.get("price_per_unit")) or Decimal(0)
        try:
            if total > 0:
                won, how, note = _whole(total), "total_amount", f"total_amount {_won(_whole(total))}"
                if unit > 0 and qty * unit != total:
                    how = "total_amount_mismatch"
                    note += f", although {_fmt(qty)} kg × {_fmt(unit)} ₩/kg = {_fmt(qty * unit)}"
            elif unit > 0:
                won, how = _half_up(qty * unit), "qty_x_price"
                note = f"{_fmt(qty)} kg × {_fmt(unit)} ₩/kg"
            elif code in self.price:
                won, how = _half_up(qty * self.price[code]), "bean_price"
                note = f"no amount in the old row; valued at the bean's last entered price {_won(self.price[code])}/kg"
            else:
                won, how, note = None, "unknown", ""
        except _NotWhole:
            self.reject(label, f"total_amount {_fmt(total)} is not a whole number of won")
            return
        ext = self.ext("transactions", row["id"])
        valued[how] += 1
        if won is None:
            if self.seen("stock_adjustments", "transactions", row["id"], {"bean_id": bean_id, "delta_g": grams}):
                self.report.unchanged["stock_adjustments"] += 1
                return
            reason = f"legacy {LEGACY_IN} transactions #{row['id']} with unknown cost, {_g(grams)}: {text}"[:500]
            self.guarded(
                label,
                "stock_adjustments",
                lambda: inventory.add_adjustment(
                    self.conn,
                    bean=bean_id,
                    delta_g=grams,
                    reason=reason,
                    adjusted_on=day,
                    external_id=ext,
                    user=self.user,
                ),
            )
            return
        if self.seen("purchases", "transactions", row["id"], {"bean_id": bean_id, "grams": grams}):
            self.report.unchanged["purchases"] += 1
            return
        self.guarded(
            label,
            "purchases",
            lambda: inventory.add_purchase(
                self.conn,
                bean=bean_id,
                grams=grams,
                total_won=won,
                purchased_on=day,
                notes=f"legacy {LEGACY_IN} transactions #{row['id']}: {text} ({note})",
                external_id=ext,
                user=self.user,
            ),
        )

    def guarded(self, label: str, counter: str, action) -> bool:
        """Run one row's writes; a ValidationError rejects that row only (nothing of it stays)."""
        with self.savepoint() as sp:
            try:
                action()
            except ValidationError as error:
                sp.rollback()
                self.reject(label, error.message)
                return False
        self.report.created[counter] += 1
        return True

    # -- roasting logs ------------------------------------------------------------------------

    def roasting_logs(self) -> None:
        if "roasting_logs" not in self.data:
            return
        rows = sorted(self.rows("roasting_logs"), key=lambda r: (str(r.get("roasting_date")), r["id"]))
        if not rows:
            self.report.quirk("roasting-logs-empty", "roasting_logs has no rows.", "Nothing to import.")
            return
        roundings, guesses, openings, zero_cost = [], defaultdict(list), [], []
        invented, after_written = [], []
        for row in rows:
            self.roasting_log(row, roundings, guesses, openings, zero_cost)
            day, written = _day(row.get("roasting_date")), _day(row.get("created_at"))
            if LEGACY_MIGRATION in str(row.get("notes") or ""):
                invented.append(f"#{row['id']} {row.get('roasting_date')}")
            if day and written and day > written:
                after_written.append(f"#{row['id']} dated {day} but written {written}")
        r = self.report
        r.quirk(
            "roasting-log-grams-in-kg-columns",
            "roasting_logs weights are grams stored in raw_weight_kg / roasted_weight_kg: "
            + "; ".join(roundings)
            + ".",
            "Read as grams and rounded half-up to whole grams.",
        )
        if invented or after_written:
            r.quirk(
                "roasting-log-invented-dates",
                f"roasting dates were invented by the old app's migration (notes '{LEGACY_AUTO_MIGRATION}', one log per"
                f" day: {', '.join(invented)})"
                + (f"; {', '.join(after_written)} (a date after the row was written)" if after_written else "")
                + ".",
                "Imported on those dates, as written (the real dates are unknown); batch notes say so.",
            )
        r.quirk(
            "roasting-log-no-product-link",
            "roasting_logs have no bean or blend column; the name is only in notes. Guessed from the notes: "
            + "; ".join(f"'{name}' → {code} ({', '.join(ids)})" for (name, code), ids in guesses.items())
            + ".",
            "Each log recorded as a single-origin batch of the guessed bean (source 'legacy'); these are guesses"
            " from the notes — correct a batch's product if one is wrong.",
        )
        self.computed_green_quirk(rows)
        if openings:
            r.quirk(
                "stock-opening-balance",
                "the imported stock does not cover these roasting logs: " + "; ".join(openings) + ".",
                "An explicit opening balance 'opening balance from legacy roasting log' was added for each"
                " shortfall, dated the day before the roast (so it counts before it in the ledger): a purchase"
                " valued at the bean's last entered legacy price when known, else a stock adjustment.",
            )
        if zero_cost:
            r.quirk(
                "green-cost-unknown",
                f"no known green cost (no priced purchase before the roast) for: {', '.join(zero_cost)}.",
                "The schema cannot store an unknown cost, so ₩0 is frozen on these batches, which understates"
                " their cost."
                " To fix: record the real purchase (dated on or before the roast) in place of the opening"
                " adjustment, then re-save the batch so its cost is frozen again.",
            )

    def computed_green_quirk(self, rows: list[dict]) -> None:
        """Logs whose green weight is roasted / (1 − loss), i.e. computed, not weighed."""
        computed, roasted = [], []
        for x in rows:
            raw, done, loss = (_exact(x.get(k)) for k in ("raw_weight_kg", "roasted_weight_kg", "loss_rate_percent"))
            if None in (raw, done, loss):
                continue
            roasted.append((x["id"], done))
            if abs(raw * (1 - loss / 100) - done) <= Decimal("0.01"):
                computed.append(x)
        if not computed:
            return
        losses = sorted({_fmt(_exact(x["loss_rate_percent"])) for x in computed})
        old_expected = sorted({_fmt(_exact(x.get("expected_loss_rate_percent")) or Decimal(0)) for x in rows})
        found = (
            f"{len(computed)} of {len(rows)} logs have green = roasted / (1 − loss) to the centigram, loss"
            f" {', '.join(losses)} %: computed like the calculator sheet (green = roasted / 0.83), not weighed."
        )
        groups = _batch_groups(roasted, self.batch_sizes)
        if groups:
            found += f" In date order their roasted weights add up to whole calculator batches: {'; '.join(groups)}."
        day = _day(rows[0].get("roasting_date")) or date.today()
        expected = cost_settings.settings_on(self.conn, day).expected_loss_pct
        self.report.quirk(
            "roasting-log-computed-green",
            found,
            "Imported as written (one single-origin batch per log); their losses say nothing about real roasts."
            f" They are judged against our expected loss ({_fmt(Decimal(expected.numerator) / expected.denominator)}"
            f" %), not the old expected_loss_rate_percent ({', '.join(old_expected)} %).",
        )

    def roasting_log(self, row, roundings, guesses, openings, zero_cost) -> None:
        label = f"roasting_logs #{row['id']}"
        note = str(row.get("notes") or "").strip()
        match = _LOG_NOTE.search(note)
        name = match.group("name") if match else note
        code = _PRODUCT_NAMES.get(_norm(name))
        if code is None:
            by_old = {_norm(v): self.old_bean[k] for k, v in self.old_names.items()}
            code = by_old.get(_norm(name))
        raw, roasted = _exact(row.get("raw_weight_kg")), _exact(row.get("roasted_weight_kg"))
        if code is None:
            self.reject(label, f"cannot tell the bean from the notes '{note}'")
            return
        if raw is None or roasted is None or raw <= 0 or roasted <= 0:
            self.reject(label, "has no usable weights")
            return
        green_g, roasted_g = _half_up(raw), _half_up(roasted)
        roundings.append(f"#{row['id']} {_fmt(raw)} → {_g(green_g)} green, {_fmt(roasted)} → {_g(roasted_g)} roasted")
        guesses[(name, code)].append(f"log #{row['id']}")
        try:
            day = parse_date("roasting_date", row.get("roasting_date"))
        except ValidationError as error:
            self.reject(label, f"roasting_date {row.get('roasting_date')!r} {error.message}")
            return
        bean_id = self.ensure_bean(code, needed_by=f"roasting log #{row['id']} ('{name}')")
        ext = self.ext("roasting_logs", row["id"])
        done = self.seen(
            "roast_batches",
            "roasting_logs",
            row["id"],
            {"bean_id": bean_id, "roasted_on": day.isoformat(), "roasted_g": roasted_g},
        )
        if done:
            self.report.unchanged["roast_batches"] += 1
            for table in ("purchases", "stock_adjustments"):
                opening = (done + ":opening",)
                if self.conn.execute(f"SELECT 1 FROM {table} WHERE external_id = ?", opening).fetchone():
                    self.report.unchanged[table] += 1
            return
        notes = (
            f"legacy roasting_logs #{row['id']}: '{note}'. Bean guessed from the notes; weights were grams in"
            f" _kg columns ({_fmt(raw)} / {_fmt(roasted)})"
            + ("; date invented by the old app's migration." if LEGACY_MIGRATION in note else ".")
        )
        with self.savepoint() as sp:
            try:
                opening = self.opening_balance(row, code, bean_id, day, green_g)
                batch = roasting.add_batch(
                    self.conn,
                    user=self.user,
                    product=f"bean:{code}",
                    green_g=green_g,
                    roasted_g=roasted_g,
                    roasted_on=day,
                    source="legacy",
                    external_id=ext,
                    notes=notes,
                )
            except ValidationError as error:
                sp.rollback()
                self.reject(label, error.message)
                return
        if opening:
            table, text = opening
            self.report.created[table] += 1
            openings.append(text)
        self.report.created["roast_batches"] += 1
        if batch["green_cost_won"] == 0:
            zero_cost.append(f"batch of log #{row['id']} ({code})")

    def opening_balance(self, row, code, bean_id, day, green_g) -> tuple[str, str] | None:
        short = green_g - inventory.available_g(self.conn, bean_id, day)
        if short <= 0:
            return None
        on = day - timedelta(days=1)
        ext = self.ext("roasting_logs", row["id"], ":opening")
        reason = (
            f"opening balance from legacy roasting log #{row['id']} ('{row.get('notes')}'): the old data has no"
            f" stock-in covering this roast of {_g(green_g)}"
        )
        if code in self.price:
            won = _half_up(Decimal(short) * self.price[code] / 1000)
            inventory.add_purchase(
                self.conn,
                bean=bean_id,
                grams=short,
                total_won=won,
                purchased_on=on,
                lot_code="LEGACY-OPENING",
                notes=f"{reason}; not a recorded purchase, valued at the last entered price"
                f" {_won(self.price[code])}/kg",
                external_id=ext,
                user=self.user,
            )
            return "purchases", f"log #{row['id']} {code} short {_g(short)} → opening purchase {on} at {_won(won)}"
        inventory.add_adjustment(
            self.conn, bean=bean_id, delta_g=short, reason=reason, adjusted_on=on, external_id=ext, user=self.user
        )
        return (
            "stock_adjustments",
            f"log #{row['id']} {code} short {_g(short)} → opening stock adjustment {on} (no known price)",
        )

    # -- the rest ---------------------------------------------------------------------------

    def leftovers(self) -> None:
        empty, skipped = [], []
        for table, what in _NOT_IMPORTED.items():
            if table not in self.data:
                continue
            n = len(self.data[table])
            if n:
                skipped.append(f"{table} ({n} rows: {what})")
            else:
                empty.append(table)
        if "transactions" in self.data and not self.data["transactions"]:
            empty.append("transactions")
            if "bean_id" not in self.columns.get("transactions", set()):
                self.report.quirk(
                    "transactions-keyed-to-blends",
                    "transactions has blend_id NOT NULL and no bean_id: stock movements were recorded per blend,"
                    " not per green bean.",
                    "Nothing to import (the table is empty).",
                )
        if empty:
            self.report.quirk(
                "empty-tables",
                f"empty tables: {', '.join(empty)}.",
                "Nothing to import from them.",
            )
        if skipped:
            self.report.quirk("tables-not-imported", f"not imported: {'; '.join(skipped)}.", "Left in the old file.")
        known = set(_REQUIRED) | set(_OPTIONAL) | set(_NOT_IMPORTED)
        other = sorted(set(self.data) - known)
        if other:
            self.report.quirk("unknown-tables", f"tables this importer does not know: {', '.join(other)}.", "Ignored.")

    def money_quirk(self) -> None:
        money = {
            "beans": ("price_per_kg",),
            "blends": ("suggested_price",),
            "cost_settings": ("value",),
            "transactions": ("price_per_unit", "total_amount"),
        }
        declared = [f"{t}.{c}" for t, cs in money.items() for c in cs if c in self.columns.get(t, set())]
        self.report.quirk(
            "money-columns-real",
            f"money columns are REAL (floating point): {', '.join(declared)}.",
            "Converted to integer won exactly (by their decimal value); non-whole amounts are refused and"
            " listed under Rejected, computed amounts (quantity × price) are rounded half-up.",
        )

    def record_import(self) -> None:
        """One `imports` row per file: the first import of a file is recorded (and audited) once."""
        if self.conn.execute("SELECT 1 FROM imports WHERE kind = ? AND sha256 = ?", (KIND, self.sha)).fetchone():
            return
        summary = (
            f"{Path(self.report.source).name}: "
            + ", ".join(f"{k} {v}" for k, v in self.report.created.items())
            + f"; {len(self.report.rejected)} rejected; {len(self.report.quirks)} quirks"
        )
        import_id = self.conn.execute(
            "INSERT INTO imports (kind, sha256, summary) VALUES (?, ?, ?)", (KIND, self.sha, summary)
        ).lastrowid
        audit.record(
            self.conn,
            self.user,
            "import",
            "legacy_import",
            import_id,
            None,
            {"source": self.report.source, "sha256": self.sha, "created": self.report.created},
        )


class _Savepoint:
    """SAVEPOINT … RELEASE, with an explicit rollback of just this row."""

    _counter = 0

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        _Savepoint._counter += 1
        self.name = f"legacy_row_{_Savepoint._counter}"
        self.rolled_back = False

    def __enter__(self) -> _Savepoint:
        self.conn.execute(f"SAVEPOINT {self.name}")
        return self

    def rollback(self) -> None:
        self.conn.execute(f"ROLLBACK TO {self.name}")
        self.rolled_back = True

    def __exit__(self, *exc) -> None:
        self.conn.execute(f"RELEASE {self.name}")
