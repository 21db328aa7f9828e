"""The Reports tab's widgets, bound to its model (model.py): run a report now, export the store,
the open report, and the list of past runs.

Voilà serves no files from the reports directory, so everything the visitor takes away travels
through the widget channel, built only when they click: an `<iframe sandbox="allow-scripts"
srcdoc=…>` for a report's HTML (plotly.js inside, ~5 MB; refused above `MAX_VIEW_BYTES`) and an
`<a download href="data:…;base64,…">` link for a file (refused above `MAX_DOWNLOAD_BYTES`).
A download link expires `LINK_TTL_S` after it was made (its bytes leave the kernel and the
page), and signing out closes it with every other widget (themoon.ui.session).
"""

from __future__ import annotations

import base64
import html
import re
import threading
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ...base import Tab
from ...forms import Field, Form, badge, button, card, classes, esc, hide, is_hidden, note, row, title
from ...results import Result, Said, show_said
from .model import (
    MAX_DOWNLOAD_BYTES,
    TABLES,
    ReportsModel,
    described,
    duration,
    entry_title,
    inside,
    period_example,
    seconds_of,
    size_text,
    started_text,
)

LINK_TTL_S = 10 * 60  # a download link is dropped after this long
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv;charset=utf-8",
    "html": "text/html;charset=utf-8",
}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


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
        root = tab.model.root
        hide(self.open, not (self.ok and inside(root, self.html_rel, ".html")))
        hide(self.xlsx, not (self.ok and inside(root, self.xlsx_rel, ".xlsx")))
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
        took = duration(seconds_of(e.get("duration_seconds")))
        cells = [
            ("report", f"{esc(tab.report_title(e))}"),
            ("period", esc(str(e.get("period") or ""))),
            (
                "started",
                esc(started_text(e.get("started_at")))
                + (f' <span class="themoon-hint">{esc(trigger_text)}</span>' if trigger_text else ""),
            ),
            ("duration", esc(took.text(tab.lang) if took is not None else "—")),
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
        self.model = ReportsModel(ctx)
        self.model.listeners.append(self._on_model)
        self.rows: list[_Row] = []
        self._build()
        self.refresh()

    # --- building ---------------------------------------------------------------------------------------

    def _build(self) -> None:
        self._build_run()
        self._build_export()
        self.readonly_note = note("themoon-reports-readonly")
        hide(self.readonly_note, self.ctx.can("report"))
        shown = [c for c in (self.run_card, self.export_card) if not is_hidden(c)]
        actions = classes(widgets.Box(shown), "themoon-grid-2" if len(shown) == 2 else "themoon-reports-actions-box")
        hide(actions, not shown)
        self._build_viewer()
        self._build_list()
        self.finish([self.readonly_note, actions, self.viewer, self.list_card])

    def _build_run(self) -> None:
        from ....reports.registry import REPORTS

        self.r_title = title()
        self.r_note = note()
        options = [(s.title, s.name) for s in REPORTS.values()]
        self.r_report = Field("report", widgets.Dropdown(options=options), "reports.f_report")
        self.r_period = Field("period", widgets.Text(continuous_update=True), "reports.f_period")
        self.r_period_note = note("themoon-reports-period-note")
        self.run_form = Form([self.r_report, self.r_period])
        self.r_run = button("primary", "themoon-reports-run")
        self.r_progress = classes(widgets.IntProgress(min=0, max=1, value=0), "themoon-reports-progress")
        hide(self.r_progress)
        self.on_click(self.r_run, self.run, "run")
        self.on_change(self.r_report.widget, self._report_changed, "report_changed")
        self.on_change(self.r_period.widget, self._period_changed, "period_note")
        self.quietly(lambda: setattr(self.r_period.widget, "value", self.model.period))
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
        hide(self.run_card, not self.ctx.can("report"))

    def _build_export(self) -> None:
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
        self.on_click(self.e_excel, lambda: self.export("xlsx"), "export_excel")
        self.on_click(self.e_csv, lambda: self.export("csv"), "export_csv")
        csv_button = classes(widgets.Box([self.e_csv]), "themoon-reports-csv-button")
        self.export_card = card(
            [
                self.e_title,
                self.e_note,
                row([self.e_excel], "themoon-actions"),
                row([self.e_table.box, csv_button], "themoon-row-2"),
                self.e_progress,
                self.export_form.status,
                self.e_link,
            ],
            "themoon-reports-export-card",
        )
        hide(self.export_card, not self.ctx.can("export"))

    def _build_viewer(self) -> None:
        self.v_title = title()
        self.v_close = button("secondary", "themoon-reports-close")
        self.v_html = button("secondary", "themoon-reports-save-html")
        self.v_link = classes(widgets.HTML(), "themoon-reports-link")
        hide(self.v_link)
        self.v_frame = classes(widgets.HTML(), "themoon-reports-viewer-frame")
        self.on_click(self.v_close, self.close_viewer, "close")
        self.on_click(self.v_html, self.download_viewed_html, "download_html")
        buttons = classes(widgets.HBox([self.v_html, self.v_close]), "themoon-actions")
        head = classes(widgets.HBox([self.v_title, buttons]), "themoon-card-head")
        self.viewer = card([head, self.v_link, self.v_frame], "themoon-reports-viewer")
        hide(self.viewer)

    def _build_list(self) -> None:
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

    # --- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.model.load()
        self.list_form.set_status("", "")
        if self.model.index_bad:
            self.list_form.set_status("error", self.tr("reports.index_bad"))
        self.rows = [_Row(self, e) for e in self.model.entries]
        self.l_rows.children = [r.box for r in self.rows]

    # --- rendering --------------------------------------------------------------------------------------

    def report_title(self, entry: dict[str, Any]) -> str:
        both = entry_title(entry)
        return both.ko if self.lang == "ko" else both.en

    def render(self) -> None:
        self._render_run()
        self._render_export()
        self.readonly_note.value = esc(self.tr("reports.readonly"))
        self.v_close.description = self.tr("reports.close")
        self.v_html.description = self.tr("reports.html")
        viewing = self.model.viewing
        if viewing is not None:
            self.v_title.value = esc(f"{self.report_title(viewing)} · {viewing.get('period') or ''}")
        self._render_list()

    def _render_run(self) -> None:
        from ....reports.registry import REPORTS

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
        self._render_status(self.run_form, self.model.run_said)

    def _render_export(self) -> None:
        self.e_title.value = esc(self.tr("reports.export_title"))
        self.e_note.value = esc(self.tr("reports.export_note"))
        self.e_excel.description = self.tr("reports.export_excel")
        self.e_csv.description = self.tr("reports.export_csv")
        table = self.e_table.value

        def relabel_tables() -> None:
            self.e_table.widget.options = [(self.tr(f"reports.table_{t}"), t) for t in TABLES]
            self.e_table.widget.value = table

        self.quietly(relabel_tables)
        self.export_form.relabel(self.lang)
        self._render_status(self.export_form, self.model.export_said)

    def _render_list(self) -> None:
        self.l_title.value = esc(self.tr("reports.list_title"))
        self.l_refresh.description = self.tr("refresh")
        heads = ("col_report", "col_period", "col_started", "col_duration", "col_status")
        self.l_head.value = "".join(
            f'<div class="themoon-reports-cell--{h[4:]}">{esc(self.tr("reports." + h))}</div>' for h in heads
        )
        hide(self.l_head_row, not self.rows)
        for r in self.rows:
            r.relabel(self)
        entries, total = self.model.entries, self.model.total
        if not entries:
            self.l_note.value = f'<div class="themoon-empty-note">{esc(self.tr("reports.none"))}</div>'
        elif total > len(entries):
            self.l_note.value = esc(self.tr("reports.more", n=len(entries), total=total))
        else:
            self.l_note.value = ""
        hide(self.l_note, not self.l_note.value)

    def _render_status(self, form: Form, said: Said | None) -> None:
        """A status line that follows the language (the model keeps it by message id)."""
        if said is not None:
            form.set_status(said.kind, said.text(self.lang))

    def _render_progress(self, bar: widgets.IntProgress, step: tuple[int, int], style: str | None) -> None:
        hide(bar, style is None)
        done, total = step
        if bar.max != total:
            bar.max = total
        bar.value = done
        bar.bar_style = style or ""

    def _render_busy(self) -> None:
        for b in (self.r_run, self.e_excel, self.e_csv):
            b.disabled = self.model.busy

    # --- binding ----------------------------------------------------------------------------------------

    def _report_changed(self) -> None:
        self.model.choose_report(self.r_report.value)
        self.quietly(lambda: setattr(self.r_period.widget, "value", self.model.period))
        self.r_period.clear()
        self._period_note()

    def _period_changed(self) -> None:
        self.model.period = self.r_period.value
        self._period_note()

    def _period_note(self) -> None:
        period = self.model.parsed_period()
        if period is None:
            self.r_period_note.value = esc(period_example(self.model.spec().period_kind, self.lang))
        else:
            self.r_period_note.value = esc("= " + described(period, self.lang))

    def _on_model(self, what: str) -> None:
        m = self.model
        if what == "run_progress":  # from the worker thread
            self._render_progress(self.r_progress, m.run_step, m.run_bar)
            self._render_status(self.run_form, m.run_said)
        elif what == "export_progress":
            self._render_progress(self.e_progress, m.export_step, m.export_bar)
        else:
            if what == "ran":
                self.refresh()
            else:
                self.render()
            for bar, step, style in (
                (self.r_progress, m.run_step, m.run_bar),
                (self.e_progress, m.export_step, m.export_bar),
            ):
                if style is not None:
                    self._render_progress(bar, step, style)
            self._render_export_link()
            self._render_busy()

    def _render_export_link(self) -> None:
        made = self.model.export_file
        if made is not None and self.e_link.value == "":
            self.e_link.value = download_link(made.name, made.kind, made.data)
            hide(self.e_link, False)
            expire_link(self.e_link)

    # --- actions (the buttons) ---------------------------------------------------------------------------

    def run(self) -> None:
        """Run the chosen report for the typed period (in a worker thread)."""
        self.model.period = self.r_period.value
        self.model.report = self.r_report.value
        started = self.model.run()
        show_said(self.run_form, self.lang, said=self.model.run_said, error=self.model.run_error)
        if started:
            self._render_progress(self.r_progress, self.model.run_step, self.model.run_bar)
            self._render_busy()

    def export(self, kind: str) -> None:
        """Export the store as a workbook, or the chosen table as CSV (in a worker thread)."""
        started = self.model.export(kind, self.e_table.value)
        show_said(self.export_form, self.lang, said=self.model.export_said, error=self.model.export_error)
        if started:  # its end comes later, on this thread
            self.e_link.value = ""
            hide(self.e_link)
            self._render_progress(self.e_progress, self.model.export_step, self.model.export_bar)
            self._render_busy()

    def open_report(self, r: _Row) -> None:
        """Show a published run's HTML in the tab (a sandboxed frame)."""
        result = self.model.open(r.entry)
        if not self._said_on_list(result):
            return
        label = f"{self.report_title(r.entry)} · {r.entry.get('period') or ''}"
        self.v_title.value = esc(label)
        self.v_link.value = ""
        hide(self.v_link)
        self.v_frame.value = iframe(result.value.decode("utf-8", errors="replace"), label)
        hide(self.viewer, False)

    def close_viewer(self) -> None:
        self.model.close()
        self.v_frame.value = ""
        self.v_link.value = ""
        hide(self.v_link)
        hide(self.viewer)

    def download_viewed_html(self) -> None:
        entry = self.model.viewing
        if entry is None:
            return
        relative = (entry.get("files") or {}).get("html")
        result = self.model.read(relative, ".html", MAX_DOWNLOAD_BYTES, where="reports.download_html")
        if self._said_on_list(result):
            self.v_link.value = download_link(Path(relative).name, "html", result.value)
            hide(self.v_link, False)
            expire_link(self.v_link)

    def download_xlsx(self, r: _Row) -> None:
        """Turn the row's Excel button into a download link of the run's workbook."""
        result = self.model.read(r.xlsx_rel, ".xlsx", MAX_DOWNLOAD_BYTES, where="reports.download")
        if not self._said_on_list(result):
            return
        r.link.value = download_link(Path(r.xlsx_rel).name, "xlsx", result.value)
        hide(r.xlsx)
        hide(r.link, False)
        expire_link(r.link, restore=r.xlsx)

    def _said_on_list(self, result: Result) -> bool:
        """True when the file was read; else why not, on the list's status line."""
        return self.show_result(self.list_form, result)

    @property
    def busy(self) -> bool:
        return self.model.busy

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running job (tests, scripts); True when none is left running."""
        return self.model.wait(timeout)
