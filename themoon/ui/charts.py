"""The dashboard's plotly figures, built from kpis / analytics rows.

A figure is a plain plotly figure dict (`{"data": [...], "layout": {...}}`, what `go.Figure`
serialises to; the tests validate every one with `go.Figure(spec)`), shown as an `ipywidgets.HTML`
holding `<div class="themoon-plotly" data-figure="{json}">` (`chart_html`): our template's
themoon-charts.js draws it once with plotly.js's cartesian bundle (1.5 MB, loaded after the KPIs
paint), offline. Not the jupyterlab-plotly renderer: its 4.8 MB chunk held every page's start
back and it drew every figure a second time off-screen. No FigureWidget (anywidget, ~5 MB per
page), and no `go.Figure` objects on the redraw path: building and validating them took
100-250 ms per Overview redraw; a dict takes about a millisecond.

Text that plotly renders (trace names, category labels) is HTML-escaped: plotly reads a few tags.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from ..chart_style import BLUE, BLUE_DARK, GREEN, ORANGE, PALETTE
from ..chart_style import GREY as OTHER_COLOR
from ..kpis import week_start
from .i18n import t

FONT = (
    '"Pretendard", "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", '
    '"Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
)
# No mode bar: on a tablet it covered the legends (hover means every tap); drag still zooms and a
# double tap resets. Not `responsive`: themoon-charts.js resizes a chart when its card changes size.
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": False}
GRID = "#e6ebf2"
MIME = "application/vnd.plotly.v1+json"
# More stacked colours than this stop being readable: the smallest products become "Other".
MAX_STACKED = 7

Figure = dict[str, Any]


def product_name(row: dict, lang: str) -> str:
    """The name of a product or bean row in the language (plain text)."""
    name = (row.get("name_ko") or row.get("name_en")) if lang == "ko" else row.get("name_en")
    return str(name or row.get("product") or row.get("bean") or "")


def _p(text: str) -> str:
    """Text for plotly (which reads a few HTML tags)."""
    return html.escape(text, quote=False)


def _axis(**extra: Any) -> dict[str, Any]:
    axis = {
        "gridcolor": GRID,
        "linecolor": GRID,
        "zerolinecolor": "#c9d3e0",
        "automargin": True,
        "ticks": "",
        "title": {"standoff": 12},
    }
    for key, value in extra.items():
        if key == "title_text":
            axis["title"] = {**axis["title"], "text": value}
        else:
            axis[key] = value
    return axis


def figure(
    data: list[dict],
    *,
    height: int = 340,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    margins: dict | None = None,
    **layout: Any,
) -> Figure:
    """A figure dict in the dashboard's look (no plotly template: the few settings it needs).

    `margins` fixes the plot's margins and turns the axes' automargin off: plotly then lays the
    plot out once instead of measuring its labels and laying it out again (a visible share of the
    Overview's drawing time on a small machine)."""
    base: dict[str, Any] = {
        "height": height,
        "autosize": True,
        "margin": {"l": 52, "r": 16, "t": 12, "b": 8},
        "font": {"family": FONT, "size": 12, "color": "#1f2d3d"},
        "hoverlabel": {"font": {"family": FONT}, "align": "left"},
        "hovermode": "closest",
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": 11}},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": list(PALETTE),
        "bargap": 0.3,
        "xaxis": _axis(**(xaxis or {})),
        "yaxis": _axis(**{"rangemode": "tozero", **(yaxis or {})}),
    }
    if margins is not None:
        base["margin"] = {**base["margin"], **margins}
        base["xaxis"]["automargin"] = base["yaxis"]["automargin"] = False
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return {"data": data, "layout": base}


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
) -> Figure:
    """Stacked bars: roasted kg per week and product; beyond MAX_STACKED products the smallest
    are summed as "Other"."""
    weeks = week_labels(since, until)
    if len(weeks) > 1 and weeks[0] < since and not any(row["week"] == weeks[0] for row in rows):
        weeks = weeks[1:]  # a period starting on a Sunday: no empty week of one closed day
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
    data = []
    for product in [*sorted(shown, key=order.index), ""]:
        if product not in grams:
            continue
        by_week = grams[product]
        name = product_name(first_row[product], lang) if product else t("chart.weekly.other", lang)
        data.append(
            {
                "type": "bar",
                "x": labels,
                "y": [None if w not in by_week else by_week[w] / 1000 for w in weeks],
                "name": _p(name),
                "marker": {"color": colours.get(product, OTHER_COLOR)},
                "hovertemplate": "%{fullData.name}<br>%{x}: %{y:,.1f} kg<extra></extra>",
            }
        )
    return _stacked_by_week(data, labels, _p(t("chart.weekly.x", lang)), {"title_text": "kg"}, left=52, top=60)


