"""Run a report notebook with papermill and publish its .ipynb, .html and .xlsx atomically.

`run_report(name, period, params)`:

1. resolves the report and the period (`previous` / `current` become a concrete label) and
   checks `params` against the notebook's `parameters` cell — all before anything is written:
   a bad name, period or parameter raises `ValidationError` and leaves reports/ and the index
   untouched (a typo is not a failed run; `themoon health` must not turn unhealthy over one);
2. executes the notebook with papermill in this virtualenv's Python (a kernel spec that runs
   `sys.executable -m ipykernel_launcher`, whatever kernels the user has installed elsewhere;
   the kernel talks over Unix sockets in a private temp dir, never TCP), its working directory a
   hidden staging directory `reports/<name>/.staging-…/` where the notebook also writes the
   workbook of its tables (`xlsx_path`);
3. exports HTML without code (nbconvert's lab template minus its CDN scripts: plotly.js is
   embedded by the notebook, so the file works offline), and prints the same page to an A4 PDF
   with Debian's Chromium, offline (`themoon.reports.pdf`; a PDF that cannot be printed leaves
   the run published without it and says why in the entry's `pdf_error`);
4. publishes by renaming the staging directory to `reports/<name>/<period>/` (an existing
   report of that period is swapped out and removed), so readers see the old report, or the
   new one complete — never a half-written file;
5. on failure keeps the executed (failed) notebook as `<name>_<period>.failed.ipynb` next to
   `<name>_<period>.error.txt` in `reports/<name>/<period>/` (a published report there is left
   untouched), and
6. records the run in `reports/index.json` either way (`index.record_run`).

It returns the index entry (`status` "ok" or "failed", `exit_code` 0, 1 or 2) with the absolute
paths of its files (`html_path`, `xlsx_path`, `ipynb_path`; `failed_ipynb_path`, `error_path`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .. import config
from ..durable import fsync_dir, fsync_file
from . import index, registry
from .periods import parse_period

Progress = Callable[[int, int], None]  # progress(done, total), like themoon.io
KERNEL_NAME = "python3"
START_TIMEOUT_S = 120
CELL_TIMEOUT_S = 1800
STALE_STAGING_S = 6 * 3600
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def safe_label(label: str) -> str:
    """The directory name for a period label: itself when harmless, else 'invalid'."""
    return label if _SAFE.match(label) else "invalid"


def _now() -> datetime:
    return datetime.now().astimezone()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S")


def run_report(
    name: str,
    period: str | None = None,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
    *,
    db: str | os.PathLike | None = None,
    reports_root: str | os.PathLike | None = None,
    trigger: str = "manual",
    today: date | None = None,
) -> dict[str, Any]:
    """Run one report for one period; returns its index entry (never raises for a failed run;
    raises ValidationError for bad input — name, period, parameters — before writing anything)."""
    spec = registry.resolve(name)
    period_text = "previous" if period is None or str(period).strip() == "" else str(period).strip()
    label = parse_period(period_text, spec.period_kind, today=today).label
    parameters = registry.check_parameters(spec, params)
    root = index.reports_root(reports_root).resolve()
    started = _now()
    clock = time.perf_counter()
    directory = root / spec.name / safe_label(label)
    stem = f"{spec.name}_{directory.name}"
    db_path = str(Path(config.db_path(db)).resolve())
    entry: dict[str, Any] = {
        "id": f"{_stamp(started)}-{spec.name}-{directory.name}-{uuid.uuid4().hex[:4]}",
        "name": spec.name,
        "title": spec.title,
        "period": label,
        "parameters": {"db_path": db_path, "period": label},
        "trigger": trigger,
        "started_at": started.isoformat(timespec="seconds"),
    }
    entry["parameters"].update(parameters)

    _remove_stale(root / spec.name)
    staging = root / spec.name / f".staging-{directory.name}-{_stamp(started)}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    notebook_out = staging / f"{stem}.ipynb"
    steps = _Steps(progress)
    workbook = staging / f"{stem}.xlsx"
    try:
        try:
            executed = _execute(
                spec.notebook,
                notebook_out,
                {**parameters, "db_path": db_path, "period": label, "xlsx_path": str(workbook)},
                cwd=staging,
                steps=steps,
            )
            if not workbook.is_file():
                raise RuntimeError(f"the notebook did not write its workbook ({workbook.name})")
            title = f"{spec.title_ko if _lang(parameters) == 'ko' else spec.title} {label}"
            _export_html(executed, staging / f"{stem}.html", title)
            pdf_error = _try_pdf(executed, staging / f"{stem}.pdf", title)
            steps.step()
            with index.locked(directory.parent / ".publish.lock"):
                _publish(staging, directory)
        except BaseException as error:  # noqa: BLE001 - every failure is recorded, interrupts re-raised
            files = _keep_failure(staging, notebook_out, directory, stem, error)
            entry["files"] = {k: str(v.relative_to(root)) for k, v in files.items()}
            result = _finish(entry, clock, root, status="failed", error=_one_line(error), exit_code=1)
            if not isinstance(error, Exception):
                raise
            return result
        steps.step()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    kinds = ("ipynb", "html", "xlsx") if pdf_error else ("ipynb", "html", "pdf", "xlsx")
    entry["files"] = {kind: f"{spec.name}/{directory.name}/{stem}.{kind}" for kind in kinds}
    if pdf_error:
        entry["pdf_error"] = pdf_error
    return _finish(entry, clock, root, status="ok", error=None, exit_code=0)


def _finish(
    entry: dict[str, Any], clock: float, root: Path, *, status: str, error: str | None, exit_code: int
) -> dict[str, Any]:
    entry.setdefault("files", {})
    entry.update(
        finished_at=_now().isoformat(timespec="seconds"),
        duration_seconds=round(time.perf_counter() - clock, 2),
        status=status,
        error=error,
        exit_code=exit_code,
    )
    index.record_run(entry, root)
    _log(entry)
    return index.with_paths(entry, root)


def _log(entry: dict[str, Any]) -> None:
    import logging

    from ..ops import logs

    if not logging.getLogger("themoon").hasHandlers():
        return  # logging is not set up (a notebook, a test): say nothing rather than on stderr
    ok = entry["status"] == "ok"
    logs.event(
        "report.finished" if ok else "report.failed",
        logging.INFO if ok else logging.ERROR,
        logger="reports",
        report=entry["name"],
        period=entry["period"],
        trigger=entry["trigger"],
        seconds=entry["duration_seconds"],
        error=entry["error"],
    )


def _one_line(error: BaseException) -> str:
    """The last line of a notebook traceback (papermill puts the cell's error there) or the error."""
    text = str(error).strip()
    name = getattr(error, "ename", None)
    value = getattr(error, "evalue", None)
    if name:
        text = f"{name}: {value}"
    elif not text:
        text = type(error).__name__
    return " ".join(text.split())[:500]


class _Steps:
    """Counts the steps of a run for a `progress(done, total)` callback: the notebook's cells
    (known once papermill has injected the parameters), the HTML export and the publishing."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback = callback
        self.done = 0
        self.total = 0

    def start(self, cells: int) -> None:
        self.total = cells + 2
        self._report()

    def step(self) -> None:
        self.done += 1
        self._report()

    def _report(self) -> None:
        if self.callback is None:
            return
        try:
            self.callback(self.done, max(self.total, self.done))
        except Exception:  # noqa: BLE001 - a broken progress display must not fail the report
            pass


# --- papermill ---------------------------------------------------------------------------------------


def _engine_name() -> str:
    """Register (once) papermill's nbclient engine with a per-cell progress callback."""
    from papermill.engines import NBClientEngine, papermill_engines

    if "themoon" not in papermill_engines._engines:

        class ThemoonEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, steps=None, **kwargs):
                if steps is not None:
                    steps.start(len(nb_man.nb.cells))
                    original = nb_man.cell_complete

                    def cell_complete(cell, cell_index=None, **kw):
                        original(cell, cell_index=cell_index, **kw)
                        steps.step()

                    nb_man.cell_complete = cell_complete
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

        papermill_engines.register("themoon", ThemoonEngine)
    return "themoon"


