"""The legacy import's catalogue steps: the old app's inventory minimums, beans, blends and cost
settings become ours (part of `legacy._Importer`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from .. import catalog, cost_settings, reference
from ..models import ValidationError
from ..reference_terms import (
    LEGACY_MASAI,
    LEGACY_SIDAMO_G4,
    LEGACY_SWISS_WATER,
    LEGACY_YIRGACHEFFE,
)
from .legacy_outcome import Quirk as Quirk
from .legacy_source import (
    _CALCULATOR_BATCH_G,
    _COUNTRY_BY_CODE,
    _COUNTRY_BY_NAME,
    _HOUSE_BLENDS,
    _KNOWN_SWAPS,
    _NOT_IN_OLD_TABLE,
    _OLD_BEAN_NAMES,
    _PRODUCT_NAMES,
    _REFERENCE_BEANS,
    _SETTINGS,
    _and,
    _day,
    _exact,
    _fmt,
    _half_up,
    _norm,
    _NotWhole,
    _plural,
    _whole,
    _won,
)


class _CatalogSteps:
    """Steps of `legacy._Importer` for the catalogue; they use its connection, report and helpers."""

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
        existing, by_name = self.stored("beans", code, row["name_en"], row["name_ko"])
        if by_name:
            self.report.quirk(
                "bean-matched-by-name",
                f"no bean has code {code}, but '{row['name_en']}' / '{row['name_ko']}' exists as {existing['code']}.",
                f"Reused {existing['code']}.",
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

    def stored(self, table: str, code: str, name_en: str, name_ko: str) -> tuple[Any, bool]:
        """The row (id, code) of `table` with this code, else the one row with this English (any
        case) or Korean name: the same bean or blend entered by hand before the import (then True)."""
        existing = self.conn.execute(f"SELECT id, code FROM {table} WHERE code = ? COLLATE NOCASE", (code,)).fetchone()
        if existing is not None:
            return existing, False
        matches = self.conn.execute(
            f"SELECT id, code FROM {table} WHERE name_en = ? COLLATE NOCASE OR name_ko = ?", (name_en, name_ko)
        ).fetchall()
        return (matches[0], True) if len(matches) == 1 else (None, False)

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
        existing, _ = self.stored("blends", code, house["name_en"], house["name_ko"])
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