def stock_figure(rows: Sequence[dict], lang: str = "en") -> Figure:
    """Horizontal bars of green stock per active bean (orange when low), the reorder point as a
    tick, and the forecast run-out date at the end of each bar. Horizontal so that the beans'
    names stay readable, side by side, on a phone as on a desktop (upright bars with slanted
    names and dates above them overlapped on anything narrower than a desktop)."""
    names = [_p(product_name(r, lang)) for r in rows]
    runout = [r["runout_date"].strftime("%m/%d") if r.get("runout_date") else "" for r in rows]
    custom = [r["runout_date"].isoformat() if r.get("runout_date") else "—" for r in rows]
    hover = "%{y}: %{x:,.1f} kg<br>" + _p(t("chart.stock.runout", lang)) + ": %{customdata}<extra></extra>"

    def bars(low: bool, name: str, colour: str, text_colour: str) -> dict:
        return {
            "type": "bar",
            "orientation": "h",
            "y": names,
            "x": [r["stock_kg"] if bool(r["low"]) == low else None for r in rows],
            "name": _p(name),
            "marker": {"color": colour},
            "text": [label if bool(r["low"]) == low else None for r, label in zip(rows, runout, strict=True)],
            "textposition": "outside",
            "textfont": {"size": 10, "color": text_colour},
            "customdata": custom,
            "hovertemplate": hover,
            "cliponaxis": False,
        }

    data = [
        bars(False, t("chart.stock.bar", lang), BLUE, "#5f6f82"),
        bars(True, t("low.title", lang), ORANGE, "#b35a12"),
        {
            "type": "scatter",
            "y": names,
            "x": [r["reorder_point_kg"] for r in rows],
            "name": _p(t("chart.stock.marker", lang)),
            "mode": "markers",
            "marker": {
                "symbol": "line-ns-open",
                "size": 16,
                "color": BLUE_DARK,
                "line": {"width": 3, "color": BLUE_DARK},
            },
            "hovertemplate": "%{y}: %{x:,.1f} kg<extra>" + _p(t("chart.stock.marker", lang)) + "</extra>",
        },
    ]
    fig = figure(
        data,
        height=max(260, 70 + 24 * len(rows)),
        margins={"t": 40, "r": 40, "b": 36},
        barmode="overlay",
        bargap=0.25,
        yaxis={"type": "category", "autorange": "reversed", "rangemode": "normal"},
        xaxis={"title_text": "kg", "rangemode": "tozero"},
    )
    fig["layout"]["yaxis"]["automargin"] = True  # the names' width decides the left margin
    return fig


def _top_products(rows: Sequence[dict], weight: str, limit: int) -> list[str]:
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["product"]] = totals.get(row["product"], 0) + (row.get(weight) or 0)
    return sorted(totals, key=lambda p: (-totals[p], p))[:limit]