def kernel_manager_class(socket_dir: Path) -> type:
    """An AsyncKernelManager that starts this interpreter's ipykernel over Unix sockets in
    `socket_dir` (no TCP port, no kernel spec lookup)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class VenvKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (ipykernel)",
                language="python",
                resource_dir="",
            )

    class VenvKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(socket_dir / "kernel"))
            kwargs.setdefault("kernel_spec_manager", VenvKernelSpecs())
            super().__init__(**kwargs)

    return VenvKernelManager


def _execute(notebook: Path, output: Path, parameters: dict[str, Any], *, cwd: Path, steps: _Steps):
    """Run the notebook with papermill into `output`; returns the executed notebook node."""
    import papermill

    socket_dir = Path(tempfile.mkdtemp(prefix="themoon-kernel-"))
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            engine_name=_engine_name(),
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,  # one save at the end: the outputs hold plotly.js (5 MB)
            start_timeout=START_TIMEOUT_S,
            execution_timeout=CELL_TIMEOUT_S,
            cwd=str(cwd),
            steps=steps,
            kernel_manager_class=kernel_manager_class(socket_dir),
        )
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)


# --- HTML ----------------------------------------------------------------------------------------------

# nbconvert's lab template loads require.js, MathJax and mermaid from CDNs: report pages need none
# of them (plotly.js is embedded in the outputs), so the blocks are emptied.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{% block extra_css %}<style>
body { max-width: 1200px; margin: 0 auto; }
.jp-Cell { padding: 2px 0; }
.themoon-letter { font-size: 15px; line-height: 1.5; background: #f6f3ea; border-left: 4px solid #c9a227;
  padding: 6px 14px; margin: 8px 0 16px 0; }
.themoon-letter ul { margin: 4px 0; padding-left: 18px; }
h2.themoon-section { border-bottom: 2px solid #e8e2d0; padding-bottom: 4px; margin-top: 28px; }
@page { size: A4 portrait; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  .jp-Cell, .jp-OutputArea-output { padding: 0; margin: 0; }
  .jp-OutputArea-child { break-inside: auto; }
  h1.themoon-title { margin-top: 0; }
  h2.themoon-section { break-before: page; margin-top: 0; }
  h3 { break-after: avoid; }
  .themoon-letter { break-inside: avoid; }
  .plotly-graph-div, .js-plotly-plot { break-inside: avoid; max-width: 100%; }
  div.themoon-scroll { overflow: visible !important; }
  div.themoon-scroll table.themoon-table { font-size: 8.5pt !important; width: 100%; }
  div.themoon-scroll table.themoon-table.themoon-table--wide { font-size: 7pt !important; }
  div.themoon-scroll table.themoon-table th, div.themoon-scroll table.themoon-table td {
    white-space: normal !important; padding: 2px 4px !important; }
  div.themoon-scroll table.themoon-table td.num { white-space: nowrap !important; }
  div.themoon-scroll table.themoon-table td:first-child { min-width: 9em; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
</style>{% endblock extra_css %}
"""


