"""The Roasting tab: log a batch (with its live preview) or a whole session, the batch table with
its filters, edit/delete (the owner any batch, staff their own of today) and alert resolution.

    model.py    RoastingModel: the tab's state and actions (batch.py, session.py, history.py hold
                its three parts; preview.py the pure arithmetic of the live preview)
    view.py     RoastingTab: the widgets, bound to the model

`RoastingTab` is imported lazily: the shared field checks (ui/checks.py) read this package's
pending messages, and must not pull the view (and ui/forms.py) in while forms.py is loading.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "RoastingTab":
        from .view import RoastingTab

        return RoastingTab
    raise AttributeError(name)


__all__ = ["RoastingTab"]