def cost_trend_figure(
    rows: Sequence[dict],
    overall: Sequence[dict],
    grain: str,
    lang: str = "en",
    product_order: Sequence[str] = (),
    limit: int = 6,
) -> Figure:
    """Lines: actual cost per roasted kg per period for the most-roasted products, and all
    products together (dotted)."""
    shown = _top_products(rows, "roasted_g", limit)
    colours = _colours(shown, product_order)
    label_format = "%m/%d" if grain == "week" else "%Y-%m"
    hover = "%{fullData.name}<br>%{x}: ₩%{y:,.0f}/kg<extra></extra>"
    data = []
    for product in shown:
        points = sorted((r for r in rows if r["product"] == product), key=lambda r: r["period"])
        data.append(
            {
                "type": "scatter",
                "x": [r["period"].strftime(label_format) for r in points],
                "y": [r["cost_per_kg_won"] for r in points],
                "name": _p(product_name(points[0], lang)),
                "mode": "lines+markers",
                "line": {"color": colours[product], "width": 2},
                "marker": {"size": 6},
                "hovertemplate": hover,
            }
        )
    if overall:
        points = sorted(overall, key=lambda r: r["period"])
        data.append(
            {
                "type": "scatter",
                "x": [r["period"].strftime(label_format) for r in points],
                "y": [r["cost_per_kg_won"] for r in points],
                "name": _p(t("chart.cost.all", lang)),
                "mode": "lines",
                "line": {"color": "#1f2d3d", "width": 2.5, "dash": "dot"},
                "hovertemplate": hover,
            }
        )
    periods = sorted({r["period"] for r in [*rows, *overall]})
    return figure(
        data,
        margins={"l": 72, "r": 16, "t": 60, "b": 52},
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [d.strftime(label_format) for d in periods],
            "title_text": _p(t(f"chart.cost.x.{grain}", lang)),
        },
        yaxis={"title_text": "₩ / kg", "tickformat": ",.0f", "rangemode": "normal"},
    )


def loss_figure(rows: Sequence[dict], expected_pct: float | None, lang: str = "en", limit: int = 10) -> Figure:
    """Box plots of batch loss per product (quartiles and 1.5 IQR whiskers as the analytics
    computed them), the most-roasted products first, with the expected loss as a dashed line."""
    rows = sorted(rows, key=lambda r: (-r["batches"], r["product"]))[:limit]
    data = []
    for r in rows:
        name = _p(product_name(r, lang))
        data.append(
            {
                "type": "box",
                "x": [name],
                "q1": [r["q1"]],
                "median": [r["median"]],
                "q3": [r["q3"]],
                "lowerfence": [r["whisker_low"]],
                "upperfence": [r["whisker_high"]],
                "mean": [r["avg_loss_pct"]],
                "name": name,
                "marker": {"color": BLUE},
                "line": {"color": BLUE_DARK, "width": 1.5},
                "fillcolor": "rgba(68,114,196,0.35)",
                "boxmean": True,
                "showlegend": False,
                "hoverinfo": "y+name",
            }
        )
    shapes, annotations = [], []
    if expected_pct is not None and rows:
        shapes.append(across(expected_pct, {"color": ORANGE, "dash": "dash", "width": 2}))
        annotations.append(
            {
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "yref": "y",
                "y": expected_pct,
                "yanchor": "bottom",
                "text": _p(t("chart.loss.expected", lang, pct=f"{expected_pct:.1f}%")),
                "showarrow": False,
                "font": {"size": 11, "color": "#b35a12"},
            }
        )
    return figure(
        data,
        margins={"l": 64, "r": 16, "t": 16, "b": 92 if len(rows) > 5 else 48},
        shapes=shapes,
        annotations=annotations,
        xaxis={"type": "category", "tickangle": -30 if len(rows) > 5 else 0},
        yaxis={"title_text": _p(t("chart.loss.y", lang)), "ticksuffix": "%", "rangemode": "normal"},
    )


def hbar_figure(
    names: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    *,
    text: Sequence[str] | None = None,
    hover: str = "%{y}: %{x:,.0f}<extra></extra>",
    x_title: str = "",
    left: int = 150,
) -> Figure:
    """One horizontal bar per name, top to bottom."""
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": list(values),
        "y": [_p(n) for n in names],
        "marker": {"color": list(colours)},
        "hovertemplate": hover,
    }
    if text is not None:
        trace["text"] = list(text)
        trace["textposition"] = "auto"
    return figure(
        [trace],
        height=max(220, 46 * len(names) + 60),
        showlegend=False,
        margin={"l": left},
        xaxis={"title_text": x_title, "tickformat": ",.0f"},
        yaxis={"autorange": "reversed", "type": "category", "rangemode": "normal"},
    )