def _exporter_options() -> dict[str, Any]:
    """What the HTML and the PDF exporters share: our template, no code, images embedded."""
    from jinja2 import DictLoader

    return {
        "template_name": "lab",
        "template_file": "themoon_report.html.j2",
        "extra_loaders": [DictLoader({"themoon_report.html.j2": _TEMPLATE})],
        "exclude_input": True,
        "exclude_input_prompt": True,
        "exclude_output_prompt": True,
        "embed_images": True,
    }


def html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(**_exporter_options())


def _titled(notebook: Any, title: str) -> Any:
    """A copy of the notebook (a path or a node) whose page <title> is `title` (the notebook's own
    is the report's bare name)."""
    import copy

    import nbformat

    if isinstance(notebook, str | os.PathLike):
        node = nbformat.read(str(notebook), as_version=4)
    else:
        node = copy.copy(notebook)
        node.metadata = copy.deepcopy(notebook.metadata)
    node.metadata["title"] = title
    return node


def export_html(notebook: Any, target: Path, title: str) -> Path:
    """The executed notebook (a path or a notebook node) as a self-contained HTML page without code."""
    body, _ = html_exporter().from_notebook_node(_titled(notebook, title), resources={"metadata": {"name": title}})
    target.write_text(body, encoding="utf-8")
    return target


