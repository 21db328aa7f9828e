"""Import tab (owner only): upload a file, preview what it would change, confirm.

The tab calls the importers the CLI calls (`themoon.io.cli`), with the same arguments:
`excel.import_workbook`, `menu.import_menu`, `workbook.import_cafe_workbook` and
`artisan.import_artisan`. It never imports anything itself:

- "Preview" runs the importer with `dry_run=True` (the importer does the whole import in a
  transaction and rolls it back) and shows its `ImportReport`: counts per entity and outcome,
  every rejected row with where, field and reason, what did not match, and the notes.
- "Confirm import" is enabled only after a preview of exactly these bytes, with these name
  mappings and options, that rejected nothing and would change something. The real run is the
  importer's: all or nothing (`ImportRejected` → nothing written, the report is shown).
- Names in a file that are not one of our beans/blends (Artisan's bean text, the roasting
  workbook's bean and blend names) are listed with a product dropdown each; the choices go to
  the importer as its `mappings` ('NAME=PRODUCT', the CLI's `--map`), which stores them in
  `import_name_map` in the import's own transaction.

Uploaded bytes are untrusted. Every file is checked against the importer's own size limit
before anything is written, then written under a sanitised name (the uploaded name is never a
path) into a private directory from `tempfile.mkdtemp`, which is removed when the run ends. The
importers then apply their own checks (size, zip bomb, DTD, literal-only parsing).

Big files take tens of seconds, so a run happens in a daemon thread with its own SQLite
connection (connections cannot cross threads), driving an `IntProgress` through the importer's
progress callback; the kernel stays responsive. The end of a run (drawing the report, telling the
other tabs, which read through the kernel's connection) is handed back to the kernel's event loop
(`call_soon_threadsafe`); without a running loop (tests, plain Python) it waits in a queue that
`wait()` (or the next click) runs.

Upload size: the browser sends the whole selection to the kernel as ONE websocket message, and
the server (tornado, under Voilà) closes the connection on a message larger than its
`websocket_max_message_size` — 10 MiB by default — before the kernel ever sees it (the page
just loses its kernel). `themoon serve` raises it (themoon/serve.py) and tells the kernels the
resulting upload limit in THEMOON_UPLOAD_MAX_MB; the tab states it next to the upload button
(`upload_limit`). A file over an importer's own limit that gets through is refused here, with
its size, before anything is written, and its bytes are dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .. import catalog, db
from ..io import artisan, excel, menu, workbook
from ..io.outcome import OUTCOMES, ImportRejected, ImportReport, Progress, Rejected
from ..models import ValidationError
from . import format as fmt
from .base import Tab, product_label, set_options
from .forms import (
    Column,
    Field,
    Form,
    badge,
    button,
    card,
    classes,
    error_message,
    esc,
    hide,
    note,
    report_unexpected,
    row,
    table_html,
    title,
)

KINDS = ("excel", "menu", "workbook", "artisan")
EXTENSION = {"excel": ".xlsx", "menu": ".xlsx", "workbook": ".xlsx", "artisan": ".alog"}
MULTIPLE = {"artisan"}
KIND_LABEL = {"bean": "imp.kind_bean", "blend": "imp.kind_blend"}  # what a name in a file must map to
# The importers' own limits per file (they check again before opening a file).
FILE_LIMIT = {
    "excel": excel.MAX_XLSX_BYTES,
    "menu": excel.MAX_XLSX_BYTES,
    "workbook": excel.MAX_XLSX_BYTES,
    "artisan": artisan.MAX_ALOG_BYTES,
}
MAX_FILES = 1000  # Artisan logs in one upload
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # whatever the server lets through, the kernel takes no more
# tornado's default `websocket_max_message_size`: the largest message the browser may send
TORNADO_WS_DEFAULT_BYTES = 10 * 1024 * 1024
SHOWN_LIMIT = 200  # rejected rows / notes drawn; the counts keep the rest
# what a created/updated row of an entity changes, for Context.changed (other tabs redraw)
CHANGES = {
    "beans": ("catalog",),
    "blends": ("catalog",),
    "cost_settings": ("settings",),
    "purchases": ("stock",),
    "stock_adjustments": ("stock",),
    "roast_batches": ("batches", "stock"),
    "menu_items": ("menu",),
}
CHANGE_ORDER = ("catalog", "settings", "stock", "batches", "menu")

COUNT_COLUMNS = (
    Column("imp.col.entity"),
    Column("imp.col.created", num=True),
    Column("imp.col.updated", num=True),
    Column("imp.col.unchanged", num=True),
    Column("imp.col.rejected", num=True),
)
REJECTED_COLUMNS = (Column("imp.col.where"), Column("imp.col.field"), Column("imp.col.reason"))


def upload_limit() -> int:
    """Bytes one upload (every file of a selection together) may have on its way to the kernel.

    It is the server's websocket message limit: tornado's default unless the server was started
    with a larger `websocket_max_message_size` and THEMOON_UPLOAD_MAX_MB says so."""
    raw = os.environ.get("THEMOON_UPLOAD_MAX_MB", "").strip()
    try:
        mb = float(raw) if raw else 0.0
    except ValueError:
        mb = 0.0
    if not 0 < mb <= MAX_TOTAL_BYTES / 2**20:
        return TORNADO_WS_DEFAULT_BYTES
    return int(mb * 2**20)


def size_text(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:,.1f} MB"
    if n >= 1024:
        return f"{n / 1024:,.1f} KB"
    return f"{n:,} B"


# --- uploads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    shown: str  # the name the browser gave (for messages only; never a path)
    name: str  # the sanitised name the file is written under
    data: bytes
    sha256: str


_UNSAFE = re.compile(r"[^\w.\-() ]+")


def safe_name(raw: Any, extension: str, taken: set[str] | None = None) -> str:
    """A file name made from an uploaded name: its last path part, only letters (any script),
    digits, space, `._-()`; no leading dot; at most 80 characters; ending in `extension`;
    different (case-insensitively) from `taken`, which it joins."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    text = re.split(r"[\\/]", text)[-1]
    if text.lower().endswith(extension):
        text = text[: -len(extension)]
    stem = _UNSAFE.sub("_", text).strip(" ._-")[:80].strip(" ._-") or "upload"
    taken = set() if taken is None else taken
    name, n = f"{stem}{extension}", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}{extension}"
    taken.add(name.lower())
    return name


