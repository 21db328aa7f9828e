"""Beans & blends tab (key "catalog"): `CatalogModel` (model.py) and its view `CatalogTab`
(view.py). The folder is not called catalog: themoon/catalog.py is the store's catalogue."""

from .model import CatalogModel, cost_breakdown
from .view import CatalogTab

__all__ = ["CatalogModel", "CatalogTab", "cost_breakdown"]