def export_pdf(notebook: Any, target: Path, title: str) -> Path:
    """The executed notebook printed to an A4 PDF by Debian's Chromium, offline (themoon.reports.pdf)."""
    from .pdf import export_pdf as print_pdf

    return print_pdf(_exporter_options(), _titled(notebook, title), target, {"metadata": {"name": title}})


_export_html = export_html
_export_pdf = export_pdf


def _lang(parameters: dict[str, Any]) -> str:
    """The language the report is written in (its `lang` parameter, else THEMOON_LANG, else English)."""
    from .. import messages

    given = parameters.get("lang")
    return messages.normalize(given) if given else messages.default_lang()


def _try_pdf(notebook: Any, target: Path, title: str) -> str | None:
    """Print the PDF; None when it was written, else why not (the run still publishes its HTML and
    workbook: a host without Chromium keeps its reports, and the index says what is missing)."""
    try:
        _export_pdf(notebook, target, title)
    except Exception as error:  # noqa: BLE001 - the PDF is a copy of the HTML; its failure is recorded
        target.unlink(missing_ok=True)
        return f"pdf: {_one_line(error)}"
    return None


# --- publishing ----------------------------------------------------------------------------------------


def _publish(staging: Path, directory: Path) -> None:
    """Rename the staging directory into place; an existing report directory is swapped out."""
    for path in staging.iterdir():
        fsync_file(path)
    fsync_dir(staging)
    if directory.exists():
        old = directory.parent / f".old-{directory.name}-{uuid.uuid4().hex[:8]}"
        os.rename(directory, old)
        os.rename(staging, directory)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, directory)
    fsync_dir(directory.parent)


def _keep_failure(staging: Path, notebook: Path, directory: Path, stem: str, error: BaseException) -> dict[str, Path]:
    """Move the failed notebook (if papermill wrote one) and an error file into `directory`."""
    kept: dict[str, Path] = {}
    with index.locked(directory.parent / ".publish.lock"):
        directory.mkdir(parents=True, exist_ok=True)
        if notebook.is_file():
            target = directory / f"{stem}.failed.ipynb"
            os.replace(notebook, target)
            kept["failed_ipynb"] = target
        text = f"report {stem} failed at {_now().isoformat(timespec='seconds')}\n\n{_one_line(error)}\n\n" + "".join(
            traceback.format_exception(type(error), error, error.__traceback__)
        )
        target = directory / f"{stem}.error.txt"
        index.write_atomic(target, text.encode("utf-8"))
        kept["error"] = target
    return kept


def _remove_stale(directory: Path) -> None:
    """Staging / swapped-out directories left by a run that was killed (older than 6 h)."""
    if not directory.is_dir():
        return
    limit = time.time() - STALE_STAGING_S
    for path in directory.iterdir():
        if path.name.startswith((".staging-", ".old-")) and path.is_dir():
            try:
                if path.stat().st_mtime < limit:
                    shutil.rmtree(path, ignore_errors=True)
            except FileNotFoundError:
                pass