def _shown(raw: Any) -> str:
    text = " ".join(str(raw or "").split())
    return text if len(text) <= 80 else text[:79] + "…"


def read_upload(value: Any, kind: str) -> list[Upload]:
    """The files of a FileUpload value (ipywidgets 8: a tuple of dicts with name, type, size,
    content, last_modified), checked: the right count and extension, not empty, within the
    importer's limit per file (the `size` the browser claims is not trusted: the bytes are
    counted)."""
    extension, limit = EXTENSION[kind], FILE_LIMIT[kind]
    items = list(value) if isinstance(value, list | tuple) else []
    if not items:
        raise ValidationError("file", "choose a file first", "먼저 파일을 선택하세요")
    if kind not in MULTIPLE and len(items) > 1:
        raise ValidationError("file", "choose one file", "파일을 하나만 선택하세요")
    if len(items) > MAX_FILES:
        raise ValidationError("file", f"at most {MAX_FILES:,} files at once", f"한 번에 최대 {MAX_FILES:,}개입니다")
    uploads: list[Upload] = []
    taken: set[str] = set()
    total = 0
    for item in items:
        raw_name = item.get("name") if isinstance(item, dict) else None
        content = item.get("content") if isinstance(item, dict) else None
        shown = _shown(raw_name) or "?"
        if not isinstance(content, bytes | bytearray | memoryview):
            raise ValidationError("file", f"'{shown}' holds no file content", f"'{shown}'에 파일 내용이 없습니다")
        if not str(raw_name or "").strip().lower().endswith(extension):
            raise ValidationError(
                "file", f"'{shown}' is not a {extension} file", f"'{shown}'은(는) {extension} 파일이 아닙니다"
            )
        size = content.nbytes if isinstance(content, memoryview) else len(content)
        if size > limit:
            big, most = size_text(size), size_text(limit)
            if big == most:  # just over the limit: the bytes tell them apart
                big, most = f"{size:,} bytes", f"{limit:,} bytes"
            raise ValidationError(
                "file",
                f"'{shown}' is {big}; the limit for this kind of file is {most}",
                f"'{shown}' 파일이 {big} 입니다 (이 종류의 파일은 최대 {most})",
            )
        if size == 0:
            raise ValidationError("file", f"'{shown}' is empty", f"'{shown}'은(는) 빈 파일입니다")
        total += size
        if total > MAX_TOTAL_BYTES:
            raise ValidationError(
                "file",
                f"the files add up to more than {size_text(MAX_TOTAL_BYTES)}",
                f"파일 합계가 {size_text(MAX_TOTAL_BYTES)}를 넘습니다",
            )
        data = bytes(content)
        uploads.append(Upload(shown, safe_name(raw_name, extension, taken), data, hashlib.sha256(data).hexdigest()))
    return uploads


