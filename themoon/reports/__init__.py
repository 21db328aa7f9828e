"""Scheduled and on-demand reports: papermill notebooks over tables computed here.

Three reports, each a notebook in `notebooks/reports/` that calls one builder of this package:

| name              | period            | builder                     |
|-------------------|-------------------|-----------------------------|
| `monthly_cost`    | month `2026-10`   | `builders.monthly_cost`     |
| `weekly_roasting` | ISO week `2026-W43` | `builders.weekly_roasting` |
| `inventory`       | day `2026-10-31`  | `builders.inventory_report` |

A builder returns a `Report` (titled pandas tables with units); the notebook shows its tables and
the charts of `themoon.reports.charts`, and writes the same tables to the `.xlsx`.
`runner.run_report` executes a notebook with papermill, exports HTML without code, publishes the
files (HTML, PDF, xlsx, notebook) atomically under `reports/<name>/<period>/` and records every run in
`reports/index.json` (`index.list_reports`). See docs/reports.md.

Importing this package is cheap (the CLI imports it): the submodules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

# name → (module, attribute)
_LAZY = {
    "Period": ("periods", "Period"),
    "parse_period": ("periods", "parse_period"),
    "Report": ("tables", "Report"),
    "Table": ("tables", "Table"),
    "monthly_cost": ("builders", "monthly_cost"),
    "weekly_roasting": ("builders", "weekly_roasting"),
    "inventory_report": ("builders", "inventory_report"),
    "PLOTLY_RENDERER": ("charts", "PLOTLY_RENDERER"),
    "use_offline_plotly": ("charts", "use_offline_plotly"),
    "REPORTS": ("registry", "REPORTS"),
    "available_reports": ("registry", "available_reports"),
    "list_reports": ("index", "list_reports"),
    "run_report": ("runner", "run_report"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
