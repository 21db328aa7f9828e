"""The legacy import's ledger steps: the old app's stock transactions and roasting logs become
purchases, stock adjustments and roast batches (part of `legacy._Importer`)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .. import cost_settings, inventory, roasting
from ..models import ValidationError, parse_date
from ..reference_terms import (
    LEGACY_AUTO_MIGRATION,
    LEGACY_IN,
    LEGACY_MIGRATION,
    LEGACY_RELEASE,
    LEGACY_SAMPLE,
    LEGACY_USE,
)
from .legacy_outcome import Quirk as Quirk
from .legacy_source import (
    _INCOMING,
    _LOG_NOTE,
    _NOT_IMPORTED,
    _OPTIONAL,
    _OUTGOING,
    _PRODUCT_NAMES,
    _REQUIRED,
    _batch_groups,
    _day,
    _exact,
    _fmt,
    _g,
    _half_up,
    _norm,
    _NotWhole,
    _whole,
    _won,
)


class _LedgerSteps:
    """Steps of `legacy._Importer` for the ledger; they use its connection, report and helpers."""

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
            meaning = {LEGACY_RELEASE: "release", LEGACY_USE: "use"}[kind]
            reason = f"legacy {kind} ({meaning}) transactions #{row['id']}, {_g(grams)}: {text}"[:500]
            self.transaction_row(
                label, row["id"], "stock_adjustments", bean=bean_id, delta_g=-grams, reason=reason, adjusted_on=day
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
        valued[how] += 1
        if won is None:
            reason = f"legacy {LEGACY_IN} transactions #{row['id']} with unknown cost, {_g(grams)}: {text}"[:500]
            self.transaction_row(
                label, row["id"], "stock_adjustments", bean=bean_id, delta_g=grams, reason=reason, adjusted_on=day
            )
            return
        notes = f"legacy {LEGACY_IN} transactions #{row['id']}: {text} ({note})"
        self.transaction_row(
            label, row["id"], "purchases", bean=bean_id, grams=grams, total_won=won, purchased_on=day, notes=notes
        )

    def transaction_row(self, label: str, old_id: Any, table: str, *, bean: int, **values: Any) -> None:
        """Old transaction `old_id` as a purchase or a stock adjustment, unless an earlier import
        brought it (same bean and grams): then it is counted unchanged."""
        same = {"bean_id": bean, **{k: values[k] for k in ("grams", "delta_g") if k in values}}
        if self.seen(table, "transactions", old_id, same):
            self.report.unchanged[table] += 1
            return
        add = inventory.add_purchase if table == "purchases" else inventory.add_adjustment
        ext = self.ext("transactions", old_id)
        self.guarded(label, table, lambda: add(self.conn, bean=bean, external_id=ext, user=self.user, **values))

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
