"""Overview tab: `OverviewModel` (model.py) and its view `OverviewTab` (view.py)."""

from .model import CHART_KEYS, KPI_KEYS, OverviewModel
from .view import OverviewTab

__all__ = ["CHART_KEYS", "KPI_KEYS", "OverviewModel", "OverviewTab"]
