"""The one-batch form as state: what was typed, the blend's per-bean boxes, the live preview, the
"save anyway?" question, and the batch being edited. Setting a field reacts as the form did (a new
product or day reloads the preview's inputs, Green re-splits the per-bean boxes until the person
types in one, every change withdraws a pending question); `save`, `confirm`, `clear`,
`start_edit` and `cancel_edit` are the actions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Dict, HasTraits, List, observe

from .... import roasting
from ....costing import split_by_parts
from ....models import ValidationError, parse_decimal, parse_text
from ...checks import Check, a_date, optional, parsed_or_none, required_choice, whole_grams
from ...results import Result, Said
from .preview import PreviewInputs, compute_preview, plausible_band, preview_inputs

FIELDS = ("product", "roasted_on", "operator", "green_g", "roasted_g", "minutes", "notes")


def grams_or_none(text: Any) -> int | None:
    """Whole grams as typed, or None ("3000.7" and "abc" are not grams: saving says why)."""
    return parsed_or_none(whole_grams, text)


def minutes(field: str, value: Any) -> Decimal:
    return parse_decimal(field, value, minimum=Decimal("0.1"), maximum=Decimal(240))


def text(max_len: int) -> Check:
    return lambda field, value: parse_text(field, value, max_len=max_len)


def roasted_vs_green(field: str, green: int | None, roasted: int | None) -> ValidationError | None:
    """The store's rule, checked as the person types (same words as `roasting`)."""
    if green is not None and roasted is not None and roasted >= green:
        return ValidationError(field, "roast.err.roasted_ge_green", green=green)
    return None


# each field's own rule (the form's cross-field rules are `BatchModel.cross_problems`)
CHECKS: dict[str, Check] = {
    "product": required_choice,
    "roasted_on": a_date,
    "operator": text(60),
    "green_g": whole_grams,
    "roasted_g": whole_grams,
    "minutes": optional(minutes),
    "notes": text(2000),
}


class AsksFirst:
    """A roasting form's save: its bad fields first (invalid), then "save anyway?" about a loss
    outside the owner's plausible band (asking, held in `question` until answered or withdrawn),
    then the one store call (`write`) under the role check, the batches changed for the other
    tabs once it went through. `origin` announces it (the view, which redraws itself)."""

    question: Any
    origin: object
    ctx: Any

    def problems(self) -> list[ValidationError]:
        raise NotImplementedError

    def implausible(self) -> Result | None:
        raise NotImplementedError

    def save(self, confirmed: bool = False) -> Result:
        raise NotImplementedError

    def checked_save(self, write: Any, confirmed: bool, *, action: str, where: str) -> Result:
        def save() -> Any:
            errors = self.problems()
            if errors:
                return Result("invalid", errors=errors)
            question = None if confirmed else self.implausible()
            return question if question is not None else write()

        self.withdraw()
        result = self.ctx.run(save, action=action, where=where, changes="batches", origin=self.origin)
        if result.status == "asking":
            self.question = result
        return result

    def confirm(self) -> Result:
        """ "Save anyway" answered: saves only while the question is still asked (a stale or forged
        click saves nothing)."""
        if self.question is None:
            return Result("idle")
        return self.save(confirmed=True)

    def withdraw(self) -> None:
        self.question = None


def asking(key: str, values: dict[str, Any]) -> Result:
    """The "save anyway?" question."""
    return Result("asking", said=Said("info", key, values))


def component_field(code: str) -> str:
    """The name of a blend's per-bean box (errors name it)."""
    return f"green_g[{code}]"


