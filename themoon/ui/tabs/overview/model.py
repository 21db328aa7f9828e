"""Overview: the state and actions behind the tab (no widgets).

The chosen period and product, everything the tab shows for them (`Context.reads.overview`:
KPI cards, roasted kg per week, cost per roasted kg, loss distribution, stock against reorder
points with run-out dates, what needs attention; `Context.reads.sales_kpis`: net sales and gross
profit against the period before), and the judgements the view colours by (a sales card is
orange when its figure fell).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .... import catalog
from ...context import Context
from ..period import PeriodModel

KPI_KEYS = (
    "roasted",
    "batches",
    "loss",
    "cost_kg",
    "stock_value",
    "low_stock",
    "alerts",
    "cup_margin",
    "net_sales",
    "gross_profit",
)
# the sales cards: which figure of `Reads.sales_kpis` each shows, and its change
SALES_CARDS = {
    "net_sales": ("revenue_won", "revenue_change_pct"),
    "gross_profit": ("gross_profit_won", "gross_profit_change_pct"),
}
CHART_KEYS = ("weekly", "cost", "loss", "stock")
ATTENTION_LIMIT = 8
# the data behind each chart
CHART_DATA = {"weekly": "weekly", "cost": "cost_trend", "loss": "loss", "stock": "stock"}


@dataclass(frozen=True)
class Attention:
    """What needs attention, each list cut to ATTENTION_LIMIT; `more` counts what was cut."""

    anomalies: list[dict]
    low_stock: list[dict]
    low_margins: list[dict]
    more: int


class OverviewModel(PeriodModel):
    def __init__(self, ctx: Context, *, period: str = "month") -> None:
        super().__init__(ctx, period)
        self.product = ""  # '' (every product) or a product key ('blend:FULL-MOON')
        self.data: dict[str, Any] | None = None
        self.sales: dict[str, Any] | None = None  # net sales and gross profit against the period before
        self.updated_at: datetime | None = None
        self.timings: dict[str, float] = {}

    # --- filters -------------------------------------------------------------------------------

    def product_keys(self) -> list[str]:
        """The products the charts can be narrowed to ('' is every product)."""
        return ["", *(p.key for p in catalog.list_products(self.ctx.conn()))]

    def set_product(self, product: str) -> bool:
        if product not in self.product_keys():
            return False
        self.product = product
        return True

    # --- data ------------------------------------------------------------------------------------

    def load(self) -> None:
        started = time.perf_counter()
        since, until = self.bounds()
        self.data = self.ctx.reads.overview(since, until, product=self.product or None)
        self.sales = self.ctx.reads.sales_kpis(since, until)
        self.updated_at = datetime.now()
        self.timings["load"] = time.perf_counter() - started

    def card_states(self) -> dict[str, str | None]:
        """How each KPI card is coloured: good / warn / bad, or None."""
        if self.data is None:
            return {}
        o = self.data["overview"]
        states: dict[str, str | None] = dict.fromkeys(KPI_KEYS)
        if o["avg_loss_pct"] is not None:
            variance = abs(o["loss_variance_pts"])
            states["loss"] = "bad" if variance > 5 else "warn" if variance > 3 else "good"
        states["low_stock"] = "warn" if o["low_stock_count"] else "good"
        alerts, critical = o["open_alerts"], o["open_critical_alerts"]
        states["alerts"] = "bad" if critical else "warn" if alerts else "good"
        if o["cup_margin_pct"] is not None:
            states["cup_margin"] = "good" if o["cup_margin_pct"] >= o["target_margin_pct"] else "warn"
        for key, (_figure, change) in SALES_CARDS.items():
            pct = (self.sales or {}).get(change)
            states[key] = None if pct is None else "good" if pct >= 0 else "warn"
        return states

    def attention(self) -> Attention:
        data = self.data or {}
        lists = [list(data.get(key) or []) for key in ("anomalies", "low_stock", "low_margins")]
        more = sum(max(len(rows) - ATTENTION_LIMIT, 0) for rows in lists)
        return Attention(*(rows[:ATTENTION_LIMIT] for rows in lists), more=more)
