"""The Import tab's state and actions (owner only): choose a kind, give files, preview (a dry run:
nothing written), map unknown names, confirm (the real run, all or nothing).

- `preview(files)` runs the importer with `dry_run=True` (the importer does the whole import in
  a transaction and rolls it back); its `ImportReport` is `outcome.report`.
- `confirm(files)` runs only after a preview of exactly these bytes, with these name mappings
  and options, that rejected nothing and would change something (`can_confirm`). The real run is
  the importer's: all or nothing (`ImportRejected` → nothing written, the report is kept).
- Names in a file that are not one of our beans/blends are listed (`shown_names`) and mapped
  with `map_name`; the choices go to the importer as its `mappings` ('NAME=PRODUCT', the CLI's
  `--map`), which stores them in `import_name_map` in the import's own transaction.

Runs happen through ui/jobs.py (a worker thread with its own SQLite connection; the end comes
back on the kernel's thread). `listeners` are told 'progress' (from the worker) and 'finished'
(on the kernel's thread) so the view redraws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .... import catalog
from ....io.outcome import ImportReport
from ....models import ValidationError
from ...jobs import Jobs, Progress
from ...results import Said
from .runs import CHANGE_ORDER, CHANGES, KINDS, Job, NameToMap, Outcome, Upload, execute, job_key, read_upload


class ImportModel:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.origin: object = self  # who announces the changes (the view, which redraws itself)
        self.allowed = ctx.can("import")
        self.kind = "excel"
        self.create_missing = False
        self.products: list = []
        self.menu_items: list[dict] = []  # what a POS export's names map to
        self.uploads: list[Upload] | None = None
        self.upload_error: ValidationError | None = None
        self.mapped: dict[str, str] = {}  # name in the file → product key ('' = not chosen)
        self.names: list[NameToMap] = []  # names the last run asked to map
        self.known: dict[str, NameToMap] = {}  # every name a run asked to map, by name
        self.outcome: Outcome | None = None
        self.outcome_job: Job | None = None
        self.previewed: tuple | None = None  # job_key of the last clean preview with changes
        self.running: Job | None = None
        self.pct = 0
        self.bar = ""  # how the last run went: '' | success | warning | danger
        self.show_progress = False
        self.said: Said | None = None  # the status line
        self.error: ValidationError | None = None  # shown next to the field it names
        self.file_error: ValidationError | None = None  # a file the importer found invalid
        self.jobs = Jobs("imports", user=lambda: ctx.username)
        self.jobs.crashed = self._crashed
        self.listeners: list[Callable[[str], None]] = []
        self._tick = 0.0

    # --- reading ----------------------------------------------------------------------------------

    def load(self) -> None:
        if self.allowed:
            self.products = catalog.list_products(self.ctx.conn(), active=True)
            self.menu_items = catalog.list_menu_items(self.ctx.conn(), active=True)

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    @property
    def thread(self) -> Any:
        return self.jobs.thread

    def mappings(self) -> tuple[str, ...]:
        return tuple(f"{name}={key}" for name, key in self.mapped.items() if key)

    def current_key(self) -> tuple | None:
        if not self.uploads:
            return None
        return job_key(self.kind, self.uploads, self.mappings(), self.create_missing)

    @property
    def can_confirm(self) -> bool:
        return not self.busy and self.previewed is not None and self.previewed == self.current_key()

    def shown_names(self) -> list[NameToMap]:
        """The names refused by the last run, plus the ones mapped since (kept after the preview
        that they fixed, so the confirm sends them too)."""
        shown = list(self.names)
        listed = {n.name for n in shown}
        for name in self.mapped:
            if name not in listed:
                shown.append(self.known.get(name, NameToMap(name, "")))
                listed.add(name)
        return shown

    def products_for(self, want: str) -> list:
        """The products a name of kind `want` ('bean', 'blend', '' = either) may map to."""
        return [p for p in self.products if want in ("", p.kind)]

    def choices_for(self, item: NameToMap) -> list[tuple[Any, str]]:
        """(record, key) pairs a name may map to: products ('blend:FULL-MOON'), or for a POS
        export's name the active menu items (by code, what `--map NAME=ITEM` takes)."""
        if item.kind == "item":
            order = {"cup": 0, "bag": 1, "wholesale": 2}
            ranked = sorted(self.menu_items, key=lambda m: (order.get(m["channel"], 3), m["id"]))
            return [(m, m["code"]) for m in ranked]
        return [(p, p.key) for p in self.products_for(item.kind)]

    # --- choosing ---------------------------------------------------------------------------------

    def reset(self, *, keep_mappings: bool = False) -> None:
        """New files or another kind: the last preview no longer vouches for anything."""
        self.previewed = None
        self.outcome = self.outcome_job = None
        self.names = []
        if not keep_mappings:
            self.mapped = {}
            self.known.clear()
        self.said = self.error = self.file_error = None
        self.show_progress = False

    def choose_kind(self, kind: str) -> None:
        if kind not in KINDS:
            return
        self.kind = kind
        self.uploads, self.upload_error = None, None
        self.create_missing = False
        self.reset()

    def set_files(self, files: Any) -> bool:
        """The upload widget's value (untrusted): checked now; False (and the bytes dropped) when
        it is refused, with the reason in `error`."""
        self.jobs.drain()
        self.reset()
        self.uploads, self.upload_error = None, None
        if not files:
            return True
        result = self.ctx.run(lambda: read_upload(files, self.kind), where="imports.upload")
        self.error, self.said = result.error, result.said
        if result.ok:
            self.uploads = result.value
            return True
        self.upload_error = ValidationError("file", "", "")
        return False

    def set_create_missing(self, value: bool) -> None:
        self.create_missing = bool(value)

    def map_name(self, name: str, product_key: str) -> None:
        """Map a name in the file to a product ('' = none); a new preview must vouch for it."""
        self.mapped[name] = product_key or ""
        if self.previewed is not None or self.outcome is not None:
            self.said = Said("info", "imp.stale")

    def forget_unoffered(self, name: str, offered: str) -> None:
        """A mapped product no longer offered is no longer chosen."""
        if name in self.mapped:
            self.mapped[name] = offered or ""

    # --- running ----------------------------------------------------------------------------------

    def preview(self, files: Any) -> bool:
        """Run the importer as a dry run (in a worker thread): nothing is written."""
        return self._start(files, dry_run=True)

    def confirm(self, files: Any) -> bool:
        """Run the import for real (in a worker thread), after a clean preview of the same files."""
        return self._start(files, dry_run=False)

    def _start(self, files: Any, *, dry_run: bool) -> bool:
        self.jobs.drain()
        if self.busy:
            return False

        def begin() -> Job:
            if self.kind not in KINDS:
                raise ValidationError("kind", "imp.err.choose_kind")
            uploads = read_upload(files, self.kind)
            job = Job(self.kind, tuple(uploads), self.mappings(), bool(self.create_missing), dry_run)
            if not dry_run and job.key != self.previewed:
                raise ValidationError("file", "imp.err.preview_first")
            return job

        result = self.ctx.run(begin, action="import", where="imports.start")
        self.error, self.said, self.file_error = result.error, result.said, None
        if not result.ok:
            return False
        job = result.value
        self.uploads = list(job.uploads)  # what the confirm will be compared with
        self.running = job
        self.pct, self._tick, self.bar, self.show_progress = -1, 0.0, "", True
        self.said = Said("info", "imp.running_preview" if dry_run else "imp.running_import")
        self.jobs.start(lambda progress: self._work(job, progress), done=self._finish, progress=self._progress)
        self._tell("started")  # its end comes later, on this thread: never before this
        return True

    def _work(self, job: Job, progress: Progress) -> tuple[Job, bool, Outcome | None]:
        """In the worker thread: the user and role checked again, then the run (own connection)."""
        result = self.ctx.run(
            lambda: execute(job, db_path=self.ctx.db_path, user=self.ctx.username, progress=progress),
            action="import",
            where=f"imports.{job.kind}",
        )
        return job, result.ok, result.value

    def _progress(self, done: int, total: int) -> None:
        """The importer's progress (worker thread), told at most every 0.1 s, and at 100 %."""
        pct = max(0, min(100, done * 100 // total)) if total and total > 0 else 0
        now = time.monotonic()
        if pct != self.pct and (pct == 100 or now - self._tick >= 0.1):
            self.pct, self._tick = pct, now
            self._tell("progress")

    def _finish(self, ended: tuple[Job, bool, Outcome | None]) -> None:
        """Back on the kernel's thread: keep what happened, tell the other tabs."""
        job, ok, outcome = ended
        self.running = None
        self.said = None
        if not ok or outcome is None:
            self.bar = "danger"
            self.said = Said("error", "err.unexpected" if self.ctx.can("import") else "err.denied")
        elif outcome.status == "invalid":
            self.bar = "danger"
            self.outcome = self.outcome_job = None
            self.previewed = None
            self.file_error = outcome.error
            self.said = Said("error", "form.fix")
        else:
            self._keep(job, outcome)
        self._tell("finished")
        if ok and outcome is not None and outcome.report is not None:
            if not job.dry_run and outcome.status == "ok" and outcome.report.changed:
                self._announce(outcome.report)

    def _keep(self, job: Job, outcome: Outcome) -> None:
        report = outcome.report
        assert report is not None
        self.outcome, self.outcome_job = outcome, job
        for item in outcome.names:
            self.known[item.name] = item
        self.names = outcome.names
        self.previewed = None
        rejected = f"{len(report.rejected):,}"
        if job.dry_run:
            if report.rejected:
                self.bar, self.said = "warning", Said("error", "imp.fix_first", {"n": rejected})
            elif report.changed:
                self.bar, self.previewed = "success", job.key
                self.said = Said("ok", "imp.ready")
            else:
                self.bar, self.said = "success", Said("info", "imp.nothing")
        elif outcome.status == "refused":
            self.bar, self.said = "danger", Said("error", "imp.refused", {"n": rejected})
        else:
            self.bar, self.mapped = "success", {}
            self.said = Said("ok", "imp.imported", {"summary": summary(report)})

    def _announce(self, report: ImportReport) -> None:
        kinds: set[str] = set()
        for entity, counts in report.counts.items():
            if counts.get("created", 0) + counts.get("updated", 0):
                kinds.update(CHANGES.get(entity, CHANGE_ORDER))
        if "catalog" in kinds or "menu" in kinds:
            self.load()
            self._tell("products")
        for what in CHANGE_ORDER:
            if what in kinds:
                self.ctx.changed(what, self.origin)

    def _crashed(self) -> None:
        self.running = None
        self.said = Said("error", "err.unexpected")
        self._tell("finished")

    def _tell(self, what: str) -> None:
        for listener in list(self.listeners):
            listener(what)

    def wait(self, timeout: float | None = 120) -> None:
        """Wait for the running job and finish it here (tests; a notebook without a loop)."""
        self.jobs.wait(timeout)


def summary(report: ImportReport) -> Said:
    """'72 new, 0 updated, 0 unchanged, 0 rejected'."""
    return Said(
        "",
        "imp.summary",
        {k: f"{report.total(k):,}" for k in ("created", "updated", "unchanged", "rejected")},
    )
