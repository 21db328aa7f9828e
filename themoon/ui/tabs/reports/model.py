"""The Reports tab's state and actions: the past runs (`reports/index.json`, newest first), a run
of a report now, an export of the store (Excel workbook, or one table as CSV), and the bytes of a
past run's files to show or download.

The index's file paths are untrusted: a path is used only when it resolves to a file inside the
reports root (`locate`). Running a report (`runner.run_report`, ~10–30 s) and exporting
(`io.excel.export_workbook` / `export_csv` into a temp file, removed as soon as it is read) go
through ui/jobs.py; one job at a time, its end back on the kernel's thread. Running needs the
"report" permission (owner, staff), exporting "export" (owner), reading past reports "read".
Listeners are told "run_progress" / "export_progress" (from the worker), then "ran" or "finished".
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .... import config, db
from ....models import ValidationError
from ...i18n import t
from ...jobs import Jobs, Progress
from ...results import Both, Result, Said

LIST_LIMIT = 30  # runs shown (the newest)
MAX_VIEW_BYTES = 20 * 1024 * 1024  # a report's HTML shown in the tab
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024  # a file sent as a download link
TABLES = ("beans", "blends", "cost_settings", "purchases", "stock_adjustments", "roast_batches", "menu_items")


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


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


def started_text(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(value or "")[:25]


def seconds_of(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds == seconds and 0 <= seconds < 10**7 else None


def duration(seconds: float | None) -> Said | None:
    """'11.8 s' / '2 min 5 s' (None: unknown)."""
    if seconds is None:
        return None
    if seconds < 60:
        return Said("", "reports.seconds", {"n": f"{seconds:.1f}"})
    return Said("", "reports.minutes", {"m": int(seconds // 60), "s": int(seconds % 60)})


def spec_title(spec: Any) -> Both:
    return Both(spec.title, spec.title_ko)


def entry_title(entry: dict[str, Any]) -> Both:
    """A run's report title (from the catalogue when the name is one of ours)."""
    from ....reports.registry import REPORTS

    spec = REPORTS.get(str(entry.get("name")))
    if spec is not None:
        return spec_title(spec)
    text = str(entry.get("title") or entry.get("name") or "?")[:80]
    return Both(text, text)


@dataclass(frozen=True)
class Export:
    """An export ready to download."""

    name: str
    kind: str  # 'xlsx' | 'csv'
    data: bytes
    rows: int


