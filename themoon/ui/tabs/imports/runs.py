"""What an import run is, without widgets: reading the uploaded files (untrusted), the job a
preview vouches for, calling the importer the CLI calls, and what came of it.

Uploaded bytes are untrusted. Every file is checked against the importer's own size limit
before anything is written, then written under a sanitised name (the uploaded name is never a
path) into a private directory from `tempfile.mkdtemp`, which is removed when the run ends. The
importers then apply their own checks (size, zip bomb, DTD, literal-only parsing).

Upload size: the browser sends the whole selection to the kernel as ONE websocket message, and
the server (tornado, under Voilà) closes the connection on a message larger than its
`websocket_max_message_size` — 10 MiB by default — before the kernel ever sees it (the page
just loses its kernel). `themoon serve` raises it (themoon/serve.py) and tells the kernels the
resulting upload limit in THEMOON_UPLOAD_MAX_MB; the tab states it next to the upload button
(`upload_limit`). A file over an importer's own limit that gets through is refused here, with
its size, before anything is written, and its bytes are dropped.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .... import db
from ....io.limits import MAX_ALOG_BYTES, MAX_CSV_BYTES, MAX_XLSX_BYTES
from ....io.outcome import ImportRejected, ImportReport, Progress, Rejected
from ....models import ValidationError

KINDS = ("excel", "menu", "workbook", "artisan", "sales")
# what the upload button accepts (a kind may take several: ".csv,.xlsx")
EXTENSION = {"excel": ".xlsx", "menu": ".xlsx", "workbook": ".xlsx", "artisan": ".alog", "sales": ".csv,.xlsx"}
MULTIPLE = {"artisan"}
# The importers' own limits per file (they check again before opening a file).
FILE_LIMIT = {
    "excel": MAX_XLSX_BYTES,
    "menu": MAX_XLSX_BYTES,
    "workbook": MAX_XLSX_BYTES,
    "artisan": MAX_ALOG_BYTES,
    "sales": MAX_CSV_BYTES,
}
# a kind's limit for one of its extensions, where it differs from FILE_LIMIT
EXTENSION_LIMIT = {("sales", ".xlsx"): MAX_XLSX_BYTES}
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
    "sales_daily": ("sales",),
}
CHANGE_ORDER = ("catalog", "settings", "stock", "batches", "menu", "sales")


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


def extensions(kind: str) -> tuple[str, ...]:
    """The file name endings a kind takes ('.csv', '.xlsx')."""
    return tuple(EXTENSION[kind].split(","))


def read_upload(value: Any, kind: str) -> list[Upload]:
    """The files of a FileUpload value (ipywidgets 8: a tuple of dicts with name, type, size,
    content, last_modified), checked: the right count and extension, not empty, within the
    importer's limit per file (the `size` the browser claims is not trusted: the bytes are
    counted)."""
    endings = extensions(kind)
    items = list(value) if isinstance(value, list | tuple) else []
    if not items:
        raise ValidationError("file", "imp.err.choose_first")
    if kind not in MULTIPLE and len(items) > 1:
        raise ValidationError("file", "imp.err.choose_one")
    if len(items) > MAX_FILES:
        raise ValidationError("file", "imp.err.too_many", n=f"{MAX_FILES:,}")
    uploads: list[Upload] = []
    taken: set[str] = set()
    total = 0
    for item in items:
        raw_name = item.get("name") if isinstance(item, dict) else None
        content = item.get("content") if isinstance(item, dict) else None
        shown = _shown(raw_name) or "?"
        if not isinstance(content, bytes | bytearray | memoryview):
            raise ValidationError("file", "imp.err.no_content", name=shown)
        extension = next((e for e in endings if str(raw_name or "").strip().lower().endswith(e)), None)
        if extension is None:
            raise ValidationError("file", "imp.err.extension", name=shown, ext=" / ".join(endings))
        limit = EXTENSION_LIMIT.get((kind, extension), FILE_LIMIT[kind])
        size = content.nbytes if isinstance(content, memoryview) else len(content)
        if size > limit:
            big, most = size_text(size), size_text(limit)
            if big == most:  # just over the limit: the bytes tell them apart
                big, most = f"{size:,} bytes", f"{limit:,} bytes"
            raise ValidationError("file", "imp.err.too_big", name=shown, size=big, limit=most)
        if size == 0:
            raise ValidationError("file", "imp.err.empty", name=shown)
        total += size
        if total > MAX_TOTAL_BYTES:
            raise ValidationError("file", "imp.err.total", limit=size_text(MAX_TOTAL_BYTES))
        data = bytes(content)
        uploads.append(Upload(shown, safe_name(raw_name, extension, taken), data, hashlib.sha256(data).hexdigest()))
    return uploads


def write_uploads(folder: Path, uploads: Sequence[Upload]) -> list[Path]:
    """Write the uploads into `folder` (fresh, private) under their sanitised names."""
    paths = []
    for upload in uploads:
        path = folder / upload.name
        if path.parent != folder:  # a sanitised name has no separator; never write elsewhere
            raise ValidationError("file", "imp.err.bad_name")
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
    from ....io import artisan, excel, menu, workbook  # the readers: only when a file is read
    from ....io import sales as pos

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
    if kind == "sales":
        return pos.import_sales(conn, paths[0], dry_run=dry_run, mappings=maps, progress=progress, user=user)
    raise ValidationError("kind", "imp.err.unknown_kind", kind=kind)


@dataclass(frozen=True)
class NameToMap:
    name: str  # exactly as the importer reads it from the file
    kind: str  # 'bean', 'blend', '' (either), or 'item' (a menu item: a POS export's names)
    hint: str = ""  # a product key the importer's matcher suggests ('blend:FULL-MOON')


def names_to_map(kind: str, conn: Any, paths: Sequence[Path], report: ImportReport) -> list[NameToMap]:
    """The names the importer refused for want of a mapping, read back from the files the way
    the importer reads them (its own parsers), joined to the rejected rows by where/field."""
    from ....io import artisan, menu, workbook  # the readers: only when a file is read

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
    elif kind == "sales" and paths:
        return unknown_pos_names(paths[0], report)
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


def unknown_pos_names(path: Path, report: ImportReport) -> list[NameToMap]:
    """The names of a POS export that match no menu item: read back the way the importer reads
    them (its own parser), each kept when the importer listed it as unknown (`unmatched`, by its
    message), in the file's order."""
    from ....io import sales as pos

    unmatched = set(report.unmatched)
    if not unmatched:
        return []
    scratch = ImportReport(pos.KIND, path.name)
    lines = pos.parse_lines(pos.read_table(path), path.name, scratch, date.today())
    rows: dict[str, int] = {}
    for line in lines.lines:
        rows[line.name] = rows.get(line.name, 0) + 1
    return [
        NameToMap(name, "item")
        for name, count in rows.items()
        if ValidationError("item", "sales.unknown_name", name=name, count=count).message in unmatched
    ]


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
            raise ValidationError("database", "imp.err.no_database")
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
