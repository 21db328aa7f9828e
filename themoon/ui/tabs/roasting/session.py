"""A whole roasting session typed as a table: one day and operator, up to 30 rows; the rows that
hold anything are checked like the one-batch form and saved all or nothing (`roasting.add_session`),
after a "save anyway?" when a row's loss is outside the owner's plausible band."""

from __future__ import annotations

import re
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import HasTraits, List, observe

from .... import cost_settings, roasting
from ....costing import implausible_loss, loss_pct
from ....models import ValidationError
from ...checks import a_date, optional, required_choice, whole_grams
from ...results import Result, Said
from .batch import AsksFirst, asking, grams_or_none, minutes, roasted_vs_green, text
from .preview import plausible_band

SESSION_ROWS = 4  # rows shown when the table is first opened
MAX_ROWS = 30
ROW_FIELDS = ("product", "green_g", "roasted_g", "minutes", "notes")
ROW_CHECKS = (
    ("product", required_choice),
    ("green_g", whole_grams),
    ("roasted_g", whole_grams),
    ("minutes", optional(minutes)),
    ("notes", text(2000)),
)
_ROW_ERROR = re.compile(r"^row (\d+) (.+)$")


class SessionRow(HasTraits):
    product = AnyTrait("")
    green_g = AnyTrait("")
    roasted_g = AnyTrait("")
    minutes = AnyTrait("")
    notes = AnyTrait("")
    loss = AnyTrait(None)  # the row's loss (%) while green and roasted make sense, else None

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number  # as shown: errors name "row N field"

    def field(self, name: str) -> str:
        return f"row {self.number} {name}"

    @observe("green_g", "roasted_g")
    def _weights(self, _change: dict) -> None:
        green, roasted = grams_or_none(self.green_g), grams_or_none(self.roasted_g)
        self.loss = loss_pct(green, roasted) if green and roasted and roasted < green else None

    @property
    def used(self) -> bool:
        return any(str(getattr(self, n) or "").strip() for n in ROW_FIELDS)


class SessionModel(AsksFirst, HasTraits):
    day = AnyTrait(None)
    operator = AnyTrait("")
    rows = List()  # SessionRow, in the order shown
    question = AnyTrait(None)  # the pending "save anyway?" (a Result with status "asking")

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.origin: object = self
        self._filling = False
        super().__init__(day=ctx.today())

    def ensure_rows(self) -> None:
        """The table's first rows, made when it is first used (fewer widgets to start)."""
        if not self.rows:
            self.rows = [SessionRow(n) for n in range(1, SESSION_ROWS + 1)]
            for r in self.rows:
                r.observe(self._changed, names=list(ROW_FIELDS))

    def add_row(self) -> SessionRow | None:
        if len(self.rows) >= MAX_ROWS:
            return None
        r = SessionRow(len(self.rows) + 1)
        r.observe(self._changed, names=list(ROW_FIELDS))
        self.rows = [*self.rows, r]
        return r

    @observe("day", "operator")
    def _changed(self, _change: dict) -> None:
        if not self._filling:
            self.withdraw()

    def problems(self) -> list[ValidationError]:
        """The day and operator, then each row that holds anything, checked like the one-batch
        form (an empty row is skipped)."""
        errors: list[ValidationError] = []
        for name, check, value in (("session_day", a_date, self.day), ("session_operator", text(60), self.operator)):
            try:
                check(name, value)
            except ValidationError as error:
                errors.append(error)
        for r in self.rows:
            if not r.used:
                continue
            for name, check in ROW_CHECKS:
                try:
                    check(r.field(name), getattr(r, name))
                except ValidationError as error:
                    errors.append(error)
            error = roasted_vs_green(r.field("roasted_g"), grams_or_none(r.green_g), grams_or_none(r.roasted_g))
            if error:
                errors.append(error)
        return errors

    def values(self) -> tuple[list[dict], list[int]]:
        """The rows that hold anything, as typed, and their shown row numbers."""
        rows, numbers = [], []
        for r in self.rows:
            if not r.used:
                continue
            rows.append({name: getattr(r, name) for name in ROW_FIELDS})
            rows[-1].update(roasted_on=self.day, operator=self.operator)
            numbers.append(r.number)
        return rows, numbers

    def save(self, confirmed: bool = False) -> Result:
        rows, numbers = self.values()
        conn, ctx = self.ctx.conn(), self.ctx

        def write() -> Any:
            try:
                return roasting.add_session(conn, rows, user=ctx.username)
            except ValidationError as error:  # the store counts the rows it got: name the shown row
                match = _ROW_ERROR.match(error.field)
                if match and 0 < int(match.group(1)) <= len(numbers):
                    shown = numbers[int(match.group(1)) - 1]
                    raise ValidationError(f"row {shown} {match.group(2)}", error.message, error.message_ko) from None
                raise

        result = self.checked_save(write, confirmed, action="log_batch", where="roasting.add_session")
        if result.ok:
            result.said = Said("ok", "roast.session_saved", {"n": len(result.value)})
            self._clear_rows()
        return result

    def implausible(self) -> Result | None:
        """The "save anyway?" question when any row's loss is outside the plausible band."""
        settings = cost_settings.settings_on(self.ctx.conn(), self.day or self.ctx.today())
        odd = [(r.number, r.loss) for r in self.rows if r.used and r.loss is not None]
        odd = [(n, loss) for n, loss in odd if implausible_loss(loss, settings)]
        if not odd:
            return None
        return asking("roast.implausible_rows", {"rows": odd, **plausible_band(settings)})

    def _clear_rows(self) -> None:
        self._filling = True
        try:
            for r in self.rows:
                for name in ("green_g", "roasted_g", "minutes", "notes"):
                    setattr(r, name, "")
        finally:
            self._filling = False
