"""The one read interface of the tabs (issue #14 point 1): every figure a tab shows that the
analytics engine could compute comes through `Context.reads`, chosen once per kernel.

- `EngineReads`: `themoon.analytics.Analytics` (DuckDB over a snapshot of the store), brought up
  to date before every read: fast on a million batches. What the dashboard uses.
- `StoreReads`: the store API (`kpis`, `inventory`, the price list), with the same return shapes,
  for a kernel where the engine cannot start. What only the engine can compute (run-out
  forecasts, cost trends, loss distributions, the anomaly list) comes back as `UNAVAILABLE`.

A tab never asks which reader it has: it calls these methods and renders `UNAVAILABLE` (test with
`available`) the one way `Tab.unavailable_text` says. Both readers' numbers are equal where both
compute them (tests/test_ui_reads.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Any

from .. import catalog, cost_settings, inventory, kpis, price_list
from .. import sales as store_sales
from ..costing import CostSettings
from . import sales_reads


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (the engine's frames)."""
    try:
        return value is None or bool(value != value)
    except TypeError:  # pd.NA refuses to be a bool
        return True


def _day(value: Any) -> date | None:
    if _missing(value):
        return None
    return value.date() if hasattr(value, "date") else value


class Unavailable:
    """A figure this reader cannot compute (it needs the analytics engine). Falsy and empty, so
    code that only lists or counts treats it as nothing; tabs say why with `Tab.unavailable_text`."""

    _instance: Unavailable | None = None

    def __new__(cls) -> Unavailable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(())

    def __repr__(self) -> str:
        return "UNAVAILABLE"


UNAVAILABLE = Unavailable()


def available(value: Any) -> bool:
    """False for a figure the reader could not compute."""
    return not isinstance(value, Unavailable)


class Reads:
    """What the tabs read. `engine` says which reader this is (for the log and tests only)."""

    engine = False

    def settings_on(self, on: date) -> CostSettings:
        raise NotImplementedError

    def green_costs(self, on: date) -> dict[int, Fraction | None]:
        """Moving-average green ₩/kg of every bean id on a day (None: never bought)."""
        raise NotImplementedError

    def stock(self, on: date | None = None) -> list[dict]:
        """Every bean's stock after `on` (default: everything recorded), as `inventory.stock` rows."""
        raise NotImplementedError

    def runout(self, on: date) -> dict[str, date | None] | Unavailable:
        """{bean code: forecast run-out date (None: not within a year)} of every bean."""
        raise NotImplementedError

    def product_costs(self, on: date) -> list[dict]:
        """Standard cost rows of every active product (`price_list.product_costs`)."""
        raise NotImplementedError

    def menu_costs(self, on: date) -> list[dict]:
        """Cost, suggested price and margin rows of every active menu item (`price_list.menu_costs`)."""
        raise NotImplementedError

    def what_if(self, on: date, **values: Any) -> list[dict]:
        """Menu rows under changed inputs (widget values, validated: ValidationError), nothing written."""
        raise NotImplementedError

    def overview(self, since: date, until: date, *, product: str | None = None) -> dict[str, Any]:
        """Everything the Overview shows (`kpis.overview_data`'s shape)."""
        raise NotImplementedError

    def sales_kpis(self, since: date, until: date) -> dict[str, Any]:
        """Net sales and gross profit of a period against the period before (`sales_reads.kpis`'s
        shape: current, previous, revenue_change_pct, gross_profit_change_pct)."""
        raise NotImplementedError

    def sales(self, since: date, until: date) -> dict[str, Any]:
        """Everything the Sales & profit tab shows (`sales_reads.sales_data`'s shape)."""
        raise NotImplementedError


class EngineReads(Reads):
    """The analytics engine's numbers. `engine()` gives the engine brought up to date (the
    Context's; None if it went away, which is an error here: the choice was made once)."""

    engine = True

    def __init__(self, engine: Callable[[], Any]) -> None:
        self._engine = engine
        self._cache = kpis.OverviewCache()

    def _fresh(self) -> Any:
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the analytics engine could not start")
        return engine

    def settings_on(self, on: date) -> CostSettings:
        return self._fresh().settings_on(on)

    def green_costs(self, on: date) -> dict[int, Fraction | None]:
        return self._fresh().green_costs_per_kg(on)

    def stock(self, on: date | None = None) -> list[dict]:
        return [
            {
                "bean": r["code"],
                "bean_id": int(r["bean_id"]),
                "name_en": r["name_en"],
                "name_ko": r["name_ko"],
                "stock_g": int(r["stock_g"]),
                "avg_cost_per_kg_won": None if _missing(r["avg_cost_per_kg_won"]) else int(r["avg_cost_per_kg_won"]),
                "value_won": int(r["value_won"]),
                "reorder_point_g": int(r["reorder_point_g"]),
                "low": bool(r["low"]),
            }
            for r in self._fresh().stock(on).to_dict("records")
        ]

    def runout(self, on: date) -> dict[str, date | None]:
        frame = self._fresh().runout(on, active_only=False)
        if not len(frame):
            return {}
        return {r["bean"]: _day(r["runout_date"]) for r in frame.to_dict("records")}

    def product_costs(self, on: date) -> list[dict]:
        return self._fresh().product_costs(on)

    def menu_costs(self, on: date) -> list[dict]:
        return self._fresh().menu_costs(on)

    def what_if(self, on: date, **values: Any) -> list[dict]:
        return self._fresh().what_if(on=on, **values)

    def overview(self, since: date, until: date, *, product: str | None = None) -> dict[str, Any]:
        return kpis.overview_data(self._fresh(), since, until, product=product, cache=self._cache)

    def sales_kpis(self, since: date, until: date) -> dict[str, Any]:
        found = self._fresh().sales_kpis(since, until)
        return sales_reads.kpis(found["current"], found["previous"])

    def sales(self, since: date, until: date) -> dict[str, Any]:
        engine = self._fresh()
        items = engine.sales_items(since, until).to_dict("records")
        weekly = [
            {**r, "period": _day(r["period"])}
            for r in engine.sales_trend("week", "channel", since, until).to_dict("records")
        ]
        profit = engine.period_profit(since, until)
        products = engine.products().to_dict("records")
        return sales_reads.sales_data(
            since,
            until,
            totals=engine.sales_summary(since, until),
            weekly=weekly,
            items=items,
            reconciliation=profit["reconciliation"],
            products=products,
            threshold=engine.snapshot.sales_threshold,
        )


