"""The colours of every plotly chart: the dashboard's (`themoon.ui.charts`) and the reports'
(`themoon.reports.charts`) share one look. Fonts and plotly configs stay with each (they differ)."""

from __future__ import annotations

BLUE_DARK = "#1F4E78"
BLUE = "#4472C4"
BLUE_LIGHT = "#8FAADC"
ORANGE = "#ED7D31"
GREEN = "#70AD47"
RED = "#C00000"
GREY = "#A5A5A5"
PALETTE = (
    BLUE_DARK,
    BLUE,
    BLUE_LIGHT,
    ORANGE,
    "#FFC000",
    GREEN,
    "#5B9BD5",
    "#264478",
    "#9E480E",
    "#997300",
    "#43682B",
)