class ReportsModel:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.root = Path(config.reports_dir()).resolve()
        self.entries: list[dict[str, Any]] = []
        self.total = 0
        self.index_bad = False
        self.viewing: dict[str, Any] | None = None
        self.report = self._first_report()
        self.period = self.default_period()
        self.run_said: Said | None = None
        self.run_error: ValidationError | None = None
        self.run_step = (0, 1)  # done, total
        self.run_bar: str | None = None  # None: no run yet; '' running; success | danger
        self.export_said: Said | None = None
        self.export_error: ValidationError | None = None
        self.export_step = (0, 1)
        self.export_bar: str | None = None
        self.export_file: Export | None = None
        self.jobs = Jobs("reports", user=lambda: ctx.username)
        self.listeners: list[Callable[[str], None]] = []

    # --- the list of past runs ----------------------------------------------------------------------

    def load(self) -> None:
        from ....reports import index

        self.root = Path(config.reports_dir()).resolve()
        self.index_bad = False
        try:
            entries = list(reversed(index.read_index(self.root)))
        except ValueError:  # not JSON: say so, show nothing
            entries, self.index_bad = [], True
        self.total = len(entries)
        self.entries = entries[:LIST_LIMIT]

    def read(self, relative: Any, suffix: str, limit: int, where: str) -> Result:
        """The bytes of an index entry's file (the "read" right), or why not."""
        checked = self.ctx.run(lambda: None, action="read", where=where)
        if not checked.ok:
            return checked
        path, reason = locate(self.root, relative, suffix)
        if path is None:
            return Result("failed", said=Said("error", f"reports.{reason}"))
        size = path.stat().st_size
        if size > limit:
            values = {"size": size_text(size), "limit": size_text(limit)}
            return Result("failed", said=Said("error", "reports.too_big", values))
        return self.ctx.run(path.read_bytes, where=where)

    def open(self, entry: dict[str, Any]) -> Result:
        """A published run's HTML, to show in the tab."""
        files = entry.get("files") if isinstance(entry.get("files"), dict) else {}
        result = self.read(files.get("html"), ".html", MAX_VIEW_BYTES, where="reports.open")
        if result.ok:
            self.viewing = entry
        return result

    def close(self) -> None:
        self.viewing = None

    # --- run now ------------------------------------------------------------------------------------

    @staticmethod
    def _first_report() -> str:
        from ....reports.registry import REPORTS

        return next(iter(REPORTS))

    def spec(self) -> Any:
        from ....reports import registry

        return registry.resolve(self.report)

    def default_period(self) -> str:
        from ....reports.periods import parse_period

        return parse_period("previous", self.spec().period_kind, today=self.ctx.today()).label

    def choose_report(self, name: str) -> None:
        """Another report: its period starts at the previous one."""
        self.report = name
        self.period = self.default_period()
        self.run_error = None

    def parsed_period(self) -> Any:
        """The period typed, or None when it is not one of this report's kind."""
        from ....reports.periods import parse_period

        try:
            return parse_period(self.period, self.spec().period_kind, today=self.ctx.today())
        except ValidationError:
            return None

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    def _busy_said(self) -> Said:
        return Said("error", "reports.busy")

    def run(self) -> bool:
        """Run the chosen report for the typed period, in a worker thread (the "report" right)."""
        from ....reports.periods import parse_period

        self.run_said = self.run_error = None
        if self.busy:
            self.run_said = self._busy_said()
            return False
        text, today = self.period, self.ctx.today()

        def start() -> tuple[Any, str]:
            spec = self.spec()
            return spec, parse_period(text, spec.period_kind, today=today).label

        result = self.ctx.run(start, action="report", where="reports.run")
        if not result.ok:
            self.run_error, self.run_said = result.error, result.said
            return False
        spec, label = result.value
        self.run_step, self.run_bar = (0, 1), ""
        self.run_said = self._running(spec, label, 0, 0)
        root, day = self.root, today
        started = self.jobs.start(
            lambda progress: self._run_report(spec.name, label, root, day, progress),
            done=lambda entry: self._ran(spec, label, entry),
            failed=lambda _error: self._ran(spec, label, None),
            progress=lambda done, total: self._run_progress(spec, label, done, total),
        )
        if not started:
            self.run_error = ValidationError("report", t("reports.busy", "en"), t("reports.busy", "ko"))
        return started

    def _run_report(self, name: str, label: str, root: Path, day: Any, progress: Progress) -> dict[str, Any]:
        from ....reports import runner

        return runner.run_report(
            name, label, None, progress, db=self.ctx.db_path, reports_root=root, trigger="dashboard", today=day
        )

    @staticmethod
    def _running(spec: Any, label: str, done: int, total: int) -> Said:
        step = Said("", "reports.step", {"done": done, "total": total}) if total else None
        return Said("info", "reports.running", {"title": spec_title(spec), "period": label}, then=step)

    def _run_progress(self, spec: Any, label: str, done: int, total: int) -> None:
        self.run_said = self._running(spec, label, done, total)
        total = max(int(total), 1)
        self.run_step = (min(int(done), total), total)
        self._tell("run_progress")

    def _ran(self, spec: Any, label: str, entry: dict[str, Any] | None) -> None:
        """Back on the kernel's thread: read the list again, say how the run went."""
        self.load()
        title = spec_title(spec)
        if entry is not None and entry.get("status") == "ok":
            self.run_step, self.run_bar = (self.run_step[1], self.run_step[1]), "success"
            took = duration(seconds_of(entry.get("duration_seconds"))) or "—"
            self.run_said = Said("ok", "reports.run_ok", {"title": title, "period": label, "seconds": took})
        elif entry is None:
            self.run_bar, self.run_said = "danger", Said("error", "err.unexpected")
        else:
            error = " ".join(str(entry.get("error") or "").split())[:300]
            values = {"title": title, "period": label, "error": error}
            self.run_bar, self.run_said = "danger", Said("error", "reports.run_failed", values)
        self._tell("ran")

    # --- exports ------------------------------------------------------------------------------------

    def export(self, kind: str, table: str = "") -> bool:
        """Export the store ('xlsx') or one table ('csv') in a worker thread (the "export" right)."""
        self.export_said = self.export_error = None
        if self.busy:
            self.export_said = self._busy_said()
            return False

        def check() -> None:
            if kind == "csv" and table not in TABLES:
                names = ", ".join(TABLES)
                raise ValidationError("table", "reports.err.table", names=names)
            if not self.ctx.db_path.is_file():
                raise FileNotFoundError(self.ctx.db_path)

        result = self.ctx.run(check, action="export", where="reports.export")
        if not result.ok:
            self.export_error, self.export_said = result.error, result.said
            return False
        self.export_file, self.export_step, self.export_bar = None, (0, 1), ""
        self.export_said = Said("info", "reports.exporting")
        day = self.ctx.today().isoformat()
        return self.jobs.start(
            lambda progress: self._export_file(kind, table, day, progress),
            done=self._exported,
            failed=lambda _error: self._export_failed(),
            progress=self._export_progress,
        )

    def _export_file(self, kind: str, table: str, day: str, progress: Progress) -> Export | int:
        """In the worker: the export into a private temp folder, read back, removed. An int is
        the size of a file too big to send."""
        from ....io import excel

        folder = Path(tempfile.mkdtemp(prefix="themoon-export-"))
        try:
            name = f"themoon-{day}.xlsx" if kind == "xlsx" else f"themoon-{table}-{day}.csv"
            path = folder / name
            conn = db.connect(self.ctx.db_path, migrate=False)
            try:
                if kind == "xlsx":
                    rows = sum(excel.export_workbook(conn, path, progress=progress).values())
                else:
                    rows = excel.export_csv(conn, table, path)
            finally:
                conn.close()
            size = path.stat().st_size
            if size > MAX_DOWNLOAD_BYTES:
                return size
            return Export(name, kind, path.read_bytes(), rows)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _export_progress(self, done: int, total: int) -> None:
        total = max(int(total), 1)
        self.export_step = (min(int(done), total), total)
        self._tell("export_progress")

    def _exported(self, made: Export | int) -> None:
        if isinstance(made, int):
            values = {"size": size_text(made), "limit": size_text(MAX_DOWNLOAD_BYTES)}
            self.export_bar, self.export_said = "danger", Said("error", "reports.export_too_big", values)
        else:
            self.export_step = (self.export_step[1], self.export_step[1])
            self.export_bar, self.export_file = "success", made
            values = {"name": made.name, "rows": f"{made.rows:,}"}
            self.export_said = Said("ok", "reports.export_ready", values)
        self._tell("finished")

    def _export_failed(self) -> None:
        self.export_bar, self.export_said = "danger", Said("error", "err.unexpected")
        self._tell("finished")

    # --- plumbing -----------------------------------------------------------------------------------

    def _tell(self, what: str) -> None:
        for listener in list(self.listeners):
            listener(what)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running job and finish it here (tests, scripts); True when none is left."""
        try:
            self.jobs.wait(timeout)
        except TimeoutError:
            return False
        return not self.busy


def described(period: Any, lang: str) -> str:
    return period.describe_ko() if lang == "ko" else period.describe()


def period_example(kind: str, lang: str) -> str:
    example = {"month": "2026-10", "week": "2026-W43", "day": "2026-10-31"}[kind]
    return t(f"reports.period_{kind}", lang, example=example)
