"""Today's purchases and stocktakes that the signed-in user may take back (issue #15, 4b): the
card of the Green inventory tab. model.py holds the entries and the delete; view.py the card."""

from __future__ import annotations

from .model import TodaysEntriesModel, todays_entries
from .view import TodaysEntries

__all__ = ["TodaysEntries", "TodaysEntriesModel", "todays_entries"]
