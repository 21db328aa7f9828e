"""The Settings tab: model.py (cost settings, menu items, users, idle sign-out, Korean names),
view.py (their widgets)."""

from .view import SettingsTab

__all__ = ["SettingsTab"]
