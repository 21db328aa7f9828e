"""`themoon import sales`, `themoon sales list`, `themoon profit`: sales and profit on the command line.

`themoon.cli.build_parser` calls `register(sub, imports, command, group)`. Every value is
checked before any work (exit 2, one line naming the field and the rule); the import shares the
other importers' runner (`io.cli._run_import`: progress bar, report, exit 2 when refused).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any

from . import checks, config, db, sales
from .cli_output import emit, print_json
from .messages import text
from .models import ValidationError, parse_date, parse_int

SALES_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


# --- checks (before any work) -------------------------------------------------------------------------


def check_import(args: argparse.Namespace) -> None:
    path = checks.existing_file("path", args.path)
    if path.suffix.lower() not in SALES_SUFFIXES:
        raise ValidationError("path", "sales.file_type")
    sales.parse_source(args.source)
    for item in args.map or []:
        sales.split_mapping(item)


def _dates(args: argparse.Namespace) -> tuple[date | None, date | None]:
    since = parse_date("since", args.since, today=date.max) if args.since else None
    until = parse_date("until", args.until, today=date.max) if args.until else None
    if since and until and since > until:
        raise ValidationError("since", "sales.since_after_until", until=until.isoformat())
    return since, until


def check_list(args: argparse.Namespace) -> None:
    _dates(args)
    if args.source is not None:
        sales.parse_source(args.source)
    parse_int("limit", args.limit, minimum=1, maximum=10_000_000)


def check_profit(args: argparse.Namespace) -> None:
    sales.parse_period("period", args.period)


# --- commands --------------------------------------------------------------------------------------------


def cmd_import_sales(args: argparse.Namespace) -> int:
    from .io.cli import _run_import
    from .io.sales import import_sales

    def importer(conn: Any, path: Any, **options: Any) -> Any:  # the runner's own argument is named source
        return import_sales(conn, path, source=args.source, **options)

    return _run_import(args, "sales", importer, args.path, mappings=args.map)


def cmd_sales_list(args: argparse.Namespace) -> int:
    since, until = _dates(args)
    conn = db.connect(config.db_path(args.db))
    try:
        rows = sales.list_sales(conn, since=since, until=until, source=args.source, limit=args.limit)
    finally:
        conn.close()
    if not rows and not args.json:
        print(text("sales.none", config.language()))
        return 0
    emit(args, rows, ["sold_on", "source", "item", "channel", "qty", "gross_won", "discount_won", "net_won"])
    return 0


def cmd_profit(args: argparse.Namespace) -> int:
    from .analytics import Analytics

    first, last = sales.parse_period("period", args.period)
    path = config.db_path(args.db)
    db.connect(path).close()  # the store as every command opens it (made, migrated)
    with Analytics(path) as engine:  # the analytics engine; sales.period_profit is its store-side reference
        result = engine.period_profit(first, last)
    if args.json:
        print_json(result)
        return 0
    print(text("sales.profit_title", config.language(), period=args.period))
    emit(args, {k: v for k, v in result.items() if k not in ("items", "reconciliation")})
    print()
    emit(args, result["items"])
    print()
    emit(args, result["reconciliation"])
    return 0


# --- parser ----------------------------------------------------------------------------------------------


def register(
    sub: Any, imports: Any, command: Callable[..., argparse.ArgumentParser], group: Callable[..., Any]
) -> None:
    """Add `import sales`, `sales list` and `profit` to the themoon parser."""
    p = command(imports, "sales", cmd_import_sales, "import a POS sales export (.csv or .xlsx)", json_out=True)
    p.set_defaults(check=check_import)
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.add_argument(
        "--map",
        action="append",
        metavar="POS NAME=ITEM",
        help="map a name on the till to a menu item code (stored for the source, asked once); repeatable",
    )
    p.add_argument("--source", default=sales.DEFAULT_SOURCE, help="the till or export this file comes from")

    listing = group("sales", "what the till sold, per day and menu item")
    p = command(listing, "list", cmd_sales_list, "list sales per day and menu item", json_out=True)
    p.set_defaults(check=check_list)
    p.add_argument("--since")
    p.add_argument("--until")
    p.add_argument("--source")
    p.add_argument("--limit", default=100_000)

    p = command(sub, "profit", cmd_profit, "revenue, cost of goods sold, gross profit, ROI of a month", json_out=True)
    p.set_defaults(check=check_profit)
    p.add_argument("--period", required=True, help="the month, YYYY-MM")
