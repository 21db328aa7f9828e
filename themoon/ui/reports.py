"""Reports tab: the past report runs (open the HTML here, download the workbook), run a report now
with a progress bar, and download the whole store as an Excel workbook or one table as CSV.

The list is `reports/index.json` (`themoon.reports.index.read_index`), newest first. Its file
paths are untrusted: a path is used only when it resolves to a file inside the reports root.
Voilà serves no files from the reports directory, so everything the visitor takes away travels
through the widget channel, built only when they click: an `<iframe sandbox="allow-scripts"
srcdoc=…>` for a report's HTML (plotly.js inside, ~5 MB; refused above `MAX_VIEW_BYTES`) and an
`<a download href="data:…;base64,…">` link for a file (refused above `MAX_DOWNLOAD_BYTES`).

A download link expires `LINK_TTL_S` after it was made (its bytes leave the kernel and the
page), and signing out closes it with every other widget (themoon.ui.session).

Running a report (`runner.run_report`, ~10–30 s) and exporting (`io.excel.export_workbook` /
`export_csv` into a temp file, removed as soon as it is read) happen in a daemon thread, so the kernel stays
responsive; one job at a time per tab, its buttons disabled meanwhile. Running needs the "report"
permission (owner, staff), exports "export" (owner), reading past reports "read".
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .. import config, db
from ..models import ValidationError
from .base import Tab
from .forms import (
    Field,
    Form,
    badge,
    button,
    card,
    classes,
    esc,
    hide,
    is_hidden,
    note,
    report_unexpected,
    row,
    title,
)

LIST_LIMIT = 30  # runs shown (the newest)
MAX_VIEW_BYTES = 20 * 1024 * 1024  # a report's HTML shown in the tab
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024  # a file sent as a download link
LINK_TTL_S = 10 * 60  # a download link is dropped after this long
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv;charset=utf-8",
    "html": "text/html;charset=utf-8",
}
TABLES = ("beans", "blends", "cost_settings", "purchases", "stock_adjustments", "roast_batches", "menu_items")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# --- helpers (pure) ------------------------------------------------------------------------------------


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def download_link(name: str, kind: str, data: bytes) -> str:
    """An `<a download>` link carrying `data` (the browser saves it as `name`)."""
    safe = _UNSAFE_NAME.sub("_", name).strip("._") or f"download.{kind}"
    href = f"data:{MIME[kind]};base64,{base64.b64encode(data).decode('ascii')}"
    return (
        f'<a class="themoon-reports-download" download="{esc(safe)}" href="{href}">'
        f"⬇ {esc(safe)} · {esc(size_text(len(data)))}</a>"
    )


def expire_link(link: widgets.HTML, restore: widgets.Widget | None = None) -> threading.Timer:
    """Empty and hide `link` LINK_TTL_S from now (showing `restore` again, the button that made
    it), unless it holds another link by then."""
    made = link.value

    def drop() -> None:
        if link.comm is not None and link.value == made:
            link.value = ""
            hide(link)
            if restore is not None:
                hide(restore, False)

    timer = threading.Timer(LINK_TTL_S, drop)
    timer.daemon = True
    timer.start()
    return timer


def iframe(text: str, label: str) -> str:
    """A report page shown in a sandboxed frame (scripts run, but in an opaque origin)."""
    return (
        f'<iframe class="themoon-reports-frame" sandbox="allow-scripts" referrerpolicy="no-referrer" '
        f'title="{esc(label)}" srcdoc="{html.escape(text, quote=True)}"></iframe>'
    )


def locate(root: Path, relative: Any, suffix: str) -> tuple[Path | None, str]:
    """The file an index entry names: (path, "") when it is a `suffix` file inside `root`
    (resolved: no `..`, no absolute path, no symlink out); else (None, "refused") for a path that
    points elsewhere or at another kind of file, (None, "missing") for one that is not there."""
    if not isinstance(relative, str) or not relative or "\x00" in relative:
        return None, "refused"
    candidate = Path(relative)
    if candidate.is_absolute() or candidate.suffix.lower() != suffix:
        return None, "refused"
    try:
        path = (root / candidate).resolve()
    except (OSError, RuntimeError):
        return None, "refused"
    if not path.is_relative_to(root):
        return None, "refused"
    if not path.is_file():
        return None, "missing"
    return path, ""


def inside(root: Path, relative: Any, suffix: str) -> Path | None:
    return locate(root, relative, suffix)[0]


def _started(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(value or "")[:25]


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds == seconds and 0 <= seconds < 10**7 else None


class _Row:
    """One run of the list: its text, and for a published run Open / Excel buttons and a link slot."""

    def __init__(self, tab: ReportsTab, entry: dict[str, Any]) -> None:
        self.entry = entry
        files = entry.get("files") if isinstance(entry.get("files"), dict) else {}
        self.ok = entry.get("status") == "ok"
        self.html_rel = files.get("html")
        self.xlsx_rel = files.get("xlsx")
        self.info = classes(widgets.HTML(), "themoon-reports-info")
        self.open = button("secondary", "themoon-reports-open")
        self.xlsx = button("secondary", "themoon-reports-xlsx")
        self.link = classes(widgets.HTML(), "themoon-reports-link")
        hide(self.link)
        tab.on_click(self.open, lambda: tab.open_report(self), "open")
        tab.on_click(self.xlsx, lambda: tab.download_xlsx(self), "download")
        hide(self.open, not (self.ok and inside(tab.root, self.html_rel, ".html")))
        hide(self.xlsx, not (self.ok and inside(tab.root, self.xlsx_rel, ".xlsx")))
        actions = classes(widgets.HBox([self.open, self.xlsx, self.link]), "themoon-reports-actions")
        self.box = classes(widgets.HBox([self.info, actions]), "themoon-reports-row")
        if not self.ok:
            self.box.add_class("themoon-reports-row--failed")

    def relabel(self, tab: ReportsTab) -> None:
        e = self.entry
        if self.ok:
            status = badge(tab.tr("reports.status_ok"), "ok")
        else:
            status = badge(tab.tr("reports.status_failed"), "bad")
            error = " ".join(str(e.get("error") or "").split())[:300]
            if error:
                status += f'<div class="themoon-reports-error">{esc(error)}</div>'
        trigger = str(e.get("trigger") or "")
        trigger_text = tab.tr(f"reports.trigger_{trigger}") if trigger in ("manual", "schedule", "dashboard") else ""
        cells = [
            ("report", f"{esc(tab.report_title(e))}"),
            ("period", esc(str(e.get("period") or ""))),
            (
                "started",
                esc(_started(e.get("started_at")))
                + (f' <span class="themoon-hint">{esc(trigger_text)}</span>' if trigger_text else ""),
            ),
            ("duration", esc(tab.duration_text(_seconds(e.get("duration_seconds"))))),
            ("status", status),
        ]
        self.info.value = "".join(f'<div class="themoon-reports-cell--{k}">{v}</div>' for k, v in cells)
        self.open.description = tab.tr("reports.open")
        self.xlsx.description = tab.tr("reports.xlsx")


class ReportsTab(Tab):
    key = "reports"
    watches: frozenset[str] = frozenset()

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.root = Path(config.reports_dir()).resolve()
        self.entries: list[dict[str, Any]] = []
        self.total = 0
        self.rows: list[_Row] = []
        self.worker: threading.Thread | None = None
        self._job_lock = threading.Lock()
        self._said: dict[int, tuple[Form, str, Callable[[], str]]] = {}
        self._viewing: dict[str, Any] | None = None
        self._build()
        self.refresh()

    # --- building ---------------------------------------------------------------------------------------

    def _build(self) -> None:
        from ..reports.registry import REPORTS

        # run now
        self.r_title = title()
        self.r_note = note()
        self.r_report = Field(
            "report", widgets.Dropdown(options=[(s.title, s.name) for s in REPORTS.values()]), "reports.f_report"
        )
        self.r_period = Field("period", widgets.Text(continuous_update=True), "reports.f_period")
        self.r_period_note = note("themoon-reports-period-note")
        self.run_form = Form([self.r_report, self.r_period])
        self.r_run = button("primary", "themoon-reports-run")
        self.r_progress = classes(widgets.IntProgress(min=0, max=1, value=0), "themoon-reports-progress")
        hide(self.r_progress)
        self.on_click(self.r_run, self._run, "run")
        self.on_change(self.r_report.widget, self._report_changed, "report_changed")
        self.on_change(self.r_period.widget, self._period_note, "period_note")
        self.quietly(lambda: setattr(self.r_period.widget, "value", self._default_period()))
        self.run_card = card(
            [
                self.r_title,
                self.r_note,
                row([self.r_report.box, self.r_period.box], "themoon-row-2"),
                self.r_period_note,
                row([self.r_run], "themoon-actions"),
                self.r_progress,
                self.run_form.status,
            ],
            "themoon-reports-run-card",
        )

        # exports
        self.e_title = title()
        self.e_note = note()
        self.e_excel = button("primary", "themoon-reports-export-excel")
        self.e_table = Field("table", widgets.Dropdown(options=[(t, t) for t in TABLES]), "reports.f_table")
        self.e_csv = button("secondary", "themoon-reports-export-csv")
        self.export_form = Form([self.e_table])
        self.e_progress = classes(widgets.IntProgress(min=0, max=1, value=0), "themoon-reports-progress")
        hide(self.e_progress)
        self.e_link = classes(widgets.HTML(), "themoon-reports-link")
        hide(self.e_link)
        self.on_click(self.e_excel, lambda: self._export("xlsx"), "export_excel")
        self.on_click(self.e_csv, lambda: self._export("csv"), "export_csv")
        self.export_card = card(
            [
                self.e_title,
                self.e_note,
                row([self.e_excel], "themoon-actions"),
                row(
                    [self.e_table.box, classes(widgets.Box([self.e_csv]), "themoon-reports-csv-button")],
                    "themoon-row-2",
                ),
                self.e_progress,
                self.export_form.status,
                self.e_link,
            ],
            "themoon-reports-export-card",
        )
        hide(self.run_card, not self.ctx.can("report"))
        hide(self.export_card, not self.ctx.can("export"))
        self.readonly_note = note("themoon-reports-readonly")
        hide(self.readonly_note, self.ctx.can("report"))
        shown = [c for c in (self.run_card, self.export_card) if not is_hidden(c)]
        actions = classes(widgets.Box(shown), "themoon-grid-2" if len(shown) == 2 else "themoon-reports-actions-box")
        hide(actions, not shown)

        # the open report
        self.v_title = title()
        self.v_close = button("secondary", "themoon-reports-close")
        self.v_html = button("secondary", "themoon-reports-save-html")
        self.v_link = classes(widgets.HTML(), "themoon-reports-link")
        hide(self.v_link)
        self.v_frame = classes(widgets.HTML(), "themoon-reports-viewer-frame")
        self.on_click(self.v_close, self.close_viewer, "close")
        self.on_click(self.v_html, self._download_viewed_html, "download_html")
        self.viewer = card(
            [
                classes(
                    widgets.HBox([self.v_title, classes(widgets.HBox([self.v_html, self.v_close]), "themoon-actions")]),
                    "themoon-card-head",
                ),
                self.v_link,
                self.v_frame,
            ],
            "themoon-reports-viewer",
        )
        hide(self.viewer)

        # past runs
        self.l_title = title()
        self.l_refresh = button("secondary", "themoon-reports-refresh")
        self.on_click(self.l_refresh, self.refresh, "refresh")
        self.l_head = classes(widgets.HTML(), "themoon-reports-info")
        self.l_head_row = classes(
            widgets.HBox([self.l_head, classes(widgets.Box(), "themoon-reports-actions")]),
            "themoon-reports-row",
            "themoon-reports-head",
        )
        self.l_rows = classes(widgets.VBox([]), "themoon-reports-rows")
        self.l_note = note()
        self.list_form = Form()
        self.list_card = card(
            [
                classes(widgets.HBox([self.l_title, self.l_refresh]), "themoon-card-head"),
                self.list_form.status,
                self.l_head_row,
                self.l_rows,
                self.l_note,
            ],
            "themoon-reports-list",
        )
        self.finish([self.readonly_note, actions, self.viewer, self.list_card])

    # --- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        from ..reports import index

        self.root = Path(config.reports_dir()).resolve()
        self.list_form.set_status("", "")
        try:
            entries = list(reversed(index.read_index(self.root)))
        except ValueError:  # not JSON: say so, show nothing
            entries = []
            self.list_form.set_status("error", self.tr("reports.index_bad"))
        self.total = len(entries)
        self.entries = entries[:LIST_LIMIT]
        self.rows = [_Row(self, e) for e in self.entries]
        self.l_rows.children = [r.box for r in self.rows]

    # --- rendering --------------------------------------------------------------------------------------

    def report_title(self, entry: dict[str, Any]) -> str:
        from ..reports.registry import REPORTS

        spec = REPORTS.get(str(entry.get("name")))
        if spec is not None:
            return spec.title_ko if self.lang == "ko" else spec.title
        return str(entry.get("title") or entry.get("name") or "?")[:80]

    def duration_text(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        if seconds < 60:
            return self.tr("reports.seconds", n=f"{seconds:.1f}")
        return self.tr("reports.minutes", m=int(seconds // 60), s=int(seconds % 60))

    def render(self) -> None:
        from ..reports.registry import REPORTS

        lang = self.lang
        self.r_title.value = esc(self.tr("reports.run_title"))
        self.r_note.value = esc(self.tr("reports.run_note"))
        self.r_run.description = self.tr("reports.run")
        options = [(s.title_ko if lang == "ko" else s.title, s.name) for s in REPORTS.values()]
        value = self.r_report.value

        def relabel_reports() -> None:
            self.r_report.widget.options = options
            self.r_report.widget.value = value

        self.quietly(relabel_reports)
        self.run_form.relabel(lang)
        self._period_note()
        self.e_title.value = esc(self.tr("reports.export_title"))
        self.e_note.value = esc(self.tr("reports.export_note"))
        self.e_excel.description = self.tr("reports.export_excel")
        self.e_csv.description = self.tr("reports.export_csv")
        table = self.e_table.value

        def relabel_tables() -> None:
            self.e_table.widget.options = [(self.tr(f"reports.table_{t}"), t) for t in TABLES]
            self.e_table.widget.value = table

        self.quietly(relabel_tables)
        self.export_form.relabel(lang)
        self.readonly_note.value = esc(self.tr("reports.readonly"))
        self.v_close.description = self.tr("reports.close")
        self.v_html.description = self.tr("reports.html")
        if self._viewing is not None:
            self.v_title.value = esc(f"{self.report_title(self._viewing)} · {self._viewing.get('period') or ''}")
        self.l_title.value = esc(self.tr("reports.list_title"))
        self.l_refresh.description = self.tr("refresh")
        heads = ("col_report", "col_period", "col_started", "col_duration", "col_status")
        self.l_head.value = "".join(
            f'<div class="themoon-reports-cell--{h[4:]}">{esc(self.tr("reports." + h))}</div>' for h in heads
        )
        hide(self.l_head_row, not self.rows)
        for r in self.rows:
            r.relabel(self)
        if not self.entries:
            self.l_note.value = f'<div class="themoon-empty-note">{esc(self.tr("reports.none"))}</div>'
        elif self.total > len(self.entries):
            self.l_note.value = esc(self.tr("reports.more", n=len(self.entries), total=self.total))
        else:
            self.l_note.value = ""
        hide(self.l_note, not self.l_note.value)
        for form, kind, text in list(self._said.values()):
            form.set_status(kind, text())

    def _say(self, form: Form, kind: str, text: Callable[[], str]) -> None:
        """A status line that follows the language (redrawn by render)."""
        self._said[id(form)] = (form, kind, text)
        form.set_status(kind, text())

    def _forget(self, form: Form) -> None:
        self._said.pop(id(form), None)

    # --- run now ------------------------------------------------------------------------------------------

    def _spec(self):
        from ..reports import registry

        return registry.resolve(self.r_report.value)

    def _default_period(self) -> str:
        from ..reports.periods import parse_period

        return parse_period("previous", self._spec().period_kind, today=self.ctx.today()).label

    def _report_changed(self) -> None:
        self.quietly(lambda: setattr(self.r_period.widget, "value", self._default_period()))
        self.r_period.clear()
        self._period_note()

    def _period_note(self) -> None:
        from ..reports.periods import parse_period

        spec = self._spec()
        try:
            period = parse_period(self.r_period.value, spec.period_kind, today=self.ctx.today())
        except ValidationError:
            example = {"month": "2026-10", "week": "2026-W43", "day": "2026-10-31"}[spec.period_kind]
            self.r_period_note.value = esc(self.tr(f"reports.period_{spec.period_kind}", example=example))
            return
        self.r_period_note.value = esc("= " + (period.describe_ko() if self.lang == "ko" else period.describe()))

    @staticmethod
    def _both(key: str, **values: Any) -> tuple[str, str]:
        """English and Korean of a message (for a ValidationError)."""
        from .i18n import t

        return t(key, "en", **values), t(key, "ko", **values)

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running job (tests, scripts); True when none is left running."""
        worker = self.worker
        if worker is not None:
            worker.join(timeout)
        return not self.busy

    def _start(self, target: Callable[..., None], *args: Any) -> None:
        with self._job_lock:
            if self.busy:
                raise ValidationError("report", *self._both("reports.busy"))
            self._buttons(False)
            self.worker = threading.Thread(target=target, args=args, name=f"themoon-{self.key}", daemon=True)
            self.worker.start()

    def _buttons(self, enabled: bool) -> None:
        for b in (self.r_run, self.e_excel, self.e_csv):
            b.disabled = not enabled

    def _run(self) -> None:
        from ..reports.periods import parse_period

        self._forget(self.run_form)
        if self.busy:
            self._say(self.run_form, "error", lambda: self.tr("reports.busy"))
            return
        text = self.r_period.value
        today = self.ctx.today()

        def start() -> None:
            spec = self._spec()
            period = parse_period(text, spec.period_kind, today=today)
            if self.busy:
                raise ValidationError("report", *self._both("reports.busy"))
            self._running = (spec, period.label, 0, 0)
            self.r_progress.max, self.r_progress.value = 1, 0
            self.r_progress.bar_style = ""
            hide(self.r_progress, False)
            self._say(self.run_form, "info", self._running_text)
            self._start(self._run_worker, spec, period.label, self.root)

        self.ctx.run(self.run_form, start, action="report", where="reports.run")

    def _running_text(self) -> str:
        spec, label, done, total = self._running
        name = spec.title_ko if self.lang == "ko" else spec.title
        text = self.tr("reports.running", title=name, period=label)
        if total:
            text += " " + self.tr("reports.step", done=done, total=total)
        return text

    def _on_progress(self, done: int, total: int) -> None:
        spec, label, _, _ = self._running
        self._running = (spec, label, done, total)
        total = max(int(total), 1)
        if self.r_progress.max != total:
            self.r_progress.max = total
        self.r_progress.value = min(int(done), total)
        self._say(self.run_form, "info", self._running_text)

    def _run_worker(self, spec, label: str, root: Path) -> None:
        from ..reports import runner

        entry = None
        try:
            entry = runner.run_report(
                spec.name,
                label,
                None,
                self._on_progress,
                db=self.ctx.db_path,
                reports_root=root,
                trigger="dashboard",
                today=self.ctx.today(),
            )
        except Exception:
            report_unexpected("reports.run_worker", self.ctx.username)
        finally:
            self._buttons(True)
        try:
            self.refresh()
            self._finished(spec, label, entry)
        except Exception:
            report_unexpected("reports.run_finished", self.ctx.username)

    def _finished(self, spec, label: str, entry: dict[str, Any] | None) -> None:
        def name() -> str:
            return spec.title_ko if self.lang == "ko" else spec.title

        if entry is not None and entry.get("status") == "ok":
            self.r_progress.value = self.r_progress.max
            self.r_progress.bar_style = "success"
            seconds = self.duration_text(_seconds(entry.get("duration_seconds")))
            self._say(
                self.run_form, "ok", lambda: self.tr("reports.run_ok", title=name(), period=label, seconds=seconds)
            )
            return
        self.r_progress.bar_style = "danger"
        if entry is None:
            self._say(self.run_form, "error", lambda: self.tr("err.unexpected"))
            return
        error = " ".join(str(entry.get("error") or "").split())[:300]
        self._say(
            self.run_form, "error", lambda: self.tr("reports.run_failed", title=name(), period=label, error=error)
        )

    # --- past reports ------------------------------------------------------------------------------------

    def _read(self, relative: Any, suffix: str, limit: int, where: str) -> bytes | None:
        """The bytes of an index entry's file, or None with the reason on the list's status line."""
        ok, _ = self.ctx.run(self.list_form, lambda: None, action="read", where=where)
        if not ok:
            return None
        path, reason = locate(self.root, relative, suffix)
        if path is None:
            self.list_form.set_status("error", self.tr(f"reports.{reason}"))
            return None
        size = path.stat().st_size
        if size > limit:
            self.list_form.set_status("error", self.tr("reports.too_big", size=size_text(size), limit=size_text(limit)))
            return None
        ok, data = self.ctx.run(self.list_form, path.read_bytes, where=where)
        return data if ok else None

    def open_report(self, r: _Row) -> None:
        """Show a published run's HTML in the tab (a sandboxed frame)."""
        data = self._read(r.html_rel, ".html", MAX_VIEW_BYTES, "reports.open")
        if data is None:
            return
        self._viewing = r.entry
        label = f"{self.report_title(r.entry)} · {r.entry.get('period') or ''}"
        self.v_title.value = esc(label)
        self.v_link.value = ""
        hide(self.v_link)
        self.v_frame.value = iframe(data.decode("utf-8", errors="replace"), label)
        hide(self.viewer, False)

    def close_viewer(self) -> None:
        self._viewing = None
        self.v_frame.value = ""
        self.v_link.value = ""
        hide(self.v_link)
        hide(self.viewer)

    def _download_viewed_html(self) -> None:
        entry = self._viewing
        if entry is None:
            return
        relative = (entry.get("files") or {}).get("html")
        data = self._read(relative, ".html", MAX_DOWNLOAD_BYTES, "reports.download_html")
        if data is not None:
            self.v_link.value = download_link(Path(relative).name, "html", data)
            hide(self.v_link, False)
            expire_link(self.v_link)

    def download_xlsx(self, r: _Row) -> None:
        """Turn the row's Excel button into a download link of the run's workbook."""
        data = self._read(r.xlsx_rel, ".xlsx", MAX_DOWNLOAD_BYTES, "reports.download")
        if data is None:
            return
        r.link.value = download_link(Path(r.xlsx_rel).name, "xlsx", data)
        hide(r.xlsx)
        hide(r.link, False)
        expire_link(r.link, restore=r.xlsx)

    # --- exports -------------------------------------------------------------------------------------------

    def _export(self, kind: str) -> None:
        self._forget(self.export_form)
        if self.busy:
            self._say(self.export_form, "error", lambda: self.tr("reports.busy"))
            return
        table = self.e_table.value

        def start() -> None:
            if kind == "csv" and table not in TABLES:
                raise ValidationError("table", f"must be one of {', '.join(TABLES)}", f"{', '.join(TABLES)} 중 하나")
            if not self.ctx.db_path.is_file():
                raise FileNotFoundError(self.ctx.db_path)
            # before the worker starts: a fast one's last word must not be overwritten by these
            self.e_link.value = ""
            hide(self.e_link)
            self.e_progress.max, self.e_progress.value = 1, 0
            self.e_progress.bar_style = ""
            hide(self.e_progress, False)
            self._say(self.export_form, "info", lambda: self.tr("reports.exporting"))
            self._start(self._export_worker, kind, table, self.ctx.today().isoformat())

        self.ctx.run(self.export_form, start, action="export", where="reports.export")

    def _export_progress(self, done: int, total: int) -> None:
        total = max(int(total), 1)
        if self.e_progress.max != total:
            self.e_progress.max = total
        self.e_progress.value = min(int(done), total)

    def _export_worker(self, kind: str, table: str, day: str) -> None:
        from ..io import excel

        folder = Path(tempfile.mkdtemp(prefix="themoon-export-"))
        try:
            name = f"themoon-{day}.xlsx" if kind == "xlsx" else f"themoon-{table}-{day}.csv"
            path = folder / name
            conn = db.connect(self.ctx.db_path, migrate=False)
            try:
                if kind == "xlsx":
                    rows = sum(excel.export_workbook(conn, path, progress=self._export_progress).values())
                else:
                    rows = excel.export_csv(conn, table, path)
            finally:
                conn.close()
            size = path.stat().st_size
            if size > MAX_DOWNLOAD_BYTES:
                big, limit = size_text(size), size_text(MAX_DOWNLOAD_BYTES)
                self.e_progress.bar_style = "danger"
                self._say(self.export_form, "error", lambda: self.tr("reports.export_too_big", size=big, limit=limit))
                return
            data = path.read_bytes()
        except Exception:
            report_unexpected("reports.export_worker", self.ctx.username)
            self.e_progress.bar_style = "danger"
            self._say(self.export_form, "error", lambda: self.tr("err.unexpected"))
            return
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self._buttons(True)
        self.e_progress.value = self.e_progress.max
        self.e_progress.bar_style = "success"
        self.e_link.value = download_link(name, kind, data)
        hide(self.e_link, False)
        expire_link(self.e_link)
        self._say(self.export_form, "ok", lambda: self.tr("reports.export_ready", name=name, rows=f"{rows:,}"))
