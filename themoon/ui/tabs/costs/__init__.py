"""Costs & prices tab: `CostsModel` (model.py) and its view `CostsTab` (view.py)."""

from .model import CostsModel
from .view import CostsTab

__all__ = ["CostsModel", "CostsTab"]
