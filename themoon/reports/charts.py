"""Plotly figures of the reports, drawn from a `Report`'s tables (never from the database).

The notebooks display them with the `themoon_notebook` renderer (`offline_renderer()`): plotly's
own "notebook" renderer — plotly.js embedded once in the first figure's output, so the HTML that
nbconvert makes draws every figure offline — minus the MathJax `<script src>` from a CDN that
plotly adds to every figure (no report uses LaTeX). papermill alone would leave only plotly's
JSON mimetype, which nbconvert's HTML drops.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import NotebookRenderer

from .. import messages
from ..chart_style import BLUE, BLUE_DARK, BLUE_LIGHT, GREEN, ORANGE, PALETTE, RED
from .tables import Report

PLOTLY_RENDERER = "themoon_notebook"
FONT = (
    '"Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", "Segoe UI", Roboto, Arial, sans-serif'
)
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


class OfflineNotebookRenderer(NotebookRenderer):
    """plotly's notebook renderer (plotly.js embedded, not connected) without the MathJax CDN tag."""

    def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
        from plotly.io import to_html

        text = to_html(
            fig_dict,
            config=self.config,
            auto_play=self.auto_play,
            include_plotlyjs=self.include_plotlyjs,
            include_mathjax=False,
            full_html=False,
            animation_opts=self.animation_opts,
            default_width="100%",
            default_height=460,
            validate=False,
        )
        return {"text/html": text}


def offline_renderer() -> str:
    """Register the `themoon_notebook` renderer (once) and return its name, for
    `plotly.io.renderers.default = charts.offline_renderer()`."""
    if PLOTLY_RENDERER not in pio.renderers:
        pio.renderers[PLOTLY_RENDERER] = OfflineNotebookRenderer(config=CONFIG)
    return PLOTLY_RENDERER


def use_offline_plotly() -> str:
    """Make the offline renderer plotly's default; returns its name."""
    pio.renderers.default = offline_renderer()
    return PLOTLY_RENDERER


def _text(value: Any) -> str:
    return html.escape(str(value))


def chart_lang(lang: str | None = None) -> str:
    """The language of a report's charts: `lang`, else THEMOON_LANG, else English."""
    return messages.normalize(lang) if lang else messages.default_lang()


def _layout(fig: go.Figure, title: str, **extra: Any) -> go.Figure:
    layout = {
        "title": {"text": _text(title), "x": 0.01, "font": {"size": 16}},
        "font": {"family": FONT, "size": 12},
        "template": "plotly_white",
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "legend": {"orientation": "h", "y": -0.2},
        "colorway": list(PALETTE),
        "height": 440,
    }
    fig.update_layout(**{**layout, **extra})
    return fig


def _add_target(fig: go.Figure, name: str, x: Any, y: Any, hovertemplate: str, *, size: int = 26) -> None:
    """A target per bar (standard cost, expected loss, reorder point): an orange tick across it."""
    fig.add_scatter(
        name=name,
        x=x,
        y=y,
        mode="markers",
        marker={"symbol": "line-ew-open", "size": size, "color": ORANGE, "line": {"width": 3}},
        hovertemplate=hovertemplate,
    )


def _empty(title: str, lang: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=messages.text("report.chart.no_data", lang),
        showarrow=False,
        font={"size": 14},
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=240)


Draw = Callable[[go.Figure, pd.DataFrame, Report, str], dict[str, Any]]


def _chart(table: str, title_key: str, keep: Callable[[pd.DataFrame], Any] | None = None) -> Callable[..., Any]:
    """A report chart of one table: `draw(fig, frame, report, lang)` adds the traces and returns its
    layout options; the title, the 'no data' figure and the house layout are the same for all."""

    def wrap(draw: Draw) -> Callable[[Report, str | None], go.Figure]:
        @functools.wraps(draw)
        def chart(report: Report, lang: str | None = None) -> go.Figure:
            lang = chart_lang(lang)
            return _drawn(draw, report, report[table].frame, keep, messages.text(title_key, lang), lang)

        return chart

    return wrap


