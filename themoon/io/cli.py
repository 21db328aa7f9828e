"""`themoon import …` / `themoon export …` commands for the file importers and exporters.

`themoon.cli.build_parser` calls `register(imports, exports, command)` with the `import` group's
subparsers, the `export` group's subparsers and its `command(parent, name, handler, help_,
json_out=False)` helper. Every import takes `--dry-run`; a refused import prints its report,
one error line on stderr, and exits with status 2 (nothing written). Progress goes to stderr
(a tqdm bar when stderr is a terminal).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import config, db
from ..cli_output import print_json, wants_json
from .outcome import ImportRejected, ImportReport, Progress


@contextmanager
def progress_bar(description: str, *, unit: str = "row", dynamic_ncols: bool = True) -> Iterator[Progress]:
    """A `progress(done, total)` callback drawing a tqdm bar on stderr (silent when not a TTY);
    the imports' and exports' (rows) and `themoon report`'s (steps)."""
    from tqdm import tqdm

    bar = tqdm(
        total=0, desc=description, unit=unit, file=sys.stderr, disable=None, leave=False, dynamic_ncols=dynamic_ncols
    )

    def update(done: int, total: int) -> None:
        if bar.disable:
            return
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def _connect(args: argparse.Namespace):
    return db.connect(config.db_path(args.db))


def _show(args: argparse.Namespace, report: ImportReport) -> None:
    if wants_json(args):
        print_json(report.as_dict())
    else:
        print(report.text(config.language()))


def _run_import(
    args: argparse.Namespace, description: str, importer: Callable[..., ImportReport], source: Any, **options: Any
) -> int:
    """`importer(conn, source, dry_run=, progress=, user=, **options)` with a progress bar; its report
    on stdout; exit status 2 when it is refused or a dry run has rejected rows."""
    conn = _connect(args)
    try:
        with progress_bar(description) as progress:
            report = importer(conn, source, dry_run=args.dry_run, progress=progress, user=args.user, **options)
    except ImportRejected as refused:
        _show(args, refused.report)
        print(f"error: {refused.text(config.language())}", file=sys.stderr)
        return 2
    finally:
        conn.close()
    _show(args, report)
    if report.dry_run and report.rejected:
        print(f"dry run: {len(report.rejected):,} rejected rows — a real run would be refused", file=sys.stderr)
        return 2
    return 0


def cmd_import_excel(args: argparse.Namespace) -> int:
    from . import excel

    return _run_import(args, "excel", excel.import_workbook, args.path)


def cmd_import_menu(args: argparse.Namespace) -> int:
    from . import menu

    return _run_import(args, "menu", menu.import_menu, args.path, mappings=args.map, sheets=args.sheet)


def cmd_import_workbook(args: argparse.Namespace) -> int:
    from . import workbook

    return _run_import(
        args,
        "workbook",
        workbook.import_cafe_workbook,
        args.path,
        mappings=args.map,
        create_missing=args.create_missing,
    )


def cmd_import_artisan(args: argparse.Namespace) -> int:
    from ..models import ValidationError
    from . import artisan

    if not args.paths and not args.map:
        raise ValidationError("paths", "io.give_alog_files_or_folders_or")
    return _run_import(args, "artisan", artisan.import_artisan, args.paths, mappings=args.map)


def cmd_export_excel(args: argparse.Namespace) -> int:
    from . import excel

    conn = _connect(args)
    try:
        with progress_bar("export") as progress:
            written = excel.export_workbook(conn, args.path, progress=progress)
    finally:
        conn.close()
    print(f"wrote {args.path}: " + ", ".join(f"{sheet} {n:,}" for sheet, n in written.items()))
    return 0


def cmd_export_csv(args: argparse.Namespace) -> int:
    from . import excel

    conn = _connect(args)
    try:
        count = excel.export_csv(conn, args.table, args.path)
    finally:
        conn.close()
    print(f"wrote {args.path}: {count:,} rows of {args.table}")
    return 0


# --- checks made before any work (nothing is opened or created when one fails) ------------------


def check_import_file(args: argparse.Namespace) -> None:
    from ..checks import existing_file

    existing_file("path", args.path)


def check_import_artisan(args: argparse.Namespace) -> None:
    from ..models import ValidationError

    for path in args.paths or []:
        if not os.path.exists(path):
            raise ValidationError("paths", "io.does_not_exist", path=path)


def check_export(args: argparse.Namespace) -> None:
    from ..checks import existing_db, output_file

    database = config.db_path(args.db)
    existing_db("db", database)
    suffixes = (".xlsx",) if getattr(args, "table", None) is None else (".csv", ".txt")
    output_file("path", args.path, suffixes, protect=database)


def register(imports: Any, exports: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `import excel|menu|workbook|artisan` and `export excel|csv` to the themoon parser."""
    from .excel import SHEETS

    def importer(
        name: str, handler: Callable[[argparse.Namespace], int], help_: str, *, mapped: bool = True
    ) -> argparse.ArgumentParser:
        """`import NAME`: its file check, the file (the Artisan logs: files or folders), --dry-run, --map."""
        p = command(imports, name, handler, help_, json_out=True)
        if name == "artisan":
            p.set_defaults(check=check_import_artisan)
            p.add_argument("paths", nargs="*", metavar="PATH")
        else:
            p.set_defaults(check=check_import_file)
            p.add_argument("path")
        p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
        if mapped:
            p.add_argument(
                "--map",
                action="append",
                metavar="NAME=PRODUCT",
                help="map a name in the file to a bean/blend code (stored, asked once); repeatable",
            )
        return p

    importer("excel", cmd_import_excel, "import a workbook in themoon's own export format", mapped=False)
    p = importer("menu", cmd_import_menu, "import bean and drink prices from the café's menu workbook")
    p.add_argument("--sheet", action="append", help="read only these sheets (default: price lists + newest boards)")
    help_ = "import beans, blend recipes and the yield from the café's roasting-log / analysis workbook"
    p = importer("workbook", cmd_import_workbook, help_)
    p.add_argument("--create-missing", action="store_true", help="create beans/blends the database does not have")
    importer("artisan", cmd_import_artisan, "import Artisan roast logs (.alog files or folders)")

    if exports is None:
        return
    p = command(exports, "excel", cmd_export_excel, "export the whole database to one .xlsx (re-importable)")
    p.set_defaults(check=check_export)
    p.add_argument("path")
    p = command(exports, "csv", cmd_export_csv, "export one table as CSV (UTF-8 with BOM)")
    p.set_defaults(check=check_export)
    p.add_argument("table", choices=list(SHEETS))
    p.add_argument("path")
