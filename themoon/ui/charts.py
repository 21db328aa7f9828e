"""Plotly figures of the overview, built from kpis rows (plain `go.Figure`, never FigureWidget).

A figure is shown by putting its plotly JSON mimebundle into an `ipywidgets.Output`
(`figure_output`): the jupyterlab-plotly renderer shipped in the plotly wheel draws it in the
browser, offline, with no plotly.js download and no kernel round trip.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import date, timedelta

import plotly.graph_objects as go
import plotly.io as pio

from ..kpis import week_start
from .i18n import t

BLUE_DARK = "#1F4E78"
BLUE = "#4472C4"
ORANGE = "#ED7D31"
PALETTE = (
    "#1F4E78",
    "#4472C4",
    "#8FAADC",
    "#ED7D31",
    "#FFC000",
    "#70AD47",
    "#5B9BD5",
    "#264478",
    "#9E480E",
    "#997300",
    "#43682B",
)
FONT = (
    '"Pretendard", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", '
    '"Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
)
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
}
OTHER_COLOR = "#A5A5A5"
MIME = "application/vnd.plotly.v1+json"
# More stacked colours than this stop being readable: the smallest products become "Other".
MAX_STACKED = 7


def product_name(row: dict, lang: str) -> str:
    name = (row.get("name_ko") or row["name_en"]) if lang == "ko" else row["name_en"]
    return html.escape(name or row.get("product") or row.get("bean") or "")


def _layout(fig: go.Figure, *, height: int = 340) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        autosize=True,
        margin={"l": 52, "r": 16, "t": 12, "b": 8},
        font={"family": FONT, "size": 12, "color": "#1f2d3d"},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": 11}},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        bargap=0.3,
    )
    fig.update_yaxes(gridcolor="#e6ebf2", zerolinecolor="#c9d3e0", rangemode="tozero")
    return fig


def week_labels(since: date, until: date) -> list[date]:
    """Every week start (Monday) from the week of `since` to the week of `until`."""
    weeks, day = [], week_start(since)
    while day <= until:
        weeks.append(day)
        day += timedelta(days=7)
    return weeks


def _colours(shown: Sequence[str], product_order: Sequence[str]) -> dict[str, str]:
    """A colour per product, from its place in the catalogue (stable from one period to the next),
    moving on to the next free colour when two shown products would share one."""
    order = list(product_order) + sorted(set(shown) - set(product_order))
    taken: dict[str, str] = {}
    for product in sorted(shown, key=order.index):
        start = order.index(product)
        for step in range(len(PALETTE)):
            colour = PALETTE[(start + step) % len(PALETTE)]
            if colour not in taken.values():
                break
        taken[product] = colour
    return taken


def weekly_figure(
    rows: Sequence[dict], since: date, until: date, lang: str = "en", product_order: Sequence[str] = ()
) -> go.Figure:
    """Stacked bars: roasted kg per week and product; beyond MAX_STACKED products the smallest
    are summed as "Other"."""
    weeks = week_labels(since, until)
    labels = [w.strftime("%m/%d") for w in weeks]
    totals: dict[str, int] = {}
    first_row: dict[str, dict] = {}
    for row in rows:
        totals[row["product"]] = totals.get(row["product"], 0) + row["roasted_g"]
        first_row.setdefault(row["product"], row)
    ranked = sorted(totals, key=lambda p: (-totals[p], p))
    shown = ranked if len(ranked) <= MAX_STACKED else ranked[: MAX_STACKED - 1]
    grams: dict[str, dict[date, int]] = {}
    for row in rows:
        key = row["product"] if row["product"] in shown else ""
        by_week = grams.setdefault(key, {})
        by_week[row["week"]] = by_week.get(row["week"], 0) + row["roasted_g"]
    colours = _colours(shown, product_order)
    order = list(product_order) + sorted(set(shown) - set(product_order))
    fig = go.Figure()
    for product in [*sorted(shown, key=order.index), ""]:
        if product not in grams:
            continue
        by_week = grams[product]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[None if w not in by_week else by_week[w] / 1000 for w in weeks],
                name=product_name(first_row[product], lang) if product else t("chart.weekly.other", lang),
                marker_color=colours.get(product, OTHER_COLOR),
                hovertemplate="%{fullData.name}<br>%{x}: %{y:,.1f} kg<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, title_text=t("chart.weekly.x", lang))
    fig.update_yaxes(title_text="kg")
    return _layout(fig)


def stock_figure(rows: Sequence[dict], lang: str = "en") -> go.Figure:
    """Bars of green stock per active bean (orange when low) with the reorder point as a tick."""
    names = [product_name(r, lang) for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=names,
            y=[None if r["low"] else r["stock_kg"] for r in rows],
            name=t("chart.stock.bar", lang),
            marker_color=BLUE,
            hovertemplate="%{x}: %{y:,.1f} kg<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=[r["stock_kg"] if r["low"] else None for r in rows],
            name=t("low.title", lang),
            marker_color=ORANGE,
            hovertemplate="%{x}: %{y:,.1f} kg<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[r["reorder_point_kg"] for r in rows],
            name=t("chart.stock.marker", lang),
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 26, "color": BLUE_DARK, "line": {"width": 3, "color": BLUE_DARK}},
            hovertemplate="%{x}: %{y:,.1f} kg<extra>" + html.escape(t("chart.stock.marker", lang)) + "</extra>",
        )
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="category", tickangle=-30 if len(rows) > 6 else 0)
    fig.update_yaxes(title_text="kg")
    return _layout(fig)


def mimebundle(fig: go.Figure) -> dict:
    """The display data of a figure: plotly JSON (with its config), as the plotly renderer makes it."""
    data = json.loads(pio.to_json(fig, validate=False, remove_uids=False))
    data["config"] = dict(PLOTLY_CONFIG)
    return {MIME: data}


def output_of(fig: go.Figure) -> tuple[dict, ...]:
    """`ipywidgets.Output.outputs` that display the figure."""
    return ({"output_type": "display_data", "data": mimebundle(fig), "metadata": {}},)