def write_uploads(folder: Path, uploads: Sequence[Upload]) -> list[Path]:
    """Write the uploads into `folder` (fresh, private) under their sanitised names."""
    paths = []
    for upload in uploads:
        path = folder / upload.name
        if path.parent != folder:  # a sanitised name has no separator; never write elsewhere
            raise ValidationError("file", "invalid file name", "올바르지 않은 파일 이름입니다")
        with open(path, "xb") as handle:  # exclusive: never through an existing file or link
            handle.write(upload.data)
        paths.append(path)
    return paths


# --- running an importer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    kind: str
    uploads: tuple[Upload, ...]
    mappings: tuple[str, ...]
    create_missing: bool
    dry_run: bool

    @property
    def key(self) -> tuple:
        return job_key(self.kind, self.uploads, self.mappings, self.create_missing)


def job_key(kind: str, uploads: Sequence[Upload], mappings: Sequence[str], create_missing: bool) -> tuple:
    """What a preview vouches for: the kind, the bytes of every file, the mappings and options."""
    return (
        kind,
        tuple(sorted(u.sha256 for u in uploads)),
        tuple(sorted(mappings)),
        bool(create_missing) and kind == "workbook",
    )


def run_importer(
    kind: str,
    conn: Any,
    paths: Sequence[Path],
    *,
    dry_run: bool,
    progress: Progress | None,
    mappings: Sequence[str] = (),
    create_missing: bool = False,
    user: str = "system",
) -> ImportReport:
    """The importer of `kind`, called as `themoon import <kind>` calls it (themoon/io/cli.py)."""
    maps = list(mappings) or None
    if kind == "excel":
        return excel.import_workbook(conn, paths[0], dry_run=dry_run, progress=progress, user=user)
    if kind == "menu":
        return menu.import_menu(conn, paths[0], dry_run=dry_run, mappings=maps, progress=progress, user=user)
    if kind == "workbook":
        return workbook.import_cafe_workbook(
            conn,
            paths[0],
            dry_run=dry_run,
            mappings=maps,
            create_missing=create_missing,
            progress=progress,
            user=user,
        )
    if kind == "artisan":
        return artisan.import_artisan(conn, list(paths), dry_run=dry_run, mappings=maps, progress=progress, user=user)
    raise ValidationError("kind", f"unknown kind '{kind}'", "알 수 없는 종류입니다")


@dataclass(frozen=True)
class NameToMap:
    name: str  # exactly as the importer reads it from the file
    kind: str  # 'bean', 'blend' or '' (either)
    hint: str = ""  # a product key the importer's matcher suggests ('blend:FULL-MOON')


