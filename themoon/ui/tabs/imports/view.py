"""The Import tab's widgets, bound to its model (model.py): the kind and the upload, the names to
map, Preview and Confirm, the progress bar, and the report of the last run."""

from __future__ import annotations

import ipywidgets as widgets

from ....io.outcome import OUTCOMES, ImportReport
from ... import format as fmt
from ...base import Tab, local_name, product_label, set_options
from ...forms import (
    Field,
    Form,
    badge,
    button,
    card,
    classes,
    columns,
    error_message,
    esc,
    hide,
    note,
    num,
    row,
    table_html,
    title,
)
from .model import ImportModel, summary
from .runs import EXTENSION, FILE_LIMIT, KINDS, MULTIPLE, SHOWN_LIMIT, size_text, upload_limit

KIND_LABEL = {
    "bean": "imp.kind_bean",
    "blend": "imp.kind_blend",
    "item": "imp.kind_item",
}  # what a name in a file must map to
COUNT_COLUMNS = columns(
    "imp.col.entity", num("imp.col.created"), num("imp.col.updated"), num("imp.col.unchanged"), num("imp.col.rejected")
)
REJECTED_COLUMNS = columns("imp.col.where", "imp.col.field", "imp.col.reason")


class ImportsTab(Tab):
    key = "imports"
    watches = frozenset({"catalog", "menu"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = ImportModel(ctx)
        self.model.origin = self
        self.model.listeners.append(self._on_model)
        self.map_widgets: dict[str, widgets.Dropdown] = {}  # name → its product dropdown
        self.map_lines: dict[str, widgets.HBox] = {}  # name → its row (label, dropdown)
        self._build()
        self.refresh()

    # --- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = title()
        self.intro = note()
        self._build_inputs()
        self._build_map()
        self._build_actions()
        self.panel = card(
            [
                self.title,
                self.intro,
                row([self.kind.box, self.file.box], "themoon-row-2", "themoon-imports-inputs"),
                self.kind_help,
                self.limit_note,
                self.chosen,
                self.create_missing,
                self.map_card,
                row([self.preview_button, self.confirm_button], "themoon-actions", "themoon-imports-actions"),
                self.progress_row,
                self.form.status,
            ],
            "themoon-imports-panel",
        )
        self._build_result()
        self.allowed = self.model.allowed
        hide(self.panel, not self.allowed)
        self.finish([self.panel, self.result_card])

    def _build_inputs(self) -> None:
        self.kind = Field("kind", widgets.Dropdown(options=[(k, k) for k in KINDS], value="excel"), "imp.kind")
        self.upload = widgets.FileUpload(accept=EXTENSION["excel"], multiple=False, icon="")
        classes(self.upload, "themoon-btn", "themoon-btn--secondary", "themoon-imports-upload")
        self.file = Field("file", self.upload, "imp.file")
        self.form = Form([self.kind, self.file])
        self.kind_help = note("themoon-imports-help")
        self.limit_note = note("themoon-imports-limit")
        self.chosen = note("themoon-imports-chosen")
        self.create_missing = classes(widgets.Checkbox(value=False, indent=False), "themoon-imports-create-missing")
        self.on_change(self.kind.widget, self._on_kind, "kind")
        self.on_change(self.upload, self._on_upload, "upload")
        self.on_change(self.create_missing, self._on_create_missing, "create_missing")

    def _build_map(self) -> None:
        self.map_title = title("themoon-imports-map-title")
        self.map_note = note()
        self.map_rows = classes(widgets.VBox([]), "themoon-imports-map-rows")
        self.map_card = classes(widgets.VBox([self.map_title, self.map_note, self.map_rows]), "themoon-imports-map")
        hide(self.map_card)

    def _build_actions(self) -> None:
        self.preview_button = button("secondary", "themoon-imports-preview")
        self.confirm_button = button("primary", "themoon-imports-confirm")
        self.confirm_button.disabled = True
        self.on_click(self.preview_button, self.preview, "preview")
        self.on_click(self.confirm_button, self.confirm, "confirm")
        self.bar = classes(widgets.IntProgress(value=0, min=0, max=100), "themoon-imports-bar")
        self.bar_label = classes(widgets.HTML(), "themoon-imports-bar-label")
        self.progress_row = row([self.bar, self.bar_label], "themoon-imports-progress")
        hide(self.progress_row)

    def _build_result(self) -> None:
        self.result_title = classes(widgets.HTML(), "themoon-imports-result-title")
        self.result_summary = note("themoon-imports-summary")
        self.counts_table = classes(widgets.HTML(), "themoon-imports-counts")
        self.rejected_title = title("themoon-imports-rejected-title")
        self.rejected_table = classes(widgets.HTML(), "themoon-imports-rejected")
        self.details = classes(widgets.HTML(), "themoon-imports-details")
        parts = [self.result_title, self.result_summary, self.counts_table, self.rejected_title]
        self.result_card = card([*parts, self.rejected_table, self.details], "themoon-imports-result")
        hide(self.result_card)

    # --- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.model.load()

    # --- rendering ----------------------------------------------------------------------------------------

    def render(self) -> None:
        if not self.allowed:
            self.show_message("error", self.tr("imp.denied"))
            return
        kind = self.model.kind
        self.title.value = esc(self.tr("imp.title"))
        self.intro.value = esc(self.tr("imp.intro"))
        self.quietly(lambda: set_options(self.kind.widget, [(self.tr(f"imp.kind.{k}"), k) for k in KINDS]))
        self.form.relabel(self.lang)
        self.file.label.value = esc(self.tr("imp.files" if kind in MULTIPLE else "imp.file"))
        self.upload.description = self.tr("imp.choose_many" if kind in MULTIPLE else "imp.choose")
        self.kind_help.value = esc(self.tr(f"imp.help.{kind}"))
        limit_key = "imp.limit_many" if kind in MULTIPLE else "imp.limit"
        limits = {"file": size_text(FILE_LIMIT[kind]), "total": size_text(upload_limit())}
        self.limit_note.value = esc(self.tr(limit_key, **limits))
        self.create_missing.description = self.tr("imp.create_missing")
        hide(self.create_missing, kind != "workbook")
        self.preview_button.description = self.tr("imp.preview")
        self.confirm_button.description = self.tr("imp.confirm")
        self.map_title.value = esc(self.tr("imp.map_title"))
        self.map_note.value = esc(self.tr("imp.map_note"))
        self._render_chosen()
        self._render_map()
        self._render_bar_label()
        self._render_outcome()
        self._render_form()
        self._render_busy()

    def _render_form(self) -> None:
        """The status line and the field errors, as the model holds them."""
        m = self.model
        self.form.clear()
        if m.error is not None:
            self.form.show_error(m.error, self.lang)
        if m.file_error is not None:
            field_, message = m.file_error.field, error_message(m.file_error, self.lang)
            self.file.set_error(message if field_ in ("file", "") else f"{field_}: {message}")
        if m.said is not None:
            self.form.set_status(m.said.kind, m.said.text(self.lang))
        hide(self.progress_row, not m.show_progress)

    def _render_busy(self) -> None:
        busy = self.model.busy
        for w in (self.kind.widget, self.upload, self.preview_button, self.create_missing, *self.map_widgets.values()):
            w.disabled = busy
        self.confirm_button.disabled = not self.model.can_confirm

    def _render_chosen(self) -> None:
        uploads = self.model.uploads
        if uploads:
            total = sum(len(u.data) for u in uploads)
            names = ", ".join(u.shown for u in uploads[:5])
            if len(uploads) > 5:
                names += " " + self.tr("imp.more", n=f"{len(uploads) - 5:,}")
            self.chosen.value = esc(self.tr("imp.chosen", n=f"{len(uploads):,}", size=size_text(total), names=names))
        elif self.model.upload_error is None:
            self.chosen.value = esc(self.tr("imp.none_chosen"))
        else:
            self.chosen.value = ""
        hide(self.chosen, not self.chosen.value)

    def _map_dropdown(self, name: str) -> widgets.Dropdown:
        dropdown = self.map_widgets.get(name)
        if dropdown is None:
            dropdown = classes(widgets.Dropdown(), "themoon-imports-map-choice")
            self.map_widgets[name] = dropdown
            dropdown.observe(lambda change, name=name: self._on_map(name, change), names="value")
        return dropdown

    def _render_map(self) -> None:
        rows = []
        by_key = {p.key: p for p in self.model.products}
        for item in self.model.shown_names():
            dropdown = self._map_dropdown(item.name)
            options = [(self.tr("f.choose"), "")]
            options += [(self._choice_label(record), key) for record, key in self.model.choices_for(item)]
            chosen = self.model.mapped.get(item.name, "")
            self.quietly(lambda d=dropdown, o=options, v=chosen: set_options(d, o, keep=v))
            self.model.forget_unoffered(item.name, dropdown.value)
            dropdown.disabled = self.model.busy
            hint = ""
            if item.hint in by_key:
                suggestion = self.tr("imp.map_hint", product=product_label(by_key[item.hint], self.lang))
                hint = f' <span class="themoon-hint">{esc(suggestion)}</span>'
            what = f'<span class="themoon-code">{esc(self.tr(KIND_LABEL[item.kind]))}</span> ' if item.kind else ""
            if item.name not in self.map_lines:
                label = classes(widgets.HTML(), "themoon-imports-map-label")
                self.map_lines[item.name] = classes(widgets.HBox([label, dropdown]), "themoon-imports-map-row")
            line = self.map_lines[item.name]
            line.children[0].value = f'{what}<span class="themoon-imports-map-name">{esc(item.name)}</span>{hint}'
            rows.append(line)
        self.map_rows.children = rows
        hide(self.map_card, not rows)

    def _choice_label(self, record) -> str:
        """A product as 'Full Moon · blend'; a menu item as 'Cold brew · CUP-COLD-BREW'."""
        if isinstance(record, dict):
            return f"{local_name(record, self.lang)} · {record['code']}"
        return product_label(record, self.lang)

    def _render_bar_label(self) -> None:
        m = self.model
        self.bar.value = max(0, m.pct)
        self.bar.bar_style = m.bar
        if m.running is not None:
            key = "imp.checking" if m.running.dry_run else "imp.importing"
            self.bar_label.value = esc(self.tr(key, pct=self.bar.value))
        elif m.outcome is not None:
            self.bar_label.value = esc(self.tr("imp.done"))
        else:
            self.bar_label.value = ""

    def _render_outcome(self) -> None:
        outcome, job = self.model.outcome, self.model.outcome_job
        if outcome is None or outcome.report is None or job is None:
            hide(self.result_card)
            return
        report = outcome.report
        if outcome.status == "refused":
            head, kind = self.tr("imp.result_refused", source=report.source), "bad"
        elif job.dry_run:
            head, kind = self.tr("imp.result_preview", source=report.source), "muted"
        else:
            head, kind = self.tr("imp.result_done", source=report.source), "ok"
        label = self.tr("imp.badge_preview" if job.dry_run else "imp.badge_import")
        self.result_title.value = f"{badge(label, kind)} {esc(head)}"
        self.result_summary.value = esc(summary(report).text(self.lang))
        rows = [
            [esc(self._entity(entity))] + [esc(fmt.count(counts.get(k, 0))) for k in OUTCOMES]
            for entity, counts in report.counts.items()
        ]
        self.counts_table.value = table_html(COUNT_COLUMNS, rows, self.lang, empty=self.tr("imp.no_rows"))
        self._render_rejected(report)
        self.details.value = "".join(
            self._list(key, items, open_)
            for key, items, open_ in (
                ("imp.unmatched_title", report.unmatched, True),
                ("imp.notes_title", report.notes, True),
                ("imp.matched_title", report.matched, False),
            )
        )
        hide(self.result_card, False)

    def _render_rejected(self, report: ImportReport) -> None:
        rejected = report.rejected[:SHOWN_LIMIT]
        self.rejected_title.value = esc(self.tr("imp.rejected_title", n=f"{len(report.rejected):,}"))
        self.rejected_table.value = table_html(
            REJECTED_COLUMNS,
            [[esc(r.where), esc(r.field), esc(r.reason_ko if self.lang == "ko" and r.reason_ko else r.reason)]
             for r in rejected],
            self.lang,
        )  # fmt: skip
        if len(report.rejected) > SHOWN_LIMIT:
            more = self.tr("imp.more", n=f"{len(report.rejected) - SHOWN_LIMIT:,}")
            self.rejected_table.value += f'<div class="themoon-note">{esc(more)}</div>'
        hide(self.rejected_title, not report.rejected)
        hide(self.rejected_table, not report.rejected)

    def _list(self, key: str, items: list[str], open_: bool) -> str:
        if not items:
            return ""
        lines = "".join(f"<li>{esc(item)}</li>" for item in items[:SHOWN_LIMIT])
        if len(items) > SHOWN_LIMIT:
            lines += f"<li>{esc(self.tr('imp.more', n=f'{len(items) - SHOWN_LIMIT:,}'))}</li>"
        slug = key.split(".")[-1].removesuffix("_title")
        return (
            f'<details class="themoon-imports-list themoon-imports-{slug}"{" open" if open_ else ""}>'
            f"<summary>{esc(self.tr(key, n=f'{len(items):,}'))}</summary><ul>{lines}</ul></details>"
        )

    def _entity(self, entity: str) -> str:
        key = f"imp.entity.{entity}"
        text = self.tr(key)
        return entity if text == key else text

    # --- binding -------------------------------------------------------------------------------------------

    def _on_kind(self) -> None:
        kind = self.kind.value
        if kind not in KINDS:
            return
        self.model.choose_kind(kind)
        self.upload.accept = EXTENSION[kind]
        self.upload.multiple = kind in MULTIPLE
        self.quietly(lambda: setattr(self.upload, "value", ()))
        self.quietly(lambda: setattr(self.create_missing, "value", False))
        self.render()

    def _on_upload(self) -> None:
        if not self.model.set_files(self.upload.value):
            # keep the message, drop the bytes (up to the server's limit) from the kernel
            self.quietly(lambda: setattr(self.upload, "value", ()))
        self.render()

    def _on_create_missing(self) -> None:
        self.model.set_create_missing(self.create_missing.value)
        self._render_busy()

    def _on_map(self, name: str, change: dict) -> None:
        if getattr(self, "_quiet", False):
            return

        def update() -> None:
            self.model.map_name(name, change["new"] or "")
            if self.model.said is not None and self.model.said.key == "imp.stale":
                self.form.set_status("info", self.model.said.text(self.lang))
            self._render_busy()

        self.safe(update, "map")

    def _on_model(self, what: str) -> None:
        if what == "progress":  # from the worker thread: only the bar
            self.bar.value = max(0, self.model.pct)
            self._render_bar_label()
        elif what == "products":
            self.safe(self._render_map, "render")
        else:
            self.safe(self.render, "render")

    # --- actions (the buttons) ---------------------------------------------------------------------------

    def preview(self) -> None:
        """Run the importer as a dry run (in a worker thread): nothing is written."""
        if not self.model.preview(self.upload.value):
            self._render_form()

    def confirm(self) -> None:
        """Run the import for real (in a worker thread), after a clean preview of the same files."""
        if not self.model.confirm(self.upload.value):
            self._render_form()

    @property
    def busy(self) -> bool:
        return self.model.busy

    def wait(self, timeout: float | None = 120) -> None:
        """Wait for the running job and finish it here (tests; a notebook without a loop)."""
        self.model.wait(timeout)
