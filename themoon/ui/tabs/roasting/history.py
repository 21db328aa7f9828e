"""The batch table: its filters (days, product, open alerts only), the newest matching batches,
the batch picked under it and what may be done to it (edit and delete: the owner any batch, staff
their own of today, `users.may_correct`; resolve an open alert: the owner), with the delete asked
for and confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .... import roasting, users
from ...results import Result, Said

LIMIT = 100  # batches shown in the table (the newest matching the filters)
DEFAULT_DAYS = 30  # the batch table opens on the last 30 days


@dataclass(frozen=True)
class Pick:
    """What the picked batch allows the signed-in person."""

    correct: bool  # edit and delete (shown only then)
    resolve: bool  # an open alert, and the right to resolve it
    may_resolve: bool  # the right at all (the note and button are shown only then)


class HistoryModel:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.since: date | None = ctx.today() - timedelta(days=DEFAULT_DAYS - 1)
        self.until: date | None = None
        self.product: str | None = None
        self.alerts_only = False
        self.batches: list[dict] = []
        self.more = False
        self.picked = 0
        self.pending_delete: int | None = None
        self.origin: object = self  # who announces a delete or a resolved alert (the view)

    def load(self) -> None:
        """The newest LIMIT batches matching the filters (`more`: there were others)."""
        conn = self.ctx.conn()
        since, until, product = self.since, self.until, self.product or None
        if self.alerts_only:
            open_ids = [a["batch_id"] for a in roasting.list_alerts(conn, open_only=True, limit=LIMIT + 1)]
            rows = [
                b
                for b in (roasting.get_batch(conn, i) for i in open_ids)
                if (since is None or b["roasted_on"] >= since.isoformat())
                and (until is None or b["roasted_on"] <= until.isoformat())
                and (product is None or f"{b['product_kind']}:{b['product']}" == product)
            ]
        else:
            rows = roasting.list_batches(conn, since=since, until=until, product=product, limit=LIMIT + 1)
        self.more = len(rows) > LIMIT
        self.batches = rows[:LIMIT]

    def filter(self, **filters: Any) -> Result:
        """Change some of the filters (since, until, product, alerts_only) and read again."""
        for name, value in filters.items():
            if name not in ("since", "until", "product", "alerts_only"):
                raise TypeError(name)
            setattr(self, name, value)
        return self.ctx.run(self.load, where="roasting.filter")

    # --- the picked batch -------------------------------------------------------------------------

    def selected(self) -> dict | None:
        return next((b for b in self.batches if b["id"] == self.picked), None)

    def may_correct(self, batch: dict | None) -> bool:
        if batch is None:
            return False
        try:
            return users.may_correct(
                self.ctx.conn(),
                username=self.ctx.username,
                role=self.ctx.role,
                entity="roast_batch",
                entity_id=batch["id"],
            )
        except Exception:
            return False

    def pick(self, batch_id: Any) -> Pick:
        """Pick a batch of the table (0: none); any delete asked about before is dropped."""
        self.picked = batch_id or 0
        self.pending_delete = None
        batch = self.selected()
        may_resolve = self.ctx.can("resolve_alert")
        has_open = bool(batch and batch["alert"] and not batch["alert"]["resolved"])
        return Pick(correct=self.may_correct(batch), resolve=has_open and may_resolve, may_resolve=may_resolve)

    def fetch_for_edit(self) -> Result:
        """The picked batch as stored, under the right to correct it (done: its dict in `value`)."""
        batch_id = self.picked
        return self.ctx.run(
            lambda: roasting.get_batch(self.ctx.conn(), batch_id),
            action=self.ctx.correct_action(),
            where="roasting.edit",
        )

    def ask_delete(self) -> Result:
        """Ask before deleting the picked batch (asking; nothing is deleted yet)."""
        batch = self.selected()
        if batch is None:
            return Result("idle")
        if not self.may_correct(batch):
            return Result("failed", said=Said("error", "err.denied"))
        self.pending_delete = batch["id"]
        return Result(
            "asking", said=Said("info", "roast.confirm_delete", {"id": batch["id"], "day": batch["roasted_on"]})
        )

    def cancel_delete(self) -> None:
        self.pending_delete = None

    def delete(self) -> Result:
        """Delete the batch asked about (the store checks the right again: a forged id is refused)."""
        batch_id = self.pending_delete
        if batch_id is None:
            return Result("idle")
        ctx = self.ctx
        result = ctx.run(
            lambda: roasting.delete_batch(ctx.conn(), batch_id, user=ctx.username, role=ctx.role),
            action=ctx.correct_action(),
            where="roasting.delete_batch",
            changes="batches",
            origin=self.origin,
        )
        self.pending_delete = None
        if result.ok:
            result.said = Said("ok", "roast.deleted", {"id": batch_id})
        return result

    def resolve(self, note: Any) -> Result:
        """Resolve the picked batch's alert with a note (the owner)."""
        batch_id, ctx = self.picked, self.ctx
        result = ctx.run(
            lambda: roasting.resolve_alert(ctx.conn(), batch_id, note, user=ctx.username),
            action="resolve_alert",
            where="roasting.resolve_alert",
            changes="batches",
            origin=self.origin,
        )
        if result.ok:
            result.said = Said("ok", "roast.resolved", {"id": batch_id})
        return result
