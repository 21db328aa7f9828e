"""The Import tab (owner only): model.py holds the workflow, view.py the widgets, runs.py what
one import run is (uploads, the importer call, its outcome)."""

from .view import ImportsTab

__all__ = ["ImportsTab"]
