"""The period choice the Overview and the Sales tab share: a model part (the chosen period, its
dates) and a view part (the toggle's options, a choice from the browser checked before use)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ... import kpis
from ..base import Tab
from ..context import Context


class PeriodModel:
    """A model with a period of `kpis.PERIODS` ('month', '30d', …) ending today."""

    ctx: Context
    period: str

    def __init__(self, ctx: Context, period: str) -> None:
        if period not in kpis.PERIODS:
            raise ValueError(f"unknown period {period!r}")
        self.ctx = ctx
        self.period = period

    def set_period(self, period: str) -> bool:
        """Choose a period (a value from the browser: an unknown one is ignored); True if taken."""
        if period not in kpis.PERIODS:
            return False
        self.period = period
        return True

    def bounds(self) -> tuple[date, date]:
        return kpis.period_bounds(self.period, self.ctx.today())


class PeriodTab(Tab):
    """A tab with a period toggle bound to a `PeriodModel`."""

    model: Any
    period_toggle: Any

    def _period_options(self) -> list[tuple[str, str]]:
        return [(self.tr(f"period.{p}"), p) for p in kpis.PERIODS]

    def set_period(self, period: str) -> None:
        if not self.model.set_period(period):  # a value from the browser: never trust it
            return
        if self.period_toggle.value != period:
            self.quietly(lambda: setattr(self.period_toggle, "value", period))
        self.refresh()
