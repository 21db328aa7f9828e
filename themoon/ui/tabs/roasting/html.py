"""The Roasting tab's HTML pieces, formatted from the model's data: the live preview, the batch
table and its cost cell, and the words of a `Result`. Formatting only: no reads, no arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ... import format as fmt
from ...forms import Column, badge, columns, esc, num, table_html
from ...results import Result
from .preview import PreviewInputs

Tr = Callable[..., str]

BATCH_COLUMNS = columns(
    num("col.id"),
    Column("col.date", css="nowrap"),
    "col.product",
    num("col.green"),
    num("col.roasted"),
    num("col.loss"),
    num("col.variance"),
    num("col.cost"),
    num("col.cost_kg"),
    "col.operator",
    "col.alert",
)


def words(result: Result, tr: Tr) -> str:
    """A result's message in the page's language (its values formatted by their names)."""
    said = result.said
    if said is None:
        return ""
    return tr(said.key, **{name: _shown(name, value, tr) for name, value in said.values.items()})


def _shown(name: str, value: Any, tr: Tr) -> Any:
    if name == "loss":
        return fmt.pct(value)
    if name == "cost":
        return fmt.won(value)
    if name in ("green", "roasted"):
        return fmt.grams(value)
    if name in ("low", "high"):
        return fmt.pct(value, 0)
    if name == "rows":
        return ", ".join(tr("roast.row_loss", n=n, loss=fmt.pct(loss)) for n, loss in value)
    return value


def _verdict_text(verdict: Any, tr: Tr) -> str:
    if verdict is None:
        return tr("preview.normal")
    return tr(f"alert.{verdict.level.lower()}") + " " + tr(f"alert.{verdict.direction.lower()}")


def preview_html(p: dict | None, inputs: PreviewInputs | None, tr: Tr, lang: str) -> str:
    head = f'<div class="themoon-preview-title">{esc(tr("preview.title"))}</div>'
    if not p or inputs is None:
        return head + f'<div class="themoon-preview-empty">{esc(tr("preview.empty"))}</div>'
    expected = fmt.pct(p["expected_pct"])
    lines = []
    if not p.get("valid"):
        if p.get("mismatch"):
            beans, green = p["mismatch"]
            text = tr("preview.mismatch", beans=fmt.grams(beans), green=fmt.grams(green))
            lines.append(f'<div class="themoon-preview-warn">{esc(text)}</div>')
        elif p["green_g"] and p["roasted_g"] and p["roasted_g"] >= p["green_g"]:
            lines.append(f'<div class="themoon-preview-warn">{esc(tr("preview.roasted_ge"))}</div>')
        else:
            lines.append(f'<div class="themoon-preview-empty">{esc(tr("preview.need"))}</div>')
        stats = [(tr("preview.expected"), expected, "")]
    else:
        verdict = p["verdict"]
        state = "good" if verdict is None else ("bad" if verdict.level == "CRITICAL" else "warn")
        stats = [
            (tr("preview.loss"), fmt.pct(p["loss_pct"]), state),
            (tr("preview.expected"), expected, ""),
            (tr("preview.variance"), fmt.points(p["variance_pts"], lang), state),
            (tr("preview.verdict"), _verdict_text(verdict, tr), state),
            (tr("preview.green_cost"), fmt.won(p["green_cost_won"]), ""),
            (tr("preview.roasting_cost"), fmt.won(p["roasting_cost_won"]), ""),
            (tr("preview.session_cost"), fmt.won(p["session_cost_won"]), ""),
            (tr("preview.batch_cost"), fmt.won(p["batch_cost_won"]), ""),
            (tr("preview.cost_kg"), fmt.won(p["cost_per_kg_won"]), ""),
        ]
        shared = tr(
            "preview.shared",
            session=fmt.won(inputs.settings.session_fixed_won),
            n=inputs.session_other_n,
            day=inputs.day.isoformat(),
            share=fmt.won(p["session_cost_won"]),
        )
        lines.append(f'<div class="themoon-preview-note themoon-preview-shared">{esc(shared)}</div>')
        if p.get("unpriced"):
            lines.append(f'<div class="themoon-preview-warn">{esc(tr("preview.unpriced"))}</div>')
    for bean, (want, have) in p.get("short", {}).items():
        code = next((c["code"] for c in inputs.components if c["bean_id"] == bean), bean)
        lines.append(
            f'<div class="themoon-preview-warn">'
            f"{esc(tr('preview.short', code=code, have=fmt.grams(max(have, 0)), want=fmt.grams(want)))}</div>"
        )
    grid = "".join(
        f'<div class="themoon-stat {("themoon-stat--" + s) if s else ""}">'
        f'<span class="themoon-stat-label">{esc(label)}</span>'
        f'<span class="themoon-stat-value">{esc(value)}</span></div>'
        for label, value, s in stats
    )
    return head + f'<div class="themoon-stats">{grid}</div>' + "".join(lines)


def _alert_html(alert: dict | None, tr: Tr) -> str:
    if alert is None:
        return ""
    kind = "ok" if alert["resolved"] else ("bad" if alert["level"] == "CRITICAL" else "warn")
    label = tr(f"alert.{alert['level'].lower()}") + " " + tr(f"alert.{alert['direction'].lower()}")
    if alert["resolved"]:
        label += " · " + tr("alert.resolved")
    return badge(label, kind)


def cost_cell(b: dict, tr: Tr) -> str:
    """The batch cost and what it is made of, as the store costed it (`roasting.list_batches`)."""
    parts = tr(
        "roast.cost_parts",
        green=fmt.won(b["green_cost_won"]),
        roasting=fmt.won(b["roasting_cost_won"]),
        session=fmt.won(b["session_cost_won"]),
        n=b["session_batches"],
    )
    return f'{esc(fmt.won(b["batch_cost_won"]))}<div class="themoon-cost-parts">{esc(parts)}</div>'


def batch_table_html(batches: list[dict], tr: Tr, lang: str) -> str:
    rows, classes_ = [], []
    for b in batches:
        name = (b["product_name_ko"] or b["product_name_en"]) if lang == "ko" else b["product_name_en"]
        alert = b["alert"]
        rows.append(
            [
                esc(b["id"]),
                esc(fmt.date_text(b["roasted_on"], lang)),
                esc(name),
                esc(fmt.grams(b["green_g"])),
                esc(fmt.grams(b["roasted_g"])),
                esc(fmt.pct(b["loss_pct"])),
                esc(fmt.points(b["variance_pct"], lang)),
                cost_cell(b, tr),
                esc(fmt.won(b["cost_per_roasted_kg_won"])),
                esc(b["operator"]),
                _alert_html(alert, tr),
            ]
        )
        classes_.append("themoon-row--alert" if alert and not alert["resolved"] else "")
    return table_html(
        BATCH_COLUMNS, rows, lang, empty=tr("roast.none"), css="themoon-batches-table", row_classes=classes_
    )
