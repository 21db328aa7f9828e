"""Analytics over the store in DuckDB: trends, loss analysis, forecasts, standard costs, what-if,
profitability — one `Analytics(db_path)` per kernel, read-only.

The package is one module per topic, each a set of functions over the loaded `Snapshot`:

- `snapshot`: the private copy of the store in an in-memory DuckDB (the only place that attaches
  a SQLite file), refresh/fingerprint/generation, and the loaded dimensions;
- `stock`: stock per bean and day, its moving-average cost (walked by `inventory.BeanLedger`) and
  value; `trends`: KPI cards, trends, per-batch costs; `losses`: loss analysis and alerts;
  `usage` (+ `forecast`, the pure forecasting math): usage forecasts and run-out dates;
  `standard_costs`: standard and menu costs and what-if; `profitability`: margin trends and
  actual-vs-standard cost.

Every money formula is `themoon.costing`'s: batch costs and rounded losses are computed at load
with `costing.batch_cost_won` / `loss_and_variance_bp` over integer arrays; DuckDB only sums the
resulting integer won columns (docs/costing.md, "Where each formula lives"). Means, spreads and
quantiles of loss percentages and the money of loss above the expected are float64 statistics,
rounded for display. All SQL lives in `themoon/sql/*.sql` and takes bound parameters only.

`Analytics` is the one entry point (the dashboard, reports and notebooks use it): it keeps the
public methods, delegating to the topic modules. Dates are `datetime.date` or ISO strings;
products are codes (`FULL-MOON`, `bean:ETH-YIRGACHEFFE`) as `catalog.get_product` reads them;
results are pandas DataFrames (or dicts / lists of dicts for single records and cost rows).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from ..costing import CostSettings
from . import losses, profitability, sales, standard_costs, stock, trends, usage
from .snapshot import Snapshot, day, period

GRAINS = stock.GRAINS
LOSS_DIMENSIONS = losses.LOSS_DIMENSIONS


def _on_snapshot(function: Callable[..., Any]) -> Any:
    """A method that calls `function(self.snapshot, …)`: the topic module's function, with its
    signature (less the snapshot) and docstring, so `help(Analytics.runout)` reads as before."""

    @functools.wraps(function)
    def method(self: Analytics, *args: Any, **kwargs: Any) -> Any:
        return function(self.snapshot, *args, **kwargs)

    signature = inspect.signature(function)
    itself = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    method.__signature__ = signature.replace(parameters=[itself, *list(signature.parameters.values())[1:]])  # type: ignore[attr-defined]
    return method


class Analytics:
    """DuckDB analytics over one SQLite store, read-only. Use one per kernel (or process)."""

    def __init__(self, db_path: str | Path, *, threads: int = 2, memory_limit: str = "320MB"):
        self.snapshot = Snapshot(db_path, threads=threads, memory_limit=memory_limit)
        self.db_path = self.snapshot.db_path

    # --- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        self.snapshot.close()

    def __enter__(self) -> Analytics:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fingerprint(self) -> tuple:
        """What tells us the store changed: data_version, and the files' identity/size/mtime."""
        return self.snapshot.fingerprint()

    def refresh(self, *, force: bool = False) -> bool:
        """Reload from the store if it changed since the last load (or if `force`); True if reloaded."""
        return self.snapshot.refresh(force=force)

    @property
    def generation(self) -> int:
        """Bumped by every reload."""
        return self.snapshot.generation

    @property
    def load_seconds(self) -> dict[str, float]:
        """Time per refresh step of the last load."""
        return self.snapshot.load_seconds

    @property
    def batch_count(self) -> int:
        return self.snapshot.batch_count

    def settings_on(self, on: Any = None) -> CostSettings:
        return self.snapshot.settings_on(on)

    def data_span(self) -> tuple[date | None, date | None]:
        """First and last roast day in the store (None, None when there are no batches)."""
        return self.snapshot.span

    def products(self) -> pd.DataFrame:
        return self.snapshot.products.copy()

    @staticmethod
    def _range(since: Any, until: Any) -> tuple[date, date]:
        return period(since, until)

    # --- KPIs, trends, batches ------------------------------------------------------------------

    def kpis(self, since: Any = None, until: Any = None) -> dict[str, Any]:
        """The KPI cards of a period (the numbers of kpis.overview, plus the money of excess loss)."""
        return trends.kpis(self.snapshot, *self._range(since, until))

    def trend(
        self,
        grain: str = "month",
        since: Any = None,
        until: Any = None,
        *,
        by_product: bool = False,
        product: Any = None,
    ) -> pd.DataFrame:
        """Per period (and product): batches, roasted kg, green used and its cost, roast cost and
        cost per roasted kg (actual), average / weighted / expected loss, excess-loss money, anomalies."""
        return trends.trend(self.snapshot, grain, *self._range(since, until), by_product, product)

    def batch_costs(self, ids: list[int] | None = None, since: Any = None, until: Any = None) -> pd.DataFrame:
        """Per-batch loss and cost columns (the numbers roasting.list_batches shows), newest first."""
        return trends.batch_costs(self.snapshot, ids, *self._range(since, until))

    # --- stock ----------------------------------------------------------------------------------

    def stock(self, on: Any = None) -> pd.DataFrame:
        """Stock, average cost and value of every bean at the end of `on` (as inventory.stock)."""
        return stock.stock_on(self.snapshot, on)

    def stock_value(
        self, grain: str = "month", since: Any = None, until: Any = None, *, by_bean: bool = False
    ) -> pd.DataFrame:
        """Green stock (g, negatives as 0) and its value (₩) at the end of each period, in total or per bean."""
        return stock.stock_value(self.snapshot, grain, *self._range(since, until), by_bean=by_bean)

    def avg_cost_per_g(self, bean_id: int, on: Any = None) -> Fraction | None:
        """Moving-average green cost per gram after the purchases up to `on` (as inventory.avg_cost_per_g)."""
        return stock.avg_cost_per_g(self.snapshot, bean_id, on)

    def green_costs_per_kg(self, on: Any = None) -> dict[int, Fraction | None]:
        """Moving-average green cost ₩/kg of every bean on a date (as price_list.green_costs_per_kg)."""
        return stock.green_costs_per_kg(self.snapshot, on)

    # --- loss analysis ----------------------------------------------------------------------------

    def loss_by(self, dimension: str = "product", since: Any = None, until: Any = None) -> pd.DataFrame:
        """Loss per product, operator or roast level (losses.loss_by)."""
        return losses.loss_by(self.snapshot, dimension, *self._range(since, until))

    def loss_histogram(
        self, since: Any = None, until: Any = None, *, bin_pct: float = 0.5, product: Any = None
    ) -> pd.DataFrame:
        """How many batches fall in each loss bin of `bin_pct` points (of the loss shown to 0.01 %)."""
        return losses.loss_histogram(self.snapshot, *self._range(since, until), bin_pct=bin_pct, product=product)

    anomalies = _on_snapshot(losses.anomalies)

    def anomaly_runs(self, since: Any = None, until: Any = None, *, min_length: int = 2) -> pd.DataFrame:
        """Runs of at least `min_length` consecutive anomalous batches of a product that end in the period."""
        return losses.anomaly_runs(self.snapshot, *self._range(since, until), min_length=min_length)

    def excess_loss(self, grain: str = "month", since: Any = None, until: Any = None) -> pd.DataFrame:
        """Money cost of loss above the expected per period and product."""
        return losses.excess_loss(self.snapshot, grain, *self._range(since, until))

    def loss_status(self, today: Any = None) -> pd.DataFrame:
        """30-day status per product (roasting.loss_status)."""
        return losses.loss_status(self.snapshot, day(today, date.today()))

    # --- usage forecasts ----------------------------------------------------------------------------

    daily_usage = _on_snapshot(usage.daily_usage)
    runout = _on_snapshot(usage.runout)
    usage_forecast = _on_snapshot(usage.usage_forecast)
    forecast_backtest = _on_snapshot(usage.forecast_backtest)

    # --- standard costs, menu, what-if --------------------------------------------------------------

    product_costs = _on_snapshot(standard_costs.product_costs)
    menu_costs = _on_snapshot(standard_costs.menu_costs)
    what_if = _on_snapshot(standard_costs.what_if)

    # --- profitability --------------------------------------------------------------------------------

    def margin_trend(
        self, since: Any = None, until: Any = None, *, grain: str = "month", basis: str = "standard"
    ) -> pd.DataFrame:
        """Cost and margin of every active menu item at the end of each period (profitability.margin_trend)."""
        return profitability.margin_trend(self.snapshot, since, until, grain, basis)

    def profitability(self, since: Any = None, until: Any = None) -> dict[str, pd.DataFrame]:
        """Per product and per menu item: the period's actual cost against prices, and the standard
        cost on `until` (profitability.profitability)."""
        return profitability.profitability(self.snapshot, since, until)

    # --- sales and profit (issue #13) -----------------------------------------------------------------

    def sales_summary(self, since: Any = None, until: Any = None) -> dict[str, Any]:
        """Net sales, units, COGS, gross profit, margin % and ROI % of a period (sales.summary)."""
        return sales.summary(self.snapshot, since, until)

    def sales_kpis(self, since: Any = None, until: Any = None) -> dict[str, Any]:
        """The Overview cards: net sales and gross profit of a period and of the one before (sales.kpis)."""
        return sales.kpis(self.snapshot, since, until)

    def sales_trend(
        self, grain: str = "week", by: str | None = "channel", since: Any = None, until: Any = None
    ) -> pd.DataFrame:
        """Revenue, COGS, gross profit, margin and ROI per day/week/month and item/channel/product."""
        return sales.trend(self.snapshot, grain, by, since, until)

    def sales_items(self, since: Any = None, until: Any = None) -> pd.DataFrame:
        """Items sold, ranked by gross profit, with contribution margin, class and advice id (sales.items)."""
        return sales.items(self.snapshot, since, until)

    def menu_engineering(self, since: Any = None, until: Any = None) -> pd.DataFrame:
        """The menu-engineering chart's points: units × contribution margin, class (sales.menu_points)."""
        return sales.menu_points(self.snapshot, since, until)

    def sales_reconciliation(self, since: Any = None, until: Any = None) -> pd.DataFrame:
        """Where the roasted coffee went, per month and product, with the attention flag (sales.reconciliation)."""
        return sales.reconciliation(self.snapshot, since, until)

    def period_profit(self, first: Any, last: Any) -> dict[str, Any]:
        """The figures of `themoon profit --period`, equal to themoon.sales.period_profit."""
        return sales.period_profit(self.snapshot, first, last)

    demand_forecast = _on_snapshot(sales.demand_forecast)
    roast_plan = _on_snapshot(sales.roast_plan)
