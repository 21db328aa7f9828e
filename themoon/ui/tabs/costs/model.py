"""Costs & prices: the state and actions behind the tab (no widgets).

Standard cost of every product, cost / suggested price / margin of every menu item, and a
what-if (green price ±%, loss, labour, energy, dose) that recomputes every margin at once and
writes nothing. Every number comes from `Context.reads` (the price list's numbers, from the
analytics engine when it runs); the what-if inputs go to it as typed and are validated there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .... import kpis
from ....costing import CostSettings
from ...context import Context
from ...results import Result

BAG_G = 200  # the café sells beans in 200 g bags
CUP_G = 20  # a hand-drip dose, for the per-product column (menu items carry their own dose)
CHANNEL_FILTER = ("all", "cup", "bag", "wholesale")
WHAT_IF_DEFAULTS: dict[str, Any] = {
    "green_price_change_pct": 0,
    "expected_loss_pct": "",
    "labour_won_per_hour": "",
    "energy_won_per_session": "",
    "dose_change_g": 0,
}


@dataclass(frozen=True)
class WhatIfSummary:
    """The what-if against now: average margins per channel and items below the target."""

    avg_cup: tuple[float | None, float | None]
    avg_bag: tuple[float | None, float | None]
    below_now: int
    below: int
    base: list[dict]  # the menu rows the what-if covers, now
    changed: list[dict]  # the same rows under the what-if


class CostsModel:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.settings: CostSettings | None = None
        self.products: list[dict] = []
        self.menu: list[dict] = []
        self.target = 0.0
        self.inputs: dict[str, Any] = dict(WHAT_IF_DEFAULTS)
        self.scenario: list[dict] | None = None  # None while an input is wrong
        self.channel = "all"

    def load(self) -> Result:
        """Read the costs of today again, and the what-if on them (its outcome returned)."""
        reads, on = self.ctx.reads, self.ctx.today()
        self.settings = reads.settings_on(on)
        self.products = reads.product_costs(on)
        self.menu = reads.menu_costs(on)
        self.target = kpis.target_margin_pct(self.settings)
        return self.run_what_if()

    # --- the what-if -----------------------------------------------------------------------------

    def set_inputs(self, **values: Any) -> Result:
        """Change what-if inputs (as typed) and recompute every margin; nothing is written."""
        self.inputs.update({k: v for k, v in values.items() if k in WHAT_IF_DEFAULTS})
        return self.run_what_if()

    def reset(self) -> Result:
        self.inputs = dict(WHAT_IF_DEFAULTS)
        return self.run_what_if()

    def run_what_if(self) -> Result:
        """The margins under the inputs, or no scenario while an input is wrong (the outcome names it)."""
        on = self.ctx.today()
        result = self.ctx.run(lambda: self.ctx.reads.what_if(on, **self.inputs), where="costs.what_if")
        self.scenario = result.value if result.ok else None
        return result

    def summary(self) -> WhatIfSummary | None:
        if self.scenario is None:
            return None
        base = {r["item"]: r for r in self.menu}
        pairs = [(base[r["item"]], r) for r in self.scenario if r["item"] in base]
        below_now = sum(1 for b, _ in pairs if b["margin_pct"] is not None and b["margin_pct"] < self.target)
        below = sum(1 for _, r in pairs if r["margin_pct"] is not None and r["margin_pct"] < self.target)
        return WhatIfSummary(
            avg_cup=(kpis.average_margin(self.menu, "cup"), kpis.average_margin(self.scenario, "cup")),
            avg_bag=(kpis.average_margin(self.menu, "bag"), kpis.average_margin(self.scenario, "bag")),
            below_now=below_now,
            below=below,
            base=[b for b, _ in pairs],
            changed=[r for _, r in pairs],
        )

    # --- the menu list ----------------------------------------------------------------------------

    def set_channel(self, channel: str) -> None:
        if channel in CHANNEL_FILTER:  # a value from the browser: never trust it
            self.channel = channel

    def shown_menu(self) -> list[tuple[dict, dict | None]]:
        """(row now, row under the what-if) of the menu items of the chosen channel."""
        scenario = {r["item"]: r for r in (self.scenario or [])}
        return [(r, scenario.get(r["item"])) for r in self.menu if self.channel in ("all", r["channel"])]

    def margin_state(self, margin: float | None) -> str:
        """'none' (no price or cost), 'bad' (10+ points under target), 'low', or 'ok'."""
        if margin is None:
            return "none"
        if margin < self.target:
            return "bad" if margin < self.target - 10 else "low"
        return "ok"
