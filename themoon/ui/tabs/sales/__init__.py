"""The Sales & profit tab (issue #13): model.py holds the state and actions, view.py the widgets."""

from .model import SalesModel
from .view import SalesTab

__all__ = ["SalesModel", "SalesTab"]