def names_to_map(kind: str, conn: Any, paths: Sequence[Path], report: ImportReport) -> list[NameToMap]:
    """The names the importer refused for want of a mapping, read back from the files the way
    the importer reads them (its own parsers), joined to the rejected rows by where/field."""
    found: dict[str, NameToMap] = {}

    def add(name: str, want: str, source: str) -> None:
        if not name or name in found:
            return
        match = menu.ProductMatcher(conn, source).match(name)
        hint = ""
        if match.product is not None and want in ("", match.product.kind):
            hint = match.product.key
        found[name] = NameToMap(name, want, hint)

    if kind == "artisan":
        by_where = {str(p): p for p in paths}
        for r in report.rejected:
            path = by_where.get(r.where)
            if r.field != "beans" or path is None:
                continue
            try:
                roast = artisan.parse_profile(path.name, artisan.load_alog(path), "0" * 64)
            except ValidationError:
                continue
            add(roast.beans, "", artisan.SOURCE)
    elif kind == "workbook" and paths:
        wanted = {(r.where, r.field) for r in report.rejected if "--map" in r.reason}
        if not wanted:
            return []
        path = paths[0]
        contents = workbook.read_contents(workbook.load_grids(path), path.name)
        for bean in contents.beans:
            if (bean.where, "name") in wanted:
                add(bean.name, "bean", workbook.SOURCE)
        for recipe in contents.recipes:
            for name, _parts, line in recipe.parts:
                if (recipe.where, f"row {line} '{name}'") in wanted:
                    add(name, "bean", workbook.SOURCE)
            if (recipe.where, "blend") in wanted:
                add(recipe.name, "blend", workbook.SOURCE)
    return list(found.values())


def scrub(text: str, folder: str) -> str:
    """A text without the private directory's path in it."""
    return text.replace(folder + os.sep, "").replace(folder, "") if folder and text else text


def scrub_report(report: ImportReport, folder: str) -> ImportReport:
    def s(text: str) -> str:
        return scrub(text, folder)

    return ImportReport(
        kind=report.kind,
        source=s(report.source),
        dry_run=report.dry_run,
        counts={entity: dict(row) for entity, row in report.counts.items()},
        rejected=[Rejected(r.entity, s(r.where), s(r.field), s(r.reason), s(r.reason_ko)) for r in report.rejected],
        matched=[s(x) for x in report.matched],
        unmatched=[s(x) for x in report.unmatched],
        notes=[s(x) for x in report.notes],
        sha256=report.sha256,
    )


@dataclass
class Outcome:
    status: str  # 'ok' | 'refused' (ImportRejected: nothing written) | 'invalid' (the file)
    report: ImportReport | None = None
    error: ValidationError | None = None
    names: list[NameToMap] = field(default_factory=list)


def execute(job: Job, *, db_path: Path, user: str, progress: Progress | None = None) -> Outcome:
    """Run one job: the files into a private temporary directory, the importer over its own
    connection, everything removed afterwards. A ValidationError (the file, the database) is an
    'invalid' outcome; anything unexpected propagates (the caller logs it)."""
    folder = Path(tempfile.mkdtemp(prefix="themoon-import-"))
    where = str(folder)
    conn = None
    try:
        paths = write_uploads(folder, job.uploads)
        if not Path(db_path).is_file():
            raise ValidationError("database", "the database file is missing", "데이터베이스 파일이 없습니다")
        conn = db.connect(db_path, migrate=False)
        try:
            report = run_importer(
                job.kind,
                conn,
                paths,
                dry_run=job.dry_run,
                progress=progress,
                mappings=job.mappings,
                create_missing=job.create_missing,
                user=user,
            )
            status = "ok"
        except ImportRejected as refused:
            report, status = refused.report, "refused"
        names: list[NameToMap] = []
        if report.rejected:
            try:
                names = names_to_map(job.kind, conn, paths, report)
            except ValidationError:  # the report stands; only the mapping help is missing
                names = []
        return Outcome(status, scrub_report(report, where), names=names)
    except ValidationError as error:
        scrubbed = ValidationError(
            scrub(error.field, where), scrub(error.message, where), scrub(error.message_ko, where)
        )
        return Outcome("invalid", error=scrubbed)
    finally:
        if conn is not None:
            conn.close()
        shutil.rmtree(folder, ignore_errors=True)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# --- the tab ---------------------------------------------------------------------------------------