def grouped_hbar_figure(
    names: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    hover: str = "%{y}: %{x:.1f}%<extra></extra>",
    x_title: str = "",
    ticksuffix: str = "",
    left: int = 170,
) -> Figure:
    """Groups of horizontal bars (one bar per series) per name."""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [_p(n) for n in names],
            "x": list(values),
            "name": _p(label),
            "marker": {"color": colour},
            "hovertemplate": hover,
        }
        for label, values, colour in series
    ]
    return figure(
        data,
        height=max(260, 34 * len(names) + 90),
        barmode="group",
        bargap=0.25,
        margin={"l": left},
        xaxis={"title_text": x_title, "ticksuffix": ticksuffix},
        yaxis={"autorange": "reversed", "type": "category", "rangemode": "normal"},
    )


def mimebundle(fig: Figure) -> dict:
    """The display data of a figure: plotly JSON (with its config), as the plotly renderer takes it
    (for notebooks; the dashboard sends `chart_html`)."""
    return {MIME: {"data": fig["data"], "layout": fig["layout"], "config": dict(PLOTLY_CONFIG)}}


def _plain(value: Any) -> Any:
    """JSON-ready: NaN/inf → null (JSON.parse refuses them), dates → ISO text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return str(value)


def figure_json(fig: Figure) -> str:
    """The figure (data, layout and config) as compact JSON, what the browser draws."""
    spec = {"data": fig["data"], "layout": fig["layout"], "config": PLOTLY_CONFIG}
    return json.dumps(_plain(spec), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_CHART_IDS = itertools.count(1)


def chart_html(payload: str) -> str:
    """The HTML widget value showing a figure's JSON (`figure_json`); each one gets a new id, so the
    browser tests can tell that no chart is drawn twice."""
    return (
        f'<div class="themoon-plotly" data-figure-id="c{next(_CHART_IDS)}" '
        f'data-figure="{html.escape(payload, quote=True)}"></div>'
    )


def chart_widget(*extra_classes: str) -> Any:
    """An empty chart: an `ipywidgets.HTML` that `Tab.set_chart` fills."""
    import ipywidgets as widgets

    w = widgets.HTML()
    for name in ("themoon-chart-plot", *extra_classes):
        w.add_class(name)
    return w


def as_go(fig: Figure) -> Any:
    """The figure as a `plotly.graph_objects.Figure` (validates it; for notebooks and tests)."""
    import plotly.graph_objects as go

    return go.Figure(fig)


# --- sales and profit (issue #13) -------------------------------------------------------------------

CHANNEL_ORDER = ("cup", "bag", "wholesale")
CHANNEL_COLOURS = {"cup": BLUE, "bag": ORANGE, "wholesale": GREEN}
CLASS_COLOURS = {"star": GREEN, "plowhorse": BLUE, "puzzle": ORANGE, "dog": OTHER_COLOR}
# where each class's name sits on the menu-engineering chart (paper coordinates)
CLASS_CORNERS = {"star": (1, 1), "plowhorse": (1, 0), "puzzle": (0, 1), "dog": (0, 0)}
MENU_LABELS = 6  # the best sellers are named on the menu-engineering chart; every point on hover


def channel_order(found: Iterable[str]) -> list[str]:
    """Channels cups first, then bags, wholesale and any other."""
    found = set(found)
    return [c for c in CHANNEL_ORDER if c in found] + sorted(set(found) - set(CHANNEL_ORDER))


def sales_weekly_figure(rows: Sequence[dict], since: date, until: date, lang: str = "en") -> Figure:
    """Net sales per week stacked by channel (bars) and each channel's gross profit (lines)."""
    weeks = week_labels(since, until)
    labels = [w.strftime("%m/%d") for w in weeks]
    channels = channel_order(r["channel"] for r in rows)
    data = []
    for key, kind in (("revenue_won", "revenue"), ("gross_profit_won", "profit")):
        for channel in channels:
            by_week = {r["week"]: r[key] for r in rows if r["channel"] == channel}
            name = _p(t(f"sp.chart.{kind}", lang, channel=t(f"channel.{channel}", lang)))
            colour = CHANNEL_COLOURS.get(channel, OTHER_COLOR)
            trace: dict[str, Any] = {
                "x": labels,
                "y": [by_week.get(w) for w in weeks],
                "name": name,
                "hovertemplate": "%{fullData.name}<br>%{x}: ₩%{y:,.0f}<extra></extra>",
            }
            if kind == "revenue":
                trace.update(type="bar", marker={"color": colour, "opacity": 0.55})
            else:
                trace.update(type="scatter", mode="lines+markers", line={"color": colour, "width": 2.5})
            data.append(trace)
    yaxis = {"title_text": "₩", "tickformat": ",.0f", "rangemode": "normal"}
    return _stacked_by_week(data, labels, _p(t("sp.chart.weekly.x", lang)), yaxis, left=84, top=76)


