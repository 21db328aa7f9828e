"""The Roasting tab's state and actions, without widgets: the one-batch form (`batch`), the
session table (`session`) and the batch table with its filters and picked batch (`history`).
Reads go through the Context, writes through the store API (`roasting.add_batch`, `add_session`,
`update_batch`, `delete_batch`, `resolve_alert`), each after the role check; every action returns
a `Result` the view renders."""

from __future__ import annotations

from typing import Any

from traitlets import HasTraits, Unicode, observe

from ...results import Result, Said
from .batch import BatchModel
from .history import HistoryModel
from .session import SessionModel


class RoastingModel(HasTraits):
    mode = Unicode("single")  # single | session (the session table's rows are made when first shown)

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.batch = BatchModel(ctx)
        self.session = SessionModel(ctx)
        self.history = HistoryModel(ctx)

    @property
    def origin(self) -> object:
        """Who announces this tab's writes to the others (the view, which redraws itself)."""
        return self.history.origin

    @origin.setter
    def origin(self, origin: object) -> None:
        self.batch.origin = self.session.origin = self.history.origin = origin

    @observe("mode")
    def _mode(self, change: dict) -> None:
        if change["new"] == "session":
            self.session.ensure_rows()

    @property
    def can_log(self) -> bool:
        return self.ctx.can("log_batch")

    @property
    def has_actions(self) -> bool:
        """Whether the signed-in person may do anything to a listed batch."""
        return any(self.ctx.can(a) for a in ("edit_batch", "resolve_alert", "correct_own"))

    def load(self) -> None:
        """Read again: the operator defaults to the signed-in person, the table, the preview."""
        user = self.ctx.user
        if not self.batch.operator and user:
            with self.batch.filling():
                self.batch.operator = user.get("display_name") or user["username"]
            self.session.operator = self.batch.operator
        self.history.load()
        self.batch.load_components()

    def edit(self) -> Result:
        """Open the picked batch in the one-batch form (done: `batch.editing` is its id)."""
        result = self.history.fetch_for_edit()
        if result.ok:
            self.mode = "single"
            self.batch.start_edit(result.value)
            result.said = Said("info", "roast.editing", {"id": result.value["id"]})
        return result

    def delete(self) -> Result:
        """Delete the batch asked about; the form stops editing it if it was."""
        batch_id = self.history.pending_delete
        result = self.history.delete()
        if result.ok and self.batch.editing == batch_id:
            self.batch.cancel_edit()
        return result


__all__ = ["RoastingModel", "Result"]
