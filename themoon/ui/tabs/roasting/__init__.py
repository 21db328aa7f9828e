"""The Roasting tab: log a batch (with its live preview) or a whole session, the batch table with
its filters, edit/delete (the owner any batch, staff their own of today) and alert resolution.

    model.py    RoastingModel: the tab's state and actions (batch.py, session.py, history.py hold
                its three parts; preview.py the pure arithmetic of the live preview)
    view.py     RoastingTab: the widgets, bound to the model
"""

from __future__ import annotations

from .view import RoastingTab

__all__ = ["RoastingTab"]