class StoreReads(Reads):
    """The store API's numbers (`conn()` gives the kernel's connection)."""

    def __init__(self, conn: Callable[[], sqlite3.Connection]) -> None:
        self._conn = conn

    def settings_on(self, on: date) -> CostSettings:
        return cost_settings.settings_on(self._conn(), on)

    def green_costs(self, on: date) -> dict[int, Fraction | None]:
        return price_list.green_costs_per_kg(self._conn(), on)

    def stock(self, on: date | None = None) -> list[dict]:
        return inventory.stock(self._conn(), on=on)

    def runout(self, on: date) -> Unavailable:
        return UNAVAILABLE  # the day-of-week forecast runs over the engine's daily usage matrix

    def product_costs(self, on: date) -> list[dict]:
        return price_list.product_costs(self._conn(), on=on)

    def menu_costs(self, on: date) -> list[dict]:
        return price_list.menu_costs(self._conn(), on=on)

    def what_if(self, on: date, **values: Any) -> list[dict]:
        return price_list.what_if(self._conn(), on=on, **values)

    def overview(self, since: date, until: date, *, product: str | None = None) -> dict[str, Any]:
        conn = self._conn()
        batches = kpis.batches_in(conn, since, until)
        stock_rows = inventory.stock(conn, on=until)
        cards = kpis.overview(conn, since, until, batches=batches, stock_rows=stock_rows)
        menu = self.menu_costs(until)
        target = kpis.target_margin_pct(self.settings_on(until))
        low_margins = kpis.low_margins(menu, target)
        cards.update(
            cup_margin_pct=kpis.average_margin(menu, "cup"), target_margin_pct=target, low_margin_count=len(low_margins)
        )
        if product:
            batches = [b for b in batches if f"{b['product_kind']}:{b['product']}" == product]
        levels = [
            {**r, "runout_date": None, "reorder_date": None, "reorder_qty_g": None}
            for r in kpis.stock_levels(conn, until, stock_rows=stock_rows)
        ]
        products = [
            {"kind": p.kind, "code": p.code, "name_en": p.name_en, "name_ko": p.name_ko}
            for p in catalog.list_products(conn)
        ]
        return {
            "empty": kpis.is_empty(conn),
            "since": since,
            "until": until,
            "product": product,
            "overview": cards,
            "weekly": kpis.weekly_roasted(conn, since, until, batches=batches),
            "cost_grain": kpis.trend_grain(since, until),
            "cost_trend": UNAVAILABLE,
            "cost_overall": UNAVAILABLE,
            "loss": UNAVAILABLE,
            "stock": levels,
            "runout": UNAVAILABLE,
            "low_stock": sorted((r for r in levels if r["low"]), key=lambda r: (-r["short_g"], r["bean_id"])),
            "menu": menu,
            "target_margin_pct": target,
            "cup_margin_pct": cards["cup_margin_pct"],
            "low_margins": low_margins,
            "anomalies": UNAVAILABLE,
            "product_order": [p["code"] for p in products],
            "products": products,
        }

    def sales_kpis(self, since: date, until: date) -> dict[str, Any]:
        conn = self._conn()
        current = sales_reads.store_summary(store_sales.period_profit(conn, since, until))
        before = sales_reads.previous_period(since, until)
        previous = sales_reads.store_summary(store_sales.period_profit(conn, *before))
        return sales_reads.kpis(current, previous)

    def sales(self, since: date, until: date) -> dict[str, Any]:
        conn = self._conn()
        profit = store_sales.period_profit(conn, since, until)
        exact = store_sales.item_cogs(conn, since, until)
        menu = {m["code"]: m for m in catalog.list_menu_items(conn, active=None)}
        found = catalog.list_products(conn, active=None)
        products = [{"kind": p.kind, "code": p.code, "name_en": p.name_en, "name_ko": p.name_ko} for p in found]
        return sales_reads.sales_data(
            since,
            until,
            totals=sales_reads.store_summary(profit),
            weekly=UNAVAILABLE,  # one period_profit per week: the engine's trend only
            items=sales_reads.store_items(profit["items"], exact, menu, {(p.kind, p.id): p.code for p in found}),
            reconciliation=profit["reconciliation"],
            products=products,
            threshold=store_sales.unexplained_threshold(conn),
        )
