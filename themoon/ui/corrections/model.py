"""Today's purchases and stocktakes that the signed-in user may take back (issue #15, 4b): staff
see the entries they made themselves today, the owner every entry made today; each can be deleted
(a wrong count or a typo: delete it, enter it again). The store decides —
`inventory.delete_purchase` / `delete_adjustment` with the signed-in role call
`users.require_correction` inside their transaction and audit the old values — so a forged choice
changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from ... import inventory, users
from ..results import Result, Said

ENTITIES = ("purchase", "stock_adjustment")


def todays_entries(conn, *, username: str, role: str | None, today) -> list[dict[str, Any]]:
    """Purchases and stock adjustments created today that this user may correct, newest first."""
    start = datetime.combine(today, time.min).astimezone().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    rows = conn.execute(
        "SELECT DISTINCT a.entity, a.entity_id FROM audit_log a WHERE a.action = 'create'"
        " AND a.entity IN ('purchase', 'stock_adjustment') AND a.at >= ? ORDER BY a.id DESC LIMIT 200",
        (start,),
    ).fetchall()
    found = []
    for entity, entity_id in rows:
        if not users.may_correct(conn, username=username, role=role, entity=entity, entity_id=entity_id, today=today):
            continue
        if entity == "purchase":
            record = conn.execute(
                "SELECT p.id, p.purchased_on AS day, b.code AS bean, p.grams AS grams, p.total_won"
                " FROM purchases p JOIN beans b ON b.id = p.bean_id WHERE p.id = ?",
                (entity_id,),
            ).fetchone()
        else:
            record = conn.execute(
                "SELECT s.id, s.adjusted_on AS day, b.code AS bean, s.delta_g AS grams, NULL AS total_won"
                " FROM stock_adjustments s JOIN beans b ON b.id = s.bean_id WHERE s.id = ?",
                (entity_id,),
            ).fetchone()
        if record is not None:
            found.append({"entity": entity, **dict(record)})
    return found


def entry_key(entry: dict[str, Any]) -> str:
    """How an entry is chosen: 'purchase:12', 'stock_adjustment:3'."""
    return f"{entry['entity']}:{entry['id']}"


class TodaysEntriesModel:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.entries: list[dict[str, Any]] = []
        self.visible = ctx.can("correct_own") or ctx.can("edit_batch")
        self.origin: object = self  # who announces the deletes (the tab, which redraws itself)

    def load(self) -> None:
        if self.visible:
            # the wall-clock day, like the store's check: "today" is when the entry was made
            self.entries = todays_entries(
                self.ctx.conn(), username=self.ctx.username, role=self.ctx.role, today=date.today()
            )

    def delete(self, key: Any) -> Result:
        """Delete the entry chosen as 'entity:id' (the store checks it is the person's, of today)."""
        entity, _, entry_id = str(key or "").partition(":")
        if entity not in ENTITIES:
            return Result("idle")
        delete = inventory.delete_purchase if entity == "purchase" else inventory.delete_adjustment
        ctx = self.ctx
        result = ctx.run(
            lambda: delete(ctx.conn(), entry_id, user=ctx.username, role=ctx.role),
            action=ctx.correct_action(),
            where=f"inventory.delete_{entity}",
            changes="stock",
            origin=self.origin,
        )
        if result.ok:
            result.said = Said("ok", "fix.deleted", {"id": entry_id})
        return result
