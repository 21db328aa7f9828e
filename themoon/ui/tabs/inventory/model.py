"""Green inventory: the state and actions behind the tab (no widgets of its own).

Stock per bean (kg, value, average cost: `Context.reads.stock`, derived from the ledger, never
stored) with its run-out date (`Context.reads.runout`, the day-of-week usage forecast), the
ledger of one bean, and the two writes: a purchase (`inventory.add_purchase`) and a stocktake
count (`inventory.stocktake`), one store call each after the role check, every field as typed
checked first (whole grams, whole won).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from .... import catalog, inventory
from ....costing import round_won
from ....models import ValidationError, parse_text
from ...context import Context
from ...forms import a_date, required_choice, whole_grams, whole_grams_or_zero, whole_won
from ...reads import Unavailable, available
from ...results import Result

LEDGER_LIMIT = 200


def _text(max_len: int) -> Callable[[str, Any], Any]:
    return lambda field, value: parse_text(field, value, max_len=max_len)


# every field as typed, checked before the store is asked (the form marks each bad one)
PURCHASE_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "bean": required_choice,
    "purchased_on": a_date,
    "grams": whole_grams,
    "total_won": whole_won,
    "supplier": _text(120),
    "lot_code": _text(60),
    "notes": _text(2000),
}
STOCKTAKE_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "bean": required_choice,
    "on": a_date,
    "counted_g": whole_grams_or_zero,
    "reason": _text(500),
}


@dataclass(frozen=True)
class StockLine:
    """One bean's row of the stock table."""

    row: dict  # an inventory.stock row
    active: bool
    runout: date | None
    days_left: int | None  # days from today to the run-out date (never negative)
    status: str  # 'inactive' | 'low' | 'ok'


def first_error(values: dict[str, Any], checks: dict[str, Callable[[str, Any], Any]]) -> ValidationError | None:
    for name, check in checks.items():
        try:
            check(name, values.get(name))
        except ValidationError as error:
            return error
    return None


class InventoryModel:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.origin: object = self  # who announces its writes (the view, which redraws itself)
        self.stock_rows: list[dict] = []
        self.active: dict[str, bool] = {}
        self.runout: dict[str, date | None] | Unavailable = {}
        self.show_inactive = False
        self.ledger_bean = ""
        self.ledger_rows: list[dict] = []  # newest first, at most LEDGER_LIMIT
        self.ledger_total = 0

    # --- reading ----------------------------------------------------------------------------------

    def load(self) -> None:
        self.stock_rows = self.ctx.reads.stock()
        self.active = {b["code"]: bool(b["active"]) for b in catalog.list_beans(self.ctx.conn())}
        self.runout = self.ctx.reads.runout(self.ctx.today())
        self.load_ledger()

    @property
    def runout_known(self) -> bool:
        """False when the reader cannot forecast (the tab then says why)."""
        return available(self.runout)

    def stock_lines(self) -> list[StockLine]:
        """The stock table's rows: active beans, or every bean with `show_inactive`."""
        today = self.ctx.today()
        runout = self.runout if isinstance(self.runout, dict) else {}
        lines = []
        for r in self.stock_rows:
            active = self.active.get(r["bean"], True)
            if not (active or self.show_inactive):
                continue
            day = runout.get(r["bean"])
            status = "inactive" if not active else "low" if r["low"] else "ok"
            days = None if day is None else max((day - today).days, 0)
            lines.append(StockLine(r, active, day, days, status))
        return lines

    def stock_total(self) -> tuple[int, int]:
        """(value in won, grams) of the beans shown (negative stock counts as none)."""
        lines = self.stock_lines()
        return sum(x.row["value_won"] for x in lines), sum(max(x.row["stock_g"], 0) for x in lines)

    def set_ledger_bean(self, code: str) -> None:
        self.ledger_bean = code or ""
        self.load_ledger()

    def load_ledger(self) -> None:
        rows = inventory.ledger(self.ctx.conn(), self.ledger_bean) if self.ledger_bean else []
        self.ledger_total = len(rows)
        self.ledger_rows = list(reversed(rows))[:LEDGER_LIMIT]

    @staticmethod
    def unit_price(grams: int | None, total_won: int | None) -> int | None:
        """₩ per kg of a purchase being typed (None until both numbers parse)."""
        if not grams or total_won is None:
            return None
        return round_won(Fraction(total_won * 1000, grams))

    def book_stock(self, code: str, day: date) -> int:
        """The bean's stock in the book at the end of `day` (what a count is compared with)."""
        conn = self.ctx.conn()
        return inventory.stock_g(conn, catalog.get_bean(conn, code)["id"], day)

    # --- writing ----------------------------------------------------------------------------------

    def save_purchase(self, values: dict[str, Any]) -> Result:
        """Record a purchase (fields as typed): the purchase id, or why not (nothing written)."""
        conn = self.ctx.conn()
        add = lambda: inventory.add_purchase(conn, user=self.ctx.username, **values)  # noqa: E731
        return self._write(values, PURCHASE_CHECKS, add, action="purchase", where="inventory.add_purchase")

    def save_stocktake(self, values: dict[str, Any], default_reason: str) -> Result:
        """Record a count (fields as typed): the adjustment made (None: it matched the book), or
        why not (nothing written)."""
        conn = self.ctx.conn()
        values = {**values, "bean": values.get("bean") or None}
        values["reason"] = str(values.get("reason") or "").strip() or default_reason
        count = lambda: inventory.stocktake(conn, user=self.ctx.username, **values)  # noqa: E731
        return self._write(values, STOCKTAKE_CHECKS, count, action="stocktake", where="inventory.stocktake")

    def _write(
        self,
        values: dict[str, Any],
        checks: dict[str, Callable[[str, Any], Any]],
        fn: Callable[[], Any],
        *,
        action: str,
        where: str,
    ) -> Result:
        """The fields' own checks (the first bad one refused), then the one store call; the stock
        changed for the other tabs once it went through."""

        def write() -> Any:
            error = first_error(values, checks)
            if error is not None:
                raise error
            return fn()

        return self.ctx.run(write, action=action, where=where, changes="stock", origin=self.origin)