def menu_engineering_figure(
    points: Sequence[dict], qty_line: float | None, margin_line: float | None, lang: str = "en"
) -> Figure:
    """Items of one channel as points: units sold (x) against contribution margin per unit (y),
    coloured by class, the best sellers named, with the class lines (popularity, the channel's
    average margin) and each quadrant's class name in its corner."""
    labelled = {p["item"] for p in sorted(points, key=lambda p: (-p["qty"], p["item"]))[:MENU_LABELS]}
    data = []
    for klass in ("star", "plowhorse", "puzzle", "dog"):
        mine = [p for p in points if p.get("class") == klass]
        if not mine:
            continue
        label = _p(t(f"sp.class.{klass}", lang))
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [p["qty"] for p in mine],
                "y": [p["contribution_margin_won"] for p in mine],
                "text": [_p(product_name(p, lang)) if p["item"] in labelled else "" for p in mine],
                "customdata": [_p(product_name(p, lang)) for p in mine],
                "textposition": "top center",
                "textfont": {"size": 10, "color": "#5f6f82"},
                "name": label,
                "marker": {"color": CLASS_COLOURS[klass], "size": 11, "line": {"width": 1, "color": "#ffffff"}},
                "hovertemplate": "%{customdata}<br>%{x:,} · ₩%{y:,.0f}<extra>" + label + "</extra>",
                "cliponaxis": False,
            }
        )
    line = {"color": "#8a99ab", "dash": "dash", "width": 1.5}
    shapes = []
    if qty_line is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": qty_line,
                "x1": qty_line,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": line,
            }
        )
    if margin_line is not None:
        shapes.append(across(margin_line, line))
    annotations = [
        {
            "xref": "paper",
            "yref": "paper",
            "x": x,
            "y": y,
            "xanchor": "right" if x else "left",
            "yanchor": "top" if y else "bottom",
            "text": "<b>" + _p(t(f"sp.class.{klass}", lang)) + "</b>",
            "showarrow": False,
            "font": {"size": 12, "color": CLASS_COLOURS[klass]},
        }
        for klass, (x, y) in CLASS_CORNERS.items()
    ]
    return figure(
        data,
        height=380,
        margins={"l": 84, "r": 24, "t": 48, "b": 52},
        shapes=shapes,
        annotations=annotations,
        xaxis={"title_text": _p(t("sp.chart.menu.x", lang)), "tickformat": ",d", "rangemode": "tozero"},
        yaxis={
            "title_text": _p(t("sp.chart.menu.y", lang)),
            "tickformat": ",.0f",
            "tickprefix": "₩",
            "rangemode": "normal",
        },
    )


def _stacked_by_week(data: list[dict], labels: list[str], x_title: str, yaxis: dict, *, left: int, top: int) -> Figure:
    """Weekly bars stacked in the weeks' own order (a category axis), the house margins."""
    xaxis = {"type": "category", "categoryorder": "array", "categoryarray": labels, "title_text": x_title}
    margins = {"l": left, "r": 16, "t": top, "b": 52}
    return figure(data, margins=margins, barmode="stack", legend={"traceorder": "normal"}, xaxis=xaxis, yaxis=yaxis)


def across(y: float, line: dict) -> dict:
    """A horizontal line across the whole plot at `y` (a shape of the layout)."""
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": line}
