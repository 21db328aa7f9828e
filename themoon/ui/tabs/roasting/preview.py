"""The live preview of a batch before it is saved: pure arithmetic over what the store would use
(settings in force that day, the product's expected loss, the moving-average green cost, the day's
other batches), computed with `themoon.costing`, the functions the store itself uses. It writes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from .... import catalog, cost_settings, inventory, price_list, roasting
from ....costing import batch_cost, classify_variance, green_cost_won, implausible_loss, loss_pct
from ....models import Product


@dataclass
class PreviewInputs:
    """What a batch of `product` on `day` would be costed and judged with."""

    product: Product
    day: date
    components: list[dict]  # {bean_id, code, name_en, name_ko, parts}
    settings: Any
    expected_pct: Fraction
    avg_cost_per_g: dict[int, Fraction | None]
    available_g: dict[int, int]
    session_other_g: int  # green grams of the day's other batches
    session_other_n: int = 0  # how many other batches that day (they share its session costs)


def preview_inputs(conn, product_ref: str, day: date, *, batch_id: int | None = None) -> PreviewInputs:
    product = catalog.get_product(conn, product_ref)
    if product.kind == "blend":
        components = catalog.blend_components(conn, product.id)
    else:
        components = [
            {"bean_id": product.id, "code": product.code, "name_en": product.name_en, "name_ko": product.name_ko}
        ]
        components[0]["parts"] = 1
    settings = cost_settings.settings_on(conn, day)
    same_day = roasting.list_batches(conn, since=day, until=day, limit=None)
    return PreviewInputs(
        product=product,
        day=day,
        components=components,
        settings=settings,
        expected_pct=price_list.expected_loss(conn, product, settings, day),
        avg_cost_per_g={c["bean_id"]: inventory.avg_cost_per_g(conn, c["bean_id"], day) for c in components},
        available_g={
            c["bean_id"]: inventory.available_g(conn, c["bean_id"], day, batch_id=batch_id) for c in components
        },
        session_other_g=sum(b["green_g"] for b in same_day if b["id"] != batch_id),
        session_other_n=sum(1 for b in same_day if b["id"] != batch_id),
    )


def compute_preview(inputs: PreviewInputs, green_by_bean: dict[int, int], roasted_g: int) -> dict[str, Any]:
    """Loss, variance, verdict and cost of a batch before it is saved (nothing is written)."""
    green = sum(green_by_bean.values())
    result: dict[str, Any] = {"green_g": green, "roasted_g": roasted_g, "expected_pct": inputs.expected_pct}
    short = {
        bean: (grams, inputs.available_g.get(bean, 0))
        for bean, grams in green_by_bean.items()
        if grams > inputs.available_g.get(bean, 0)
    }
    result["short"] = short
    if green <= 0 or roasted_g <= 0 or roasted_g >= green:
        result["valid"] = False
        return result
    loss = loss_pct(green, roasted_g)
    variance = loss - inputs.expected_pct
    green_won = sum(
        green_cost_won(grams, inputs.avg_cost_per_g.get(bean) or Fraction(0)) for bean, grams in green_by_bean.items()
    )
    cost = batch_cost(green_won, green, roasted_g, inputs.session_other_g + green, inputs.settings)
    result.update(
        valid=True,
        loss_pct=loss,
        variance_pts=variance,
        verdict=classify_variance(variance),
        green_cost_won=green_won,
        batch_cost_won=cost.total_won,
        roasting_cost_won=cost.roasting_won,
        session_cost_won=cost.session_won,
        cost_per_kg_won=cost.per_roasted_kg,
        loss_band=implausible_loss(loss, inputs.settings),
        unpriced=[b for b in green_by_bean if inputs.avg_cost_per_g.get(b) is None],
    )
    return result


def plausible_band(settings: Any) -> dict[str, Fraction]:
    """The owner's plausible loss band (%) as the "save anyway?" questions show it."""
    return {
        "low": Fraction(settings.plausible_loss_min_bp, 100),
        "high": Fraction(settings.plausible_loss_max_bp, 100),
    }
