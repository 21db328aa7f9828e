"""Green inventory tab: `InventoryModel` (model.py) and its view `InventoryTab` (view.py)."""

from .model import InventoryModel
from .view import InventoryTab

__all__ = ["InventoryModel", "InventoryTab"]