class BatchModel(AsksFirst, HasTraits):
    product = AnyTrait("")
    roasted_on = AnyTrait(None)
    operator = AnyTrait("")
    green_g = AnyTrait("")
    roasted_g = AnyTrait("")
    minutes = AnyTrait("")
    notes = AnyTrait("")
    editing = AnyTrait(None)  # the id of the batch being edited
    components = List()  # a blend's beans: {bean_id, code, name_en, name_ko, parts, value, touched}
    component_values = Dict()  # {code: what its box shows} (the view mirrors it)
    preview = AnyTrait(None)  # compute_preview's dict, a partial one while incomplete, None: no product
    question = AnyTrait(None)  # the pending "save anyway?" (a Result with status "asking")

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.origin: object = self
        self.inputs: PreviewInputs | None = None
        self._filling = 0
        super().__init__()
        with self.filling():
            self.roasted_on = ctx.today()

    @contextmanager
    def filling(self) -> Iterator[None]:
        """Fields set by the model itself (a fill, a reset): no reaction, no withdrawn question."""
        self._filling += 1
        try:
            yield
        finally:
            self._filling -= 1

    # --- reactions --------------------------------------------------------------------------------

    @observe(*FIELDS)
    def _typed(self, change: dict) -> None:
        if self._filling:
            return
        self.withdraw()
        name = change["name"]
        if name in ("product", "roasted_on"):
            self.load_components()
        elif name == "green_g":
            if self.components and not self.typed_components():
                self._derive_components()
            self.update_preview()
        elif name == "roasted_g":
            self.update_preview()

    def set_component(self, code: str, value: Any) -> None:
        """A per-bean box typed in: from now on the boxes are the person's, checked against Green;
        all of them emptied again means "split Green by the recipe" once more."""
        for comp in self.components:
            if comp["code"] == code:
                comp["value"], comp["touched"] = value, True
        self.withdraw()
        if not self.typed_components():
            self._derive_components()
        self._publish()
        self.update_preview()

    def typed_components(self) -> bool:
        """Whether the per-bean boxes hold grams the person typed (not derived from Green)."""
        return any(c["touched"] and str(c["value"] or "").strip() for c in self.components)

    def _derive_components(self) -> None:
        total = grams_or_none(self.green_g)
        shares = split_by_parts(total, [c["parts"] for c in self.components]) if total else None
        for i, comp in enumerate(self.components):
            comp["touched"] = False
            comp["value"] = str(shares[i]) if shares else ""
        self._publish()

    def _publish(self) -> None:
        self.component_values = {c["code"]: c["value"] for c in self.components}

    def load_components(self) -> None:
        """The preview's inputs and the per-bean boxes for the chosen product and day."""
        product, day = self.product, self.roasted_on or self.ctx.today()
        self.inputs = None
        if product:
            try:
                self.inputs = preview_inputs(self.ctx.conn(), product, day, batch_id=self.editing)
            except ValidationError:
                self.inputs = None
        wanted = self.inputs.components if (self.inputs and self.inputs.product.kind == "blend") else []
        if [c["code"] for c in wanted] != [c["code"] for c in self.components]:
            self.components = [{**c, "value": "", "touched": False} for c in wanted]
            self._publish()
        self.update_preview()

    # --- what was typed ---------------------------------------------------------------------------

    def green_by_bean(self) -> dict[int, int] | None:
        """Green grams per bean id of the one green weight (None while it is not whole grams, or
        while typed per-bean grams do not add up to Green)."""
        if self.inputs is None:
            return None
        total = grams_or_none(self.green_g)
        if total is None:
            return None
        if self.components:
            if self.typed_components():
                values = {c["bean_id"]: grams_or_none(c["value"]) for c in self.components}
                if any(v is None for v in values.values()) or sum(values.values()) != total:  # type: ignore[misc]
                    return None
                return values  # type: ignore[return-value]
            shares = split_by_parts(total, [c["parts"] for c in self.components])
            return {c["bean_id"]: g for c, g in zip(self.components, shares, strict=True)}
        return {self.inputs.product.id: total}

    def update_preview(self) -> None:
        green = self.green_by_bean()
        roasted = grams_or_none(self.roasted_g)
        if self.inputs is None:
            self.preview = None
        elif green is None or roasted is None:
            self.preview = {
                "green_g": sum((green or {}).values()),
                "roasted_g": roasted,
                "valid": False,
                "expected_pct": self.inputs.expected_pct,
                "mismatch": self.mismatch(),
            }
        else:
            self.preview = compute_preview(self.inputs, green, roasted)

    def mismatch(self) -> tuple[int, int] | None:
        """(per-bean sum, Green) when typed per-bean grams do not add up to Green."""
        if not (self.components and self.typed_components()):
            return None
        total = grams_or_none(self.green_g)
        grams = [grams_or_none(c["value"]) for c in self.components]
        if total is None or None in grams or sum(grams) == total:  # type: ignore[arg-type]
            return None
        return sum(grams), total  # type: ignore[arg-type]

    def values(self) -> dict[str, Any]:
        """What the form sends to the store, as typed: the one green weight, and the per-bean grams
        when the person typed them (the store checks they add up to it)."""
        values = {name: getattr(self, name) for name in FIELDS}
        values["components"] = {c["code"]: c["value"] for c in self.components} if self.typed_components() else None
        return values

    # --- checking ---------------------------------------------------------------------------------

    def problems(self) -> list[ValidationError]:
        """Every error found without the store, one per field: each field's own rule, each per-bean
        box's, then the rules across fields (a field wrong on its own is not judged against others)."""
        errors: list[ValidationError] = []
        checks: list[tuple[str, Check | None, Any]] = [(n, CHECKS[n], getattr(self, n)) for n in FIELDS]
        typed = self.typed_components()
        checks += [(component_field(c["code"]), whole_grams if typed else None, c["value"]) for c in self.components]
        for name, check, value in checks:
            if check is None:
                continue
            try:
                check(name, value)
            except ValidationError as error:
                errors.append(error)
        wrong = {e.field for e in errors}
        for error in self.cross_problems():
            if error.field not in wrong:
                errors.append(error)
                wrong.add(error.field)
        return errors

    def cross_problems(self) -> list[ValidationError]:
        """What the store would refuse, found before asking it: per-bean grams that do not add up
        to Green, a Green too small to split, roasted not below green, more green than in stock."""
        errors: list[ValidationError] = []
        if self.inputs is None:
            return errors
        total = grams_or_none(self.green_g)
        typed = self.typed_components()
        if self.components and total is not None:
            if typed:
                grams = [grams_or_none(c["value"]) for c in self.components]
                if None not in grams and sum(grams) != total:  # type: ignore[arg-type]
                    errors.append(ValidationError("green_g", "roast.err.green_vs_beans", total=sum(grams)))  # type: ignore[arg-type]
            elif min(split_by_parts(total, [c["parts"] for c in self.components])) <= 0:
                errors.append(ValidationError("green_g", "roast.err.too_little_to_split", total=total))
        error = roasted_vs_green("roasted_g", total, grams_or_none(self.roasted_g))
        if error:
            errors.append(error)
        green = self.green_by_bean() or {}
        inputs = self.inputs
        for comp in self.components or [{"bean_id": inputs.product.id, "code": inputs.product.code}]:
            want, have = green.get(comp["bean_id"], 0), inputs.available_g.get(comp["bean_id"], 0)
            if want > have:
                name = component_field(comp["code"]) if typed else "green_g"
                values = {"have": max(have, 0), "code": comp["code"], "day": inputs.day, "want": want}
                errors.append(ValidationError(name, "roast.err.short", **values))
        return errors

    # --- actions ----------------------------------------------------------------------------------

    def save(self, confirmed: bool = False) -> Result:
        """Check every field (all bad ones at once: invalid); a loss outside the owner's plausible
        band asks "save anyway?" first (asking, also held in `question`); then one store call."""
        values, editing, conn, ctx = self.values(), self.editing, self.ctx.conn(), self.ctx

        def write() -> Any:
            if editing:
                return roasting.update_batch(conn, editing, user=ctx.username, role=ctx.role, **values)
            return roasting.add_batch(conn, user=ctx.username, **values)

        action = ctx.correct_action() if editing else "log_batch"
        where = "roasting.update_batch" if editing else "roasting.add_batch"
        result = self.checked_save(write, confirmed, action=action, where=where)
        if result.ok:
            saved = result.value
            values = {"id": saved["id"], "loss": saved["loss_pct"], "cost": saved["batch_cost_won"]}
            result.said = Said("ok", "roast.saved", values)
            self.editing = None
            self.clear_amounts()
            self.load_components()  # the day's batches changed: the next preview shares with this one
        elif editing and result.status in ("invalid", "refused", "failed") and not roasting.batch_exists(conn, editing):
            self.cancel_edit()  # deleted on another page
            return Result("gone", said=Said("error", "roast.gone", {"id": editing}))
        return result

    def implausible(self) -> Result | None:
        """The "save anyway?" question when the typed loss is outside the plausible band."""
        green, roasted = self.green_by_bean(), grams_or_none(self.roasted_g)
        if self.inputs is None or green is None or roasted is None:
            return None
        preview = compute_preview(self.inputs, green, roasted)
        if not preview.get("valid") or preview["loss_band"] is None:
            return None
        values = {"loss": preview["loss_pct"], "green": preview["green_g"], "roasted": roasted}
        return asking("roast.implausible", {**values, **plausible_band(self.inputs.settings)})

    def clear_amounts(self) -> None:
        with self.filling():
            for name in ("green_g", "roasted_g", "minutes", "notes"):
                setattr(self, name, "")
            for comp in self.components:
                comp["value"], comp["touched"] = "", False
            self._publish()
        self.withdraw()

    def clear(self) -> None:
        """The Clear button: the amounts go, the product, day and operator stay."""
        self.clear_amounts()
        self.update_preview()

    def cancel_edit(self) -> None:
        self.editing = None
        self.clear_amounts()
        self.load_components()

    def start_edit(self, batch: dict) -> None:
        """Fill the form with a stored batch (`roasting.get_batch`); its per-bean grams count as
        typed where they differ from Green split by the recipe."""
        self.withdraw()
        with self.filling():
            self.editing = batch["id"]
            self.product = f"{batch['product_kind']}:{batch['product']}"
            self.roasted_on = date.fromisoformat(batch["roasted_on"])
            self.roasted_g = str(batch["roasted_g"])
            self.minutes = "" if batch["minutes"] is None else _minutes_text(batch["minutes"])
            self.operator = batch["operator"] or ""
            self.notes = batch["notes"] or ""
            self.green_g = str(batch["green_g"])
        self.load_components()
        grams = {c["bean"]: c["green_g"] for c in batch["components"]}
        derived = split_by_parts(batch["green_g"], [c["parts"] for c in self.components]) if self.components else []
        for comp, share in zip(self.components, derived, strict=True):
            comp["value"] = str(grams.get(comp["code"], ""))
            comp["touched"] = grams.get(comp["code"]) != share  # weighed per bean: the person's
        self._publish()
        self.update_preview()


def _minutes_text(value: Any) -> str:
    """Minutes as the box shows them: one decimal, no thousands separator."""
    from ... import format as fmt

    return fmt.number(value, 1).replace(",", "")


__all__ = [
    "AsksFirst",
    "BatchModel",
    "asking",
    "CHECKS",
    "component_field",
    "grams_or_none",
    "roasted_vs_green",
    "text",
    "minutes",
]
