"""A process built like a dashboard kernel, driven by a test over stdin/stdout (one JSON line each).

It holds what a Voilà kernel holds: `prepare()`'s analytics engine and the real App built by
`build(prepared=...)`, signed in as the owner (as tests/browser_support.py `signed_in` does), and
it writes only through the tab objects — the methods the buttons call — refreshing the analytics
engine after every save, as the tabs do. It answers each request with
`{"ok": true, "result": ...}` (or `{"ok": false, "error": ...}`); what it reports as saved is what
the page would have told the person. Run: python tests/kernel_worker.py DB_PATH.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import traceback
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from themoon import users
from themoon.ui.app import App, Prepared, build

_ID = re.compile(r"#(\d+)")
_TAGS = re.compile(r"<[^>]+>")
_KPI_VALUE = re.compile(r'class="themoon-kpi-value">([^<]*)<')


def text(widget_or_html: Any) -> str:
    value = getattr(widget_or_html, "value", widget_or_html)
    return html.unescape(_TAGS.sub(" ", str(value))).strip()


def first_id(status: str) -> int | None:
    match = _ID.search(status)
    return int(match.group(1)) if match else None


def upload(path: str) -> tuple[dict, ...]:
    """A FileUpload value as ipywidgets 8 sets it from the browser."""
    data = Path(path).read_bytes()
    return (
        {
            "name": Path(path).name,
            "type": "application/octet-stream",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime(2026, 11, 14, 9, 30, tzinfo=UTC),
        },
    )


class Kernel:
    def __init__(self, db_path: str) -> None:
        self.prepared = Prepared(db_path)
        assert self.prepared.analytics is not None, "the analytics engine did not load"
        self.app: App = build(prepared=self.prepared, autologin=False)
        conn = self.app.ctx.conn()
        owner = next(u for u in users.list_users(conn) if u["username"] == "owner")
        self.app._signed_in({k: owner[k] for k in ("id", "username", "display_name", "role")})
        self.app.render()

    def tab(self, key: str):
        self.app.open_tab(key)  # as a click on the tab's button: it catches up on changes
        return self.app.tabs[key]

    def saved(self, status: Any, **more: Any) -> dict[str, Any]:
        """After a write: the analytics engine brought up to date (as the tabs do), and what the
        page says."""
        self.app.ctx.analytics()
        return {"status": text(status), **more}

    def newest(self, table: str, n: int = 1) -> list[int]:
        """The newest ids of a table as this kernel's own connection sees them."""
        rows = self.app.ctx.conn().execute(f"SELECT id FROM {table} ORDER BY id DESC LIMIT ?", (n,)).fetchall()
        return [r[0] for r in rows]

    # --- roasting ---------------------------------------------------------------------------------

    def op_batch(self, product: str, green: str, roasted: str, day: str) -> dict:
        tab = self.tab("roasting")
        tab.mode.value = "single"
        tab.product.value = product
        tab.roasted_on.value = date.fromisoformat(day)
        tab.green_total.value = green
        tab.roasted_g.value = roasted
        tab.save.click()
        status = text(tab.form.status)
        return self.saved(status, id=first_id(status) if "Saved batch" in status else None)

    def op_session(self, day: str, rows: list[list[str]]) -> dict:
        tab = self.tab("roasting")
        tab.mode.value = "session"
        tab.s_day.value = date.fromisoformat(day)
        while len(tab.session_rows) < len(rows):
            tab.add_row.click()
        for r, (product, green, roasted) in zip(tab.session_rows, rows, strict=False):
            r["product"].value, r["green_g"].value, r["roasted_g"].value = product, green, roasted
        tab.save_session.click()
        status = text(tab.session_form.status)
        tab.mode.value = "single"
        saved = "Saved the session" in status
        return self.saved(status, ids=self.newest("roast_batches", len(rows)) if saved else [])

    def op_edit(self, id: int, roasted: str) -> dict:
        tab = self.tab("roasting")
        tab.f_since.value = date(2000, 1, 1)  # the batch must be listed to be picked
        tab.pick.value = id
        tab.edit_button.click()
        if tab.model.batch.editing != id:
            return {"status": text(tab.actions_form.status), "editing": False}
        tab.roasted_g.value = roasted
        return self.op_save_edit()

    def op_start_edit(self, id: int, roasted: str) -> dict:
        """Open a batch in the editor and type a new roasted weight, without saving yet."""
        tab = self.tab("roasting")
        tab.f_since.value = date(2000, 1, 1)
        tab.pick.value = id
        tab.edit_button.click()
        tab.roasted_g.value = roasted
        return {"status": text(tab.form.status), "editing": tab.model.batch.editing}

    def op_save_edit(self) -> dict:
        tab = self.tab("roasting")
        tab.save.click()
        errors = {name: text(tab.form[name].error) for name in tab.form.errors}
        return self.saved(tab.form.status, errors=errors, editing=tab.model.batch.editing)

    def op_delete(self, id: int) -> dict:
        tab = self.tab("roasting")
        tab.f_since.value = date(2000, 1, 1)
        tab.pick.value = id
        tab.delete_button.click()
        tab.confirm_yes.click()
        return self.saved(tab.actions_form.status)

    # --- inventory --------------------------------------------------------------------------------

    def op_purchase(self, bean: str, grams: str, total: str, day: str) -> dict:
        tab = self.tab("inventory")
        tab.p_bean.value, tab.p_day.value = bean, date.fromisoformat(day)
        tab.p_grams.value, tab.p_total.value = grams, total
        tab._save_purchase()
        status = text(tab.purchase_form.status)
        return self.saved(status, id=first_id(status) if "Purchase #" in status else None)

    def op_stocktake(self, bean: str, counted: str, day: str) -> dict:
        tab = self.tab("inventory")
        tab.s_bean.value, tab.s_day.value = bean, date.fromisoformat(day)
        tab.s_counted.value = counted
        tab._save_stocktake()
        status = text(tab.stocktake_form.status)
        booked = "difference was booked" in status
        return self.saved(status, id=self.newest("stock_adjustments")[0] if booked else None)

    # --- catalogue --------------------------------------------------------------------------------

    def op_bean(self, code: str, name_en: str, name_ko: str = "") -> dict:
        tab = self.tab("catalog")
        tab._new_bean()
        tab.b_fields["code"].value, tab.b_fields["name_en"].value = code, name_en
        tab.b_fields["name_ko"].value = name_ko
        tab._save_bean()
        return self.saved(tab.bean_tools_form.status)

    def op_blend(self, code: str, name_en: str, components: list[list[str]]) -> dict:
        tab = self.tab("catalog")
        tab._new_blend()
        tab.k_fields["code"].value, tab.k_fields["name_en"].value = code, name_en
        while len(tab.recipe_rows) < len(components):
            tab._add_recipe_row()
        for r, (bean, parts) in zip(tab.recipe_rows, components, strict=False):
            r["bean"].value, r["parts"].value = bean, parts
        tab._save_blend()
        return self.saved(tab.blend_tools_form.status)

    # --- settings ---------------------------------------------------------------------------------

    def op_settings(self, effective_from: str, labour_won_per_hour: str) -> dict:
        tab = self.tab("settings")
        tab.cs_from.value = date.fromisoformat(effective_from)
        tab.cs_fields["labour_won_per_hour"].value = labour_won_per_hour
        tab._save_settings()
        return self.saved(tab.cs_form.status)

    def op_menu(self, code: str, name_en: str, product: str, price: str) -> dict:
        tab = self.tab("settings")
        tab._new_item()
        m = tab.m_fields
        m["code"].value, m["name_en"].value, m["channel"].value, m["product"].value = code, name_en, "cup", product
        m["dose_g"].value, m["price_won"].value, m["extra_cost_won"].value = "18", price, "150"
        tab._save_item()
        return self.saved(tab.m_tools_form.status)

    def op_user(self, username: str, password: str, role: str) -> dict:
        tab = self.tab("settings")
        u = tab.u_fields
        u["username"].value, u["display_name"].value, u["role"].value = username, username.title(), role
        u["password"].value = u["password_repeat"].value = password
        tab._add_user()
        return self.saved(tab.u_form.status)

    # --- import and reports -----------------------------------------------------------------------

    def op_import(self, kind: str, path: str) -> dict:
        """Upload, preview, confirm: the Import tab's whole path."""
        tab = self.tab("imports")
        tab.kind.value = kind
        tab.upload.value = upload(path)
        tab.preview()
        tab.wait()
        previewed = text(tab.form.status)
        tab.confirm()
        tab.wait()
        return self.saved(tab.form.status, previewed=previewed)

    def op_report(self, report: str, period: str) -> dict:
        tab = self.tab("reports")
        tab.r_report.value = report
        tab.r_period.value = period
        tab.r_run.click()
        assert tab.wait(600), "the report is still running"
        return {"status": text(tab.run_form.status), "listed": [e.get("period") for e in tab.model.entries]}

    # --- what the page shows ----------------------------------------------------------------------

    def op_overview(self) -> dict:
        """The Overview's KPI values after a refresh (its Refresh button), and its period."""
        tab = self.tab("overview")
        tab.refresh()
        since, until = tab.bounds()
        values = {key: _KPI_VALUE.search(card).group(1) for key, card in tab.cards.items()}
        return {"kpis": values, "since": since.isoformat(), "until": until.isoformat()}

    def op_analytics_has_batch(self, id: int) -> dict:
        """Does the analytics engine, brought up to date as a tab would, know this batch?"""
        analytics = self.app.ctx.analytics()
        return {"found": len(analytics.batch_costs(ids=[id])) == 1, "generation": analytics.generation}

    def op_roasting_lists(self, id: int) -> dict:
        tab = self.tab("roasting")
        tab.f_since.value = date(2000, 1, 1)
        tab.refresh()
        return {"listed": id in [b["id"] for b in tab.model.history.batches]}

    def op_deleted_files(self) -> list[str]:
        return deleted_store_files(self.app.ctx.db_path)


def deleted_store_files(db_path: str | Path) -> list[str]:
    """Files of the store this process holds open that were deleted under it (the lost-save bug's mark)."""
    deleted = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(db_path)) and target.endswith("(deleted)"):
            deleted.append(target)
    return deleted


def main() -> int:
    answers = sys.stdout
    sys.stdout = sys.stderr  # anything the app prints must not mix with the answers

    def say(**answer: Any) -> None:
        answers.write(json.dumps(answer, default=str) + "\n")
        answers.flush()

    try:
        kernel = Kernel(sys.argv[1])
    except Exception:
        say(ok=False, error=traceback.format_exc())
        return 1
    say(ok=True, result={"pid": os.getpid()})
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "exit":
            break
        try:
            result = getattr(kernel, f"op_{request['op']}")(**request["args"])
        except Exception:
            say(ok=False, error=traceback.format_exc())
        else:
            say(ok=True, result=result)
    kernel.app.ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
