"""Sales & profit: the state and actions behind the tab (no widgets).

The chosen period (the Overview's choices) and what the tab shows for it, read through
`Context.reads.sales`: the period's net sales, cost of goods sold, gross profit, margin and ROI;
net sales and gross profit per week and channel; the items ranked by gross profit; the menu-
engineering points of one channel (its class lines worked out with `themoon.costing`, as the
classes were); and where the roasted coffee went, with the owner's attention threshold. Everyone
reads; only the owner (the `settings` right) changes the threshold.
"""

from __future__ import annotations

import time
from datetime import datetime
from fractions import Fraction
from typing import Any

from .... import sales as store_sales
from ....costing import MENU_CLASSES, POPULARITY_SHARE, contribution_margin
from ... import format as fmt
from ...charts import channel_order
from ...context import Context
from ...results import Result, Said
from ..period import PeriodModel

ITEM_LIMIT = 60  # rows drawn in the items table; the rest are counted


class SalesModel(PeriodModel):
    def __init__(self, ctx: Context, *, period: str = "month") -> None:
        super().__init__(ctx, period)
        self.origin: object = self  # who announces a change (the view, which redraws itself)
        self.channel = ""  # the channel of the menu-engineering chart ('' until data is read)
        self.data: dict[str, Any] | None = None
        self.updated_at: datetime | None = None
        self.timings: dict[str, float] = {}

    # --- choices ---------------------------------------------------------------------------------

    def set_channel(self, channel: str) -> bool:
        if channel not in self.channels():
            return False
        self.channel = channel
        return True

    @property
    def can_set_threshold(self) -> bool:
        return self.ctx.can("settings")

    # --- reading -----------------------------------------------------------------------------------

    def load(self) -> None:
        started = time.perf_counter()
        self.data = self.ctx.reads.sales(*self.bounds())
        channels = self.channels()
        if self.channel not in channels:
            self.channel = channels[0] if channels else ""
        self.updated_at = datetime.now()
        self.timings["load"] = time.perf_counter() - started

    def channels(self) -> list[str]:
        """The channels with classed items in the period (cups first)."""
        return channel_order(r["channel"] for r in self.items() if r["class"])

    def items(self) -> list[dict]:
        return list((self.data or {}).get("items", []))

    def menu_points(self) -> list[dict]:
        """The items of the chosen channel that have a class (sold in the period)."""
        return [r for r in self.items() if r["channel"] == self.channel and r["class"]]

    def menu_lines(self) -> tuple[float | None, float | None]:
        """Where the classes divide, for the chosen channel: popular from POPULARITY_SHARE of an
        even share of the units, profitable from the channel's contribution margin per unit."""
        points = self.menu_points()
        qty = sum(r["qty"] for r in points)
        if not points or qty <= 0:
            return None, None
        popular = POPULARITY_SHARE * Fraction(qty, len(points))
        margin = contribution_margin(sum(r["revenue_won"] for r in points), sum(r["cogs_won"] for r in points), qty)
        return float(popular), None if margin is None else float(margin)

    def classes_shown(self) -> list[str]:
        """The classes of the chosen channel's items, in the catalogue's order (for their advice)."""
        found = {r["class"] for r in self.menu_points()}
        return [c for c in MENU_CLASSES if c in found]

    def attention(self) -> list[dict]:
        return [r for r in (self.data or {}).get("reconciliation", []) if r["attention"]]

    # --- the owner's threshold ----------------------------------------------------------------------

    def set_threshold(self, value: Any) -> Result:
        """Save the attention threshold (% of roasted coffee not explained by sales; the value is
        untrusted: the store checks it). The owner only; everyone's tabs read again."""
        result = self.ctx.run(
            lambda: store_sales.set_unexplained_threshold(self.ctx.conn(), value, user=self.ctx.username),
            action="settings",
            where="sales.threshold",
            changes="sales",
            origin=self.origin,
        )
        if result.ok:
            result.said = Said("ok", "sp.threshold.saved", {"threshold": threshold_text(result.value)})
        return result


def threshold_text(value: Any) -> str:
    """15 → '15%', 12.5 → '12.5%' (at most two decimals, as the store keeps it)."""
    number = Fraction(value)
    places = 0 if number.denominator == 1 else 1 if (number * 10).denominator == 1 else 2
    return fmt.pct(number, places)