def _drawn(
    draw: Draw,
    report: Report,
    frame: pd.DataFrame,
    keep: Callable[[pd.DataFrame], Any] | None,
    title: str,
    lang: str,
) -> go.Figure:
    if keep is not None:
        frame = frame[keep(frame)]
    if frame.empty:
        return _empty(title, lang)
    fig = go.Figure()
    return _layout(fig, title, **draw(fig, frame, report, lang))


def _bar(fig: go.Figure, name: str, x: Any, y: Any, color: Any, hovertemplate: str) -> None:
    """One vertical bar trace (the report charts' most common)."""
    fig.add_bar(name=name, x=x, y=y, marker_color=color, hovertemplate=hovertemplate)


# --- monthly cost -----------------------------------------------------------------------------------


@_chart("costs_by_product", "report.chart.cost_per_kg", keep=lambda frame: frame["batches"] > 0)
def cost_per_kg(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Actual cost per roasted kg of each product: this month, last month, and the standard."""
    names = [_text(p) for p in frame["product"]]
    for label, column, color, which in (
        (report.period.label, "actual_cost_per_kg_won", BLUE_DARK, "this month"),
        (report.period.previous().label, "prev_actual_cost_per_kg_won", BLUE_LIGHT, "previous month"),
    ):
        _bar(fig, _text(label), names, frame[column], color, "%{x}: ₩%{y:,.0f}/kg<extra>" + which + "</extra>")
    _add_target(fig, "standard", names, frame["standard_cost_per_kg_won"], "%{x}: ₩%{y:,.0f}/kg<extra>standard</extra>")
    fig.update_yaxes(title_text="₩ / roasted kg", tickformat=",.0f")
    return {"barmode": "group"}


@_chart("cost_breakdown", "report.chart.cost_breakdown")
def cost_breakdown(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """The month's roast cost per product, stacked by green, roasting and session costs."""
    names = [_text(p) for p in frame["product"]]
    for column, label, color in (
        ("green_cost_won", messages.text("report.chart.legend.green", lang), BLUE_DARK),
        ("roasting_cost_won", messages.text("report.chart.legend.roasting", lang), BLUE_LIGHT),
        ("session_cost_won", messages.text("report.chart.legend.session", lang), ORANGE),
    ):
        _bar(fig, label, names, frame[column], color, "%{x}: ₩%{y:,.0f}<extra>" + label + "</extra>")
    fig.update_yaxes(title_text="₩", tickformat=",.0f")
    return {"barmode": "stack"}


@_chart("loss_by_product", "report.chart.loss_by_product")
def loss_by_product(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Weighted loss per product against the expected loss, anomalies in the hover."""
    names = [_text(p) for p in frame["product"]]
    colors = [RED if a else BLUE for a in frame["anomalies"]]
    fig.add_bar(
        name=messages.text("report.chart.legend.weighted_loss", lang),
        x=names,
        y=frame["weighted_loss_pct"],
        marker_color=colors,
        customdata=list(zip(frame["batches"], frame["anomalies"], strict=True)),
        hovertemplate="%{x}: %{y:.2f} %<br>%{customdata[0]} batches, %{customdata[1]} anomalies<extra></extra>",
    )
    expected = messages.text("report.chart.legend.expected", lang)
    _add_target(fig, expected, names, frame["expected_loss_pct"], "%{x}: expected %{y:.2f} %<extra></extra>")
    low = min(float(frame["weighted_loss_pct"].min()), float(frame["expected_loss_pct"].min()))
    fig.update_yaxes(title_text="loss %", range=[max(0.0, low - 3), None], ticksuffix=" %")
    return {}


def menu_margins(report: Report, channel: str = "cup", lang: str | None = None) -> go.Figure:
    """Standard margin of each menu item of a channel at the month's end; below target in red."""
    lang = chart_lang(lang)
    if channel == "cup":
        title = messages.text("report.chart.menu_margins_cup", lang)
    else:
        title = messages.text("report.chart.menu_margins", lang, channel=channel)
    frame = report["menu_margins"].frame
    frame = frame[(frame["channel"] == channel) & frame["margin_pct"].notna()].sort_values("margin_pct")
    return _drawn(_menu_margins, report, frame, None, title, lang)


def _menu_margins(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    names = [_text(i) for i in frame["name_en"]]
    colors = [RED if below else GREEN for below in frame["below_target"]]
    fig.add_bar(
        orientation="h",
        x=frame["margin_pct"],
        y=names,
        marker_color=colors,
        name="margin",
        customdata=list(zip(frame["price_won"], frame["cost_won"], strict=True)),
        hovertemplate="%{y}: %{x:.1f} %<br>price ₩%{customdata[0]:,} cost ₩%{customdata[1]:,}<extra></extra>",
    )
    fig.update_xaxes(title_text="margin %", ticksuffix=" %")
    return {"height": max(320, 22 * len(frame) + 120), "showlegend": False}


@_chart("trend", "report.chart.monthly_trend")
def monthly_trend(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Roasted kg (bars) and cost per roasted kg (line) over the last months."""
    months = [str(p)[:7] for p in frame["period"]]
    roasted = messages.text("report.chart.legend.roasted_kg", lang)
    _bar(fig, roasted, months, frame["roasted_kg"], BLUE_LIGHT, "%{x}: %{y:,.1f} kg<extra></extra>")
    fig.add_scatter(
        name=messages.text("report.chart.legend.cost_per_kg", lang),
        x=months,
        y=frame["cost_per_roasted_kg_won"],
        yaxis="y2",
        mode="lines+markers",
        line={"color": BLUE_DARK, "width": 3},
        hovertemplate="%{x}: ₩%{y:,.0f}/kg<extra></extra>",
    )
    right = {"title": {"text": "₩ / kg"}, "overlaying": "y", "side": "right", "tickformat": ",.0f", "showgrid": False}
    return {"xaxis": {"type": "category"}, "yaxis": {"title": {"text": "kg"}, "tickformat": ",.0f"}, "yaxis2": right}


# --- weekly roasting ---------------------------------------------------------------------------------


@_chart("by_day_product", "report.chart.roasted_per_day")
def roasted_per_day(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Roasted kg per day of the week, stacked by product."""
    days = sorted({d for d in frame["day"]})
    for product in frame.groupby("product")["roasted_kg"].sum().sort_values(ascending=False).index:
        rows = frame[frame["product"] == product].set_index("day")["roasted_kg"]
        fig.add_bar(
            name=_text(product),
            x=[d.isoformat() for d in days],
            y=[rows.get(d, 0) for d in days],
            hovertemplate="%{x}: %{y:,.1f} kg<extra>" + _text(product) + "</extra>",
        )
    fig.update_yaxes(title_text="roasted kg", tickformat=",.0f")
    return {"barmode": "stack"}


@_chart("batches", "report.chart.batch_variance")
def batch_variance(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Each batch's loss minus the expected, with the warning (±3) and critical (±5) bands."""
    for y0, y1, color in ((3, 5, "#FFF2CC"), (-5, -3, "#FFF2CC"), (5, 15, "#F8CBAD"), (-15, -5, "#F8CBAD")):
        fig.add_hrect(y0=y0, y1=y1, fillcolor=color, opacity=0.6, line_width=0, layer="below")
    colors = [RED if a.startswith("CRITICAL") else ORANGE if a else BLUE for a in frame["alert"]]
    fig.add_scatter(
        x=[f"{d.isoformat()} #{b}" for d, b in zip(frame["roasted_on"], frame["batch_id"], strict=True)],
        y=frame["variance_pct"],
        mode="markers",
        marker={"color": colors, "size": 9},
        text=[_text(p) for p in frame["product"]],
        customdata=list(zip(frame["loss_pct"], frame["operator"].map(_text), strict=True)),
        hovertemplate="%{text}: loss %{customdata[0]:.2f} % (%{y:+.2f} pt)<br>%{customdata[1]}<extra>%{x}</extra>",
        name="batch",
    )
    span = max(6.0, float(frame["variance_pct"].abs().max()) + 1)
    fig.update_yaxes(title_text="loss − expected (pt)", range=[-span, span], zeroline=True)
    fig.update_xaxes(showticklabels=False, title_text="batches in roasting order")
    return {"showlegend": False}


@_chart("loss_by_operator", "report.chart.loss_by_operator")
def loss_by_operator(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Box plot of the batch losses per operator (quartiles and whiskers from the loss table)."""
    fig.add_box(
        x=[_text(o) for o in frame["operator"]],
        q1=frame["q1_loss_pct"],
        median=frame["median_loss_pct"],
        q3=frame["q3_loss_pct"],
        lowerfence=frame["min_loss_pct"],
        upperfence=frame["max_loss_pct"],
        mean=frame["avg_loss_pct"],
        marker_color=BLUE_DARK,
        name="loss",
    )
    fig.update_yaxes(title_text="loss %", ticksuffix=" %")
    return {"showlegend": False}


# --- inventory ---------------------------------------------------------------------------------------


@_chart("stock", "report.chart.stock_levels")
def stock_levels(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Stock of each bean against its reorder point; low ones in red."""
    names = [_text(b) for b in frame["bean"]]
    colors = [RED if low else BLUE for low in frame["low"]]
    stock = messages.text("report.chart.legend.stock", lang)
    _bar(fig, stock, names, frame["stock_kg"], colors, "%{x}: %{y:,.1f} kg<extra></extra>")
    reorder = messages.text("report.chart.legend.reorder_point", lang)
    hover = "%{x}: reorder at %{y:,.1f} kg<extra></extra>"
    _add_target(fig, reorder, names, frame["reorder_point_kg"], hover, size=24)
    fig.update_yaxes(title_text="kg", tickformat=",.0f")
    return {}


@_chart("runout", "report.chart.runout_timeline", keep=lambda frame: frame["runout_date"].notna())
def runout_timeline(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Days until each bean runs out, with the forecast interval; reorder dates as diamonds."""
    as_of = report.period.end
    names = [_text(b) for b in frame["bean"]]
    days = [(d - as_of).days for d in frame["runout_date"]]
    early = [(d - as_of).days if d is not None else None for d in frame["runout_early"]]
    late = [(d - as_of).days if d is not None else None for d in frame["runout_late"]]
    fig.add_bar(
        orientation="h",
        y=names,
        x=days,
        marker_color=[RED if d <= 14 else BLUE for d in days],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [(hi or d) - d for d, hi in zip(days, late, strict=True)],
            "arrayminus": [d - (lo if lo is not None else d) for d, lo in zip(days, early, strict=True)],
        },
        name=messages.text("report.chart.legend.runout", lang),
        hovertemplate="%{y}: %{x} days<extra></extra>",
    )
    reorder = [(d - as_of).days if d is not None else None for d in frame["reorder_date"]]
    fig.add_scatter(
        orientation="h",
        y=names,
        x=reorder,
        mode="markers",
        name=messages.text("report.chart.legend.order_by", lang),
        marker={"symbol": "diamond", "size": 10, "color": ORANGE},
        hovertemplate="%{y}: order within %{x} days<extra></extra>",
    )
    fig.update_xaxes(title_text=f"days after {as_of.isoformat()}")
    fig.update_yaxes(autorange="reversed")
    return {"height": max(320, 26 * len(frame) + 120)}


@_chart("stock_value", "report.chart.stock_value")
def stock_value(fig: go.Figure, frame: pd.DataFrame, report: Report, lang: str) -> dict[str, Any]:
    """Green stock value at the end of each week."""
    fig.add_scatter(
        x=[d.isoformat() for d in frame["as_of"]],
        y=frame["value_won"],
        mode="lines+markers",
        line={"color": BLUE_DARK, "width": 3},
        name="value",
        customdata=frame["stock_kg"],
        hovertemplate="%{x}: ₩%{y:,.0f} (%{customdata:,.1f} kg)<extra></extra>",
    )
    fig.update_yaxes(title_text="₩", tickformat=",", rangemode="tozero")
    return {"showlegend": False}
