"""The Reports tab: model.py (the past runs, running and exporting through ui/jobs.py), view.py."""

from .view import ReportsTab

__all__ = ["ReportsTab"]