class ImportsTab(Tab):
    key = "imports"
    watches = frozenset({"catalog"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.products: list = []
        self.uploads: list[Upload] | None = None
        self.upload_error: ValidationError | None = None
        self.mapped: dict[str, str] = {}  # name in the file → product key ('' = not chosen)
        self.names: list[NameToMap] = []
        self.map_widgets: dict[str, widgets.Dropdown] = {}  # name → its product dropdown
        self.map_lines: dict[str, widgets.HBox] = {}  # name → its row (label, dropdown)
        self.outcome: Outcome | None = None
        self.outcome_job: Job | None = None
        self.previewed: tuple | None = None  # job_key of the last clean preview with changes
        self.busy = False
        self.thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._pct = -1
        self._tick = 0.0
        self._running: Job | None = None
        self.known: dict[str, NameToMap] = {}  # every name a run asked to map, by name
        self._build()
        self.refresh()

    # --- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = title()
        self.intro = note()
        self.kind = Field("kind", widgets.Dropdown(options=[(k, k) for k in KINDS], value="excel"), "imp.kind")
        self.upload = widgets.FileUpload(accept=EXTENSION["excel"], multiple=False, icon="")
        classes(self.upload, "themoon-btn", "themoon-btn--secondary", "themoon-imports-upload")
        self.file = Field("file", self.upload, "imp.file")
        self.kind_help = note("themoon-imports-help")
        self.limit_note = note("themoon-imports-limit")
        self.chosen = note("themoon-imports-chosen")
        self.create_missing = classes(widgets.Checkbox(value=False, indent=False), "themoon-imports-create-missing")
        self.map_title = title("themoon-imports-map-title")
        self.map_note = note()
        self.map_rows = classes(widgets.VBox([]), "themoon-imports-map-rows")
        self.map_card = classes(widgets.VBox([self.map_title, self.map_note, self.map_rows]), "themoon-imports-map")
        hide(self.map_card)
        self.form = Form([self.kind, self.file])
        self.preview_button = button("secondary", "themoon-imports-preview")
        self.confirm_button = button("primary", "themoon-imports-confirm")
        self.confirm_button.disabled = True
        self.on_click(self.preview_button, self.preview, "preview")
        self.on_click(self.confirm_button, self.confirm, "confirm")
        self.bar = classes(widgets.IntProgress(value=0, min=0, max=100), "themoon-imports-bar")
        self.bar_label = classes(widgets.HTML(), "themoon-imports-bar-label")
        self.progress_row = row([self.bar, self.bar_label], "themoon-imports-progress")
        hide(self.progress_row)
        self.on_change(self.kind.widget, self._on_kind, "kind")
        self.on_change(self.upload, self._on_upload, "upload")
        self.on_change(self.create_missing, self._update_confirm, "create_missing")
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
        self.result_title = classes(widgets.HTML(), "themoon-imports-result-title")
        self.result_summary = note("themoon-imports-summary")
        self.counts_table = classes(widgets.HTML(), "themoon-imports-counts")
        self.rejected_title = title("themoon-imports-rejected-title")
        self.rejected_table = classes(widgets.HTML(), "themoon-imports-rejected")
        self.details = classes(widgets.HTML(), "themoon-imports-details")
        self.result_card = card(
            [
                self.result_title,
                self.result_summary,
                self.counts_table,
                self.rejected_title,
                self.rejected_table,
                self.details,
            ],
            "themoon-imports-result",
        )
        hide(self.result_card)
        self.allowed = self.ctx.can("import")
        hide(self.panel, not self.allowed)
        self.finish([self.panel, self.result_card])

    # --- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        if self.allowed:
            self.products = catalog.list_products(self.ctx.conn(), active=True)

    # --- rendering ----------------------------------------------------------------------------------------

    def render(self) -> None:
        if not self.allowed:
            self.show_message("error", self.tr("imp.denied"))
            return
        kind = self.kind.value
        self.title.value = esc(self.tr("imp.title"))
        self.intro.value = esc(self.tr("imp.intro"))
        self.quietly(lambda: set_options(self.kind.widget, [(self.tr(f"imp.kind.{k}"), k) for k in KINDS]))
        self.form.relabel(self.lang)
        self.file.label.value = esc(self.tr("imp.files" if kind in MULTIPLE else "imp.file"))
        self.upload.description = self.tr("imp.choose_many" if kind in MULTIPLE else "imp.choose")
        self.kind_help.value = esc(self.tr(f"imp.help.{kind}"))
        self.limit_note.value = esc(
            self.tr(
                "imp.limit_many" if kind in MULTIPLE else "imp.limit",
                file=size_text(FILE_LIMIT[kind]),
                total=size_text(upload_limit()),
            )
        )
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
        self._update_confirm()

    def _render_chosen(self) -> None:
        if self.uploads:
            total = sum(len(u.data) for u in self.uploads)
            names = ", ".join(u.shown for u in self.uploads[:5])
            if len(self.uploads) > 5:
                names += " " + self.tr("imp.more", n=f"{len(self.uploads) - 5:,}")
            self.chosen.value = esc(
                self.tr("imp.chosen", n=f"{len(self.uploads):,}", size=size_text(total), names=names)
            )
        elif self.upload_error is None:
            self.chosen.value = esc(self.tr("imp.none_chosen"))
        else:
            self.chosen.value = ""
        hide(self.chosen, not self.chosen.value)

    def _shown_names(self) -> list[NameToMap]:
        """The names refused by the last run, plus the ones mapped since (kept after the preview
        that they fixed, so the confirm sends them too)."""
        shown = list(self.names)
        listed = {n.name for n in shown}
        for name in self.mapped:
            if name not in listed:
                shown.append(self.known.get(name, NameToMap(name, "")))
                listed.add(name)
        return shown

    def _product_options(self, want: str) -> list[tuple[str, str]]:
        options = [(self.tr("f.choose"), "")]
        options += [(product_label(p, self.lang), p.key) for p in self.products if want in ("", p.kind)]
        return options

    def _render_map(self) -> None:
        names = self._shown_names()
        rows = []
        by_key = {p.key: p for p in self.products}
        for item in names:
            dropdown = self.map_widgets.get(item.name)
            if dropdown is None:
                dropdown = classes(widgets.Dropdown(), "themoon-imports-map-choice")
                self.map_widgets[item.name] = dropdown
                dropdown.observe(lambda change, name=item.name: self._on_map(name, change), names="value")
            options = self._product_options(item.kind)
            chosen = self.mapped.get(item.name, "")
            self.quietly(lambda d=dropdown, o=options, v=chosen: set_options(d, o, keep=v))
            if item.name in self.mapped:  # a product no longer offered is no longer chosen
                self.mapped[item.name] = dropdown.value or ""
            dropdown.disabled = self.busy
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

    def _render_bar_label(self) -> None:
        if self._running is not None:
            key = "imp.checking" if self._running.dry_run else "imp.importing"
            self.bar_label.value = esc(self.tr(key, pct=self.bar.value))
        elif self.outcome is not None:
            self.bar_label.value = esc(self.tr("imp.done"))
        else:
            self.bar_label.value = ""

    def _render_outcome(self) -> None:
        outcome, job = self.outcome, self.outcome_job
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
        self.result_summary.value = esc(self._summary(report))
        rows = [
            [esc(self._entity(entity))] + [esc(fmt.count(counts.get(k, 0))) for k in OUTCOMES]
            for entity, counts in report.counts.items()
        ]
        self.counts_table.value = table_html(COUNT_COLUMNS, rows, self.lang, empty=self.tr("imp.no_rows"))
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
        self.details.value = "".join(
            self._list(key, items, open_)
            for key, items, open_ in (
                ("imp.unmatched_title", report.unmatched, True),
                ("imp.notes_title", report.notes, True),
                ("imp.matched_title", report.matched, False),
            )
        )
        hide(self.result_card, False)

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

    def _summary(self, report: ImportReport) -> str:
        return self.tr(
            "imp.summary",
            created=f"{report.total('created'):,}",
            updated=f"{report.total('updated'):,}",
            unchanged=f"{report.total('unchanged'):,}",
            rejected=f"{report.total('rejected'):,}",
        )

    # --- state ---------------------------------------------------------------------------------------------

    def _mappings(self) -> tuple[str, ...]:
        return tuple(f"{name}={key}" for name, key in self.mapped.items() if key)

    def _current_key(self) -> tuple | None:
        if not self.uploads:
            return None
        return job_key(self.kind.value, self.uploads, self._mappings(), self.create_missing.value)

    def _update_confirm(self) -> None:
        ready = not self.busy and self.previewed is not None and self.previewed == self._current_key()
        self.confirm_button.disabled = not ready

    def _reset(self, *, keep_mappings: bool = False) -> None:
        """New files or another kind: the last preview no longer vouches for anything."""
        self.previewed = None
        self.outcome = self.outcome_job = None
        self.names = []
        if not keep_mappings:
            self.mapped = {}
            self.known.clear()
        self.form.clear()
        hide(self.progress_row)

    def _on_kind(self) -> None:
        kind = self.kind.value
        if kind not in KINDS:
            return
        self.upload.accept = EXTENSION[kind]
        self.upload.multiple = kind in MULTIPLE
        self.quietly(lambda: setattr(self.upload, "value", ()))
        self.uploads, self.upload_error = None, None
        self.quietly(lambda: setattr(self.create_missing, "value", False))
        self._reset()
        self.render()

    def _on_upload(self) -> None:
        self._drain()
        self._reset()
        self.uploads, self.upload_error = None, None
        if self.upload.value:
            ok, uploads = self.ctx.run(
                self.form, lambda: read_upload(self.upload.value, self.kind.value), where="imports.upload"
            )
            if ok:
                self.uploads = uploads
            else:  # keep the message, drop the bytes (up to the server's limit) from the kernel
                self.upload_error = ValidationError("file", "", "")
                self.quietly(lambda: setattr(self.upload, "value", ()))
        self.render()

    def _on_map(self, name: str, change: dict) -> None:
        if getattr(self, "_quiet", False):
            return

        def update() -> None:
            value = change["new"] or ""
            self.mapped[name] = value
            if self.previewed is not None or self.outcome is not None:
                self.form.set_status("info", self.tr("imp.stale"))
            self._update_confirm()

        self.safe(update, "map")

    # --- actions ---------------------------------------------------------------------------------------------

    def preview(self) -> None:
        """Run the importer as a dry run (in a worker thread): nothing is written."""
        self._start(dry_run=True)

    def confirm(self) -> None:
        """Run the import for real (in a worker thread), after a clean preview of the same files."""
        self._start(dry_run=False)

    def _start(self, *, dry_run: bool) -> None:
        self._drain()
        if self.busy:
            return

        def begin() -> Job:
            kind = self.kind.value
            if kind not in KINDS:
                raise ValidationError("kind", "choose what to import", "가져올 자료를 선택하세요")
            uploads = read_upload(self.upload.value, kind)
            job = Job(kind, tuple(uploads), self._mappings(), bool(self.create_missing.value), dry_run)
            if not dry_run and job.key != self.previewed:
                raise ValidationError(
                    "file",
                    "preview these files first (the files or choices changed since the last preview)",
                    "먼저 미리보기를 하세요 (마지막 미리보기 뒤에 파일이나 선택이 바뀌었습니다)",
                )
            return job

        ok, job = self.ctx.run(self.form, begin, action="import", where="imports.start")
        if not ok:
            return
        self.uploads = list(job.uploads)  # what the confirm will be compared with
        self._running = job
        self._set_busy(True)
        self._pct, self._tick = -1, 0.0
        self.bar.value = 0
        self.bar.bar_style = ""
        hide(self.progress_row, False)
        self._render_bar_label()
        self.form.set_status("info", self.tr("imp.running_preview" if dry_run else "imp.running_import"))
        self._loop = _running_loop()
        self.thread = threading.Thread(target=self._work, args=(job,), name="themoon-import", daemon=True)
        self.thread.start()

    def _work(self, job: Job) -> None:
        """The worker thread: touches only its own connection and the progress bar."""
        ok, outcome = False, None
        try:
            ok, outcome = self.ctx.run(
                None,
                lambda: execute(job, db_path=self.ctx.db_path, user=self.ctx.username, progress=self._progress),
                action="import",
                where=f"imports.{job.kind}",
            )
        finally:
            self._post(lambda: self._finish(job, ok, outcome))

    def _progress(self, done: int, total: int) -> None:
        pct = max(0, min(100, done * 100 // total)) if total and total > 0 else 0
        now = time.monotonic()
        if pct != self._pct and (pct == 100 or now - self._tick >= 0.1):
            self._pct, self._tick = pct, now
            self.bar.value = pct
            job = self._running
            if job is not None:
                key = "imp.checking" if job.dry_run else "imp.importing"
                self.bar_label.value = esc(self.tr(key, pct=pct))

    def _finish(self, job: Job, ok: bool, outcome: Outcome | None) -> None:
        """Back on the kernel's thread: show what happened, tell the other tabs."""
        self._running = None
        self._set_busy(False)
        self.form.set_status("", "")
        if not ok or outcome is None:
            self.bar.bar_style = "danger"
            denied = not self.ctx.can("import")
            self.form.set_status("error", self.tr("err.denied" if denied else "err.unexpected"))
            self._render_bar_label()
            self._update_confirm()
            return
        if outcome.status == "invalid":
            self.bar.bar_style = "danger"
            self.outcome = self.outcome_job = None
            self.previewed = None
            assert outcome.error is not None
            field_ = outcome.error.field
            message = error_message(outcome.error, self.lang)
            self.file.set_error(message if field_ in ("file", "") else f"{field_}: {message}")
            self.form.set_status("error", self.tr("form.fix"))
            self.render()
            return
        report = outcome.report
        assert report is not None
        self.outcome, self.outcome_job = outcome, job
        for item in outcome.names:
            self.known[item.name] = item
        self.names = outcome.names
        self.previewed = None
        if job.dry_run:
            if report.rejected:
                self.bar.bar_style = "warning"
                self.form.set_status("error", self.tr("imp.fix_first", n=f"{len(report.rejected):,}"))
            elif report.changed:
                self.bar.bar_style = "success"
                self.previewed = job.key
                self.form.set_status("ok", self.tr("imp.ready"))
            else:
                self.bar.bar_style = "success"
                self.form.set_status("info", self.tr("imp.nothing"))
        elif outcome.status == "refused":
            self.bar.bar_style = "danger"
            self.form.set_status("error", self.tr("imp.refused", n=f"{len(report.rejected):,}"))
        else:
            self.bar.bar_style = "success"
            self.mapped = {}
            self.form.set_status("ok", self.tr("imp.imported", summary=self._summary(report)))
        self.render()
        if not job.dry_run and outcome.status == "ok" and report.changed:
            self._announce(report)

    def _announce(self, report: ImportReport) -> None:
        kinds: set[str] = set()
        for entity, counts in report.counts.items():
            if counts.get("created", 0) + counts.get("updated", 0):
                kinds.update(CHANGES.get(entity, CHANGE_ORDER))
        if "catalog" in kinds:
            self.safe(self.load, "load")
            self.safe(self._render_map, "render")
        for what in CHANGE_ORDER:
            if what in kinds:
                self.ctx.changed(what, self)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (self.kind.widget, self.upload, self.preview_button, self.create_missing, *self.map_widgets.values()):
            w.disabled = busy
        self._update_confirm()

    # --- threads -----------------------------------------------------------------------------------------------

    def _post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the kernel's thread: through its event loop when one was running when the
        job started, else queued for `wait()` / the next click."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._run_posted, fn)
                return
            except RuntimeError:  # the loop closed meanwhile
                pass
        with self._lock:
            self._queue.append(fn)

    def _run_posted(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            report_unexpected("imports.finish", self.ctx.username)
            self._running = None
            self._set_busy(False)
            self.form.set_status("error", self.tr("err.unexpected"))

    def _drain(self) -> None:
        with self._lock:
            queued, self._queue = self._queue, []
        for fn in queued:
            self._run_posted(fn)

    def wait(self, timeout: float | None = 120) -> None:
        """Wait for the running job and finish it here (tests; a notebook without a loop)."""
        thread = self.thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError("the import is still running")
        self._drain()
