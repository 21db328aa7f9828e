"""`themoon report NAME …`, `themoon report list` and `themoon schedule install`.

`themoon.cli.build_parser` calls `register(sub, command, group)` with its top-level subparsers
and its `command(parent, name, handler, help_, json_out=False)` / `group(name, help_)` helpers.
Exit status of `themoon report`: 0 done, 1 the notebook failed (its failed notebook and an error
file are kept, the run is in reports/index.json), 2 bad input (unknown report or parameter).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..cli_output import print_json
from .registry import REPORTS


def skip_slow_format_checker() -> None:
    """papermill → nbformat → jsonschema imports `rfc3987_syntax` when it is installed (an extra
    of jupyter_events), which compiles 38 Lark grammars for jsonschema's optional "iri" format
    check: 1.5–4 s of every `themoon report`, for a check nbformat never makes. This process only
    runs a report, so it goes without (jsonschema skips that checker on ImportError)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def check_report(args: argparse.Namespace) -> None:
    """Everything `themoon report` is given, checked before papermill starts or anything is
    written (reports/, reports/index.json, logs): the name, the period for that report's kind,
    each -p against the notebook's parameters cell, --limit, and the folders."""
    from .. import checks, config
    from .periods import parse_period
    from .registry import check_parameters, resolve

    checks.not_a_file("reports_dir", args.reports_dir or config.reports_dir())
    if args.name == "list":
        checks.bounded_int("limit", args.limit, 1, 100_000)
        return
    spec = resolve(args.name)
    parse_period("previous" if args.period in (None, "") else args.period, spec.period_kind)
    check_parameters(spec, {key: value for key, value in (args.parameter or [])})
    checks.existing_db("db", config.db_path(args.db))


def cmd_report(args: argparse.Namespace) -> int:
    from .. import config
    from ..io.cli import progress_bar
    from ..ops import logs

    if args.name == "list":
        return _list(args)
    logs.setup()
    skip_slow_format_checker()
    from .runner import run_report

    params = {key: value for key, value in (args.parameter or [])}
    with progress_bar(f"report {args.name}", unit="step", dynamic_ncols=False) as progress:
        entry = run_report(
            args.name,
            args.period,
            params,
            progress,
            db=args.db,
            reports_root=args.reports_dir,
            trigger="schedule" if args.scheduled else "cli",
        )
    if args.json:
        print_json(entry)
    root = args.reports_dir or config.reports_dir()
    if entry["status"] == "ok":
        if not args.json:
            print(f"{entry['name']} {entry['period']}: done in {entry['duration_seconds']:.1f} s")
            for kind in ("html", "xlsx", "ipynb"):
                print(f"  {kind:<5} {root}/{entry['files'][kind]}")
        return 0
    print(f"error: report {entry['name']} {entry['period']} failed: {entry['error']}", file=sys.stderr)
    for kind, path in entry.get("files", {}).items():
        print(f"  {kind:<12} {root}/{path}", file=sys.stderr)
    return int(entry.get("exit_code") or 1)


def _list(args: argparse.Namespace) -> int:
    from .index import list_reports

    rows = list_reports(args.reports_dir, limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("(no report has run yet)")
        return 0
    for row in rows:
        where = row.get("html_path") or row.get("error_path") or "-"
        print(
            f"{row.get('finished_at', '-'):<25}  {row.get('name', '?'):<16} {row.get('period', '?'):<10} "
            f"{row.get('status', '?'):<7} {row.get('duration_seconds', 0):>7.1f} s  {where}"
        )
    return 0


def check_schedule(args: argparse.Namespace) -> None:
    """The values written into systemd units and cron lines: plain absolute paths and a plain
    user name, so nothing given here can add a line or a shell command to them."""
    from .. import checks

    checks.safe_path("root", args.root)
    checks.safe_path("data_dir", args.data_dir)
    checks.safe_user("service_user", args.service_user)
    checks.not_a_file("dir", args.dir)


def cmd_schedule_install(args: argparse.Namespace) -> int:
    from . import schedule

    options = {"root": args.root, "user": args.service_user, "data": args.data_dir}
    if args.print:
        for relative, text in schedule.render(**options).items():
            print(f"# ===== deploy/{relative} =====")
            print(text)
        print("# nightly backup: deploy/systemd/themoon-backup.service + .timer (already in the repository)")
        print("# ===== to enable =====")
        print("\n".join(f"# {line}" for line in schedule.enable_instructions(args.dir).splitlines()))
        return 0
    for path, changed in schedule.install(args.dir, **options):
        print(f"{'wrote    ' if changed else 'unchanged'} {path}")
    print("nightly backup: themoon-backup.service + .timer (in deploy/systemd already)")
    print(schedule.enable_instructions(args.dir))
    return 0


def register(sub: Any, command: Any, group: Any) -> None:
    """Add `report` and `schedule install` to the themoon parser (cli.py's helpers)."""
    names = [*REPORTS, *(alias for spec in REPORTS.values() for alias in spec.aliases), "list"]
    p = command(
        sub,
        "report",
        cmd_report,
        "run a report notebook (monthly_cost, weekly_roasting, inventory) into reports/<name>/<period>/; "
        "`report list` shows past runs",
        json_out=True,
    )
    p.set_defaults(check=check_report)
    p.add_argument("name", choices=names, metavar="NAME", help=f"one of {', '.join(REPORTS)}, or list")
    p.add_argument(
        "--period",
        help="2026-10 (monthly), 2026-W43 (weekly), 2026-10-31 (inventory), or previous (default) / current",
    )
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("KEY", "VALUE"),
        help="a notebook parameter (repeatable), e.g. -p trend_months 24; see `papermill --help-notebook`",
    )
    p.add_argument("--reports-dir", dest="reports_dir", help="default $THEMOON_REPORTS_DIR or reports/")
    p.add_argument("--scheduled", action="store_true", help="record the run as started by a schedule")
    p.add_argument("--limit", type=int, default=30, help="with `list`: how many runs (newest first)")

    schedules = group("schedule", "cron lines and systemd timers for the reports and the nightly backup")
    p = command(
        schedules,
        "install",
        cmd_schedule_install,
        "write deploy/cron/themoon and deploy/systemd/themoon-report-*.{service,timer} (or --print them)",
    )
    p.set_defaults(check=check_schedule)
    p.add_argument("--print", action="store_true", help="print the files and how to enable them; write nothing")
    p.add_argument("--dir", help="where to write (default: deploy/ of the project)")
    p.add_argument("--root", default="/opt/themoon", help="where themoon is installed on the host")
    p.add_argument("--service-user", dest="service_user", default="themoon", help="the user the jobs run as")
    p.add_argument("--data-dir", dest="data_dir", default="/var/lib/themoon", help="THEMOON_DATA_DIR on the host")
