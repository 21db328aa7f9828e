"""The `themoon` command: the package API on the command line.

Every command takes `--db PATH` (default $THEMOON_DB, else data/themoon.db). Bad input prints
one line on stderr naming the field and the rule and exits with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import date

from . import catalog, checks, config, db, users
from .cli_commands import (
    SETTINGS_FIELDS,
    _preheat_default,
    cmd_bean_add,
    cmd_bean_edit,
    cmd_bean_list,
    cmd_blend_add,
    cmd_blend_list,
    cmd_cost,
    cmd_demo,
    cmd_import_legacy,
    cmd_init,
    cmd_menu_add,
    cmd_menu_deactivate,
    cmd_menu_edit,
    cmd_menu_list,
    cmd_purchase_add,
    cmd_purchase_list,
    cmd_roast_add,
    cmd_roast_delete,
    cmd_roast_list,
    cmd_serve,
    cmd_settings_session,
    cmd_settings_set,
    cmd_settings_show,
    cmd_stock,
    cmd_stocktake,
    cmd_user_add,
    cmd_user_list,
    cmd_user_locks,
    cmd_user_set,
    cmd_user_unlock,
)
from .models import ValidationError, parse_date

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the argument and the rule, exit 2 (the
    same shape as every other refusal); `--help` still prints the full usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message}\n")


# Commands that may run without an existing database (they create one, read files only, or
# report that it is missing themselves); every other command refuses a --db that is not there.
NO_DB_NEEDED = {"init", "demo", "serve", "import", "backup", "restore", "health", "metrics", "schedule"}


def check_common(args: argparse.Namespace) -> None:
    """Before any command: --db names an existing database unless the command may create one."""
    if args.command in NO_DB_NEEDED or (args.command == "report" and getattr(args, "name", None) == "list"):
        return
    checks.existing_db("db", config.db_path(args.db))


# --- checks made before any work (themoon/checks.py) -------------------------------------------


def check_demo(args: argparse.Namespace) -> None:
    checks.bounded_int("months", args.months, 1, 240)
    checks.bounded_int("seed", args.seed, 0, 2**31 - 1)
    if args.batches is not None:
        checks.bounded_int("batches", args.batches, 1, 20_000_000)
    path = config.db_path(args.db)
    if path.is_dir():
        raise ValidationError("db", "error.is_a_directory_not_a_database", path=path)


def check_serve(args: argparse.Namespace) -> None:
    checks.bounded_int("port", args.port, 1, 65535)
    checks.bounded_int("preheat", args.preheat, 0, 32)


def check_limit(args: argparse.Namespace) -> None:
    checks.bounded_int("limit", args.limit, 1, 1_000_000)


def check_roast_list(args: argparse.Namespace) -> None:
    check_limit(args)
    checks.optional_date("since", args.since)
    if args.until:
        parse_date("until", args.until, today=date.max)


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument("--db", help="database file (default: $THEMOON_DB or data/themoon.db)")
    common.add_argument("--user", default="cli", help="name recorded in the audit log")
    as_json = Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")

    parser = Parser(prog="themoon", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent, name: str, handler: Handler, help_: str, *, json_out: bool = False):
        parents = [common, as_json] if json_out else [common]
        p = parent.add_parser(name, parents=parents, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    def group(name: str, help_: str):
        g = sub.add_parser(name, help=help_, description=help_)
        return g.add_subparsers(dest="action", required=True, metavar="ACTION")

    command(sub, "init", cmd_init, "create or migrate the database")
    p = command(
        sub, "demo", cmd_demo, "build the demo database (the café's data + 18 months of history)", json_out=True
    )
    p.set_defaults(check=check_demo)
    p.add_argument("--months", type=int, default=18)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--force", action="store_true", help="replace an existing database")
    p.add_argument(
        "--batches", type=int, help="instead of --months: a large database of N batches for benchmarks (bulk-written)"
    )
    p = command(sub, "serve", cmd_serve, "serve the dashboard with Voilà")
    p.set_defaults(check=check_serve)
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--token",
        default=os.environ.get("THEMOON_TOKEN") or None,
        help="access token, default $THEMOON_TOKEN (required when serving beyond 127.0.0.1)",
    )
    p.add_argument(
        "--preheat",
        type=int,
        default=_preheat_default(),
        metavar="N",
        help="kernels kept ready with the dashboard built, so a page opens without waiting for one to start "
        "(default $THEMOON_PREHEAT, else 1; 0 starts a kernel per page)",
    )
    p.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a reverse proxy publishes this server: refuse to start without a token or a password hash "
        "(also $THEMOON_BEHIND_PROXY=1)",
    )

    beans = group("bean", "green-coffee beans")
    for name, handler, help_ in (("add", cmd_bean_add, "add a bean"), ("edit", cmd_bean_edit, "edit a bean")):
        p = command(beans, name, handler, help_, json_out=True)
        if name == "edit":
            p.add_argument("bean", help="code or name of the bean")
            p.add_argument("--code")
            p.add_argument("--name-en", dest="name_en")
            p.add_argument("--active", help="yes/no")
        else:
            p.add_argument("--code", required=True)
            p.add_argument("--name-en", dest="name_en", required=True)
        p.add_argument("--name-ko", dest="name_ko")
        p.add_argument("--country")
        p.add_argument("--process")
        p.add_argument("--roast-level", dest="roast_level")
        p.add_argument("--reorder-point-g", dest="reorder_point_g")
        p.add_argument("--expected-loss-pct", dest="expected_loss_pct")
        p.add_argument("--notes")
    p = command(beans, "list", cmd_bean_list, "list beans", json_out=True)
    p.add_argument("--search")
    p.add_argument("--all", action="store_true", help="include inactive beans")

    blends = group("blend", "blends and their recipes in parts")
    p = command(blends, "add", cmd_blend_add, "add a blend", json_out=True)
    p.add_argument("--code", required=True)
    p.add_argument("--name-en", dest="name_en", required=True)
    p.add_argument("--name-ko", dest="name_ko")
    p.add_argument("--description")
    p.add_argument("--expected-loss-pct", dest="expected_loss_pct")
    p.add_argument("--component", action="append", required=True, metavar="BEAN=PARTS")
    p = command(blends, "list", cmd_blend_list, "list blends", json_out=True)
    p.add_argument("--all", action="store_true", help="include inactive blends")

    purchases = group("purchase", "green-coffee purchases")
    p = command(purchases, "add", cmd_purchase_add, "record a purchase", json_out=True)
    p.add_argument("--bean", required=True)
    p.add_argument("--grams", required=True)
    p.add_argument("--total-won", dest="total_won", required=True, help="incl. freight and duty")
    p.add_argument("--date")
    p.add_argument("--supplier", default="")
    p.add_argument("--lot", default="")
    p.add_argument("--notes", default="")
    p = command(purchases, "list", cmd_purchase_list, "list purchases", json_out=True)
    p.add_argument("--bean")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(check=check_limit)

    p = command(sub, "stocktake", cmd_stocktake, "record a stock count (adjusts the book stock)")
    p.add_argument("--bean", required=True)
    p.add_argument("--counted-g", dest="counted_g", required=True)
    p.add_argument("--reason", default="stocktake")
    p.add_argument("--date")

    roasts = group("roast", "roast batches")
    p = command(roasts, "add", cmd_roast_add, "record a roast batch", json_out=True)
    p.add_argument("--product", required=True, help="bean or blend code/name")
    p.add_argument("--green-g", dest="green_g", help="total green grams (split by parts for a blend)")
    p.add_argument("--component", action="append", metavar="BEAN=GRAMS", help="green grams per component")
    p.add_argument("--roasted-g", dest="roasted_g", required=True)
    p.add_argument("--date")
    p.add_argument("--minutes")
    p.add_argument("--operator", default="")
    p.add_argument("--notes", default="")
    p = command(roasts, "list", cmd_roast_list, "list roast batches with loss and cost", json_out=True)
    p.add_argument("--since")
    p.add_argument("--until")
    p.add_argument("--product")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(check=check_roast_list)
    p = command(roasts, "delete", cmd_roast_delete, "delete a roast batch")
    p.add_argument("batch_id")

    p = command(sub, "stock", cmd_stock, "green stock per bean", json_out=True)
    p.add_argument("--all", action="store_true", help="include inactive beans")
    p = command(sub, "cost", cmd_cost, "standard cost per kg, per cup and per bag", json_out=True)
    p.add_argument("--product")

    settings = group("settings", "effective-dated cost settings")
    command(settings, "show", cmd_settings_show, "every version of the cost settings", json_out=True)
    p = command(settings, "set", cmd_settings_set, "record new cost settings from a date", json_out=True)
    p.add_argument("--effective-from", dest="effective_from")
    for name in SETTINGS_FIELDS:
        p.add_argument(f"--{name.replace('_', '-')}", dest=name)
    p = command(
        settings, "session", cmd_settings_session, "show or set the dashboard's idle sign-out (minutes)", json_out=True
    )
    p.add_argument("--idle-minutes", dest="idle_minutes", help="0–1440; 0 = never (default 30)")

    menu = group("menu", "menu items: drinks and bags, their product, dose, price and extras")

    def menu_fields(p: argparse.ArgumentParser, *, required: bool) -> None:
        p.add_argument("--code", required=required)
        p.add_argument("--name-en", dest="name_en", required=required)
        p.add_argument("--name-ko", dest="name_ko")
        p.add_argument("--channel", required=required, help=f"one of {', '.join(catalog.CHANNELS)}")
        p.add_argument("--product", required=required, help="bean or blend code/name (bean:CODE / blend:CODE)")
        p.add_argument("--dose-g", dest="dose_g", required=required, help="grams of roasted coffee per cup or bag")
        p.add_argument("--price-won", dest="price_won", required=required)
        p.add_argument("--extra-cost-won", dest="extra_cost_won", help="cup, milk, packaging … per item")
        p.add_argument("--external-id", dest="external_id", help="the id an importer matches on")

    p = command(menu, "add", cmd_menu_add, "add a menu item", json_out=True)
    menu_fields(p, required=True)
    p = command(menu, "edit", cmd_menu_edit, "change a menu item (only the fields given)", json_out=True)
    p.add_argument("item", help="id, code or name of the menu item")
    menu_fields(p, required=False)
    p.add_argument("--active", help="yes/no")
    p = command(
        menu, "deactivate", cmd_menu_deactivate, "take a menu item off the menu (kept for history)", json_out=True
    )
    p.add_argument("item", help="id, code or name of the menu item")
    p = command(menu, "list", cmd_menu_list, "list menu items", json_out=True)
    p.add_argument("--all", action="store_true", help="include inactive items")
    p.add_argument("--channel", choices=catalog.CHANNELS)

    accounts = group("user", "people who sign in")
    p = command(accounts, "add", cmd_user_add, "add a user")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=users.ROLES)
    p.add_argument("--display-name", dest="display_name")
    secret = p.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password")
    secret.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    command(accounts, "locks", cmd_user_locks, "failed sign-ins counted and lockouts in force", json_out=True)
    p = command(accounts, "unlock", cmd_user_unlock, "clear failed sign-ins and lockouts")
    p.add_argument("--username", help="of this username")
    p.add_argument("--address", help="of this client address (as `user locks` shows it)")
    p.add_argument("--all", action="store_true", help="of everyone, including the first-run setup code")
    p = command(accounts, "set", cmd_user_set, "change a user's role, password or active flag")
    p.add_argument("--username", required=True)
    p.add_argument("--role", choices=users.ROLES)
    p.add_argument("--password-stdin", action="store_true", help="read a new password from stdin")
    active = p.add_mutually_exclusive_group()
    active.add_argument("--active", dest="active", action="store_const", const=True, default=None)
    active.add_argument("--inactive", dest="active", action="store_const", const=False)
    command(accounts, "list", cmd_user_list, "every user (no password hashes)", json_out=True)

    imports = group("import", "bring data in")
    p = command(imports, "legacy", cmd_import_legacy, "import an old Streamlit app database (roasting_data.db)")
    p.set_defaults(check=lambda a: checks.existing_file("path", a.path))
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    exports = group("export", "write data out (Excel, CSV)")
    from .io.cli import register as register_io

    register_io(imports, exports, command)
    from .sales_cli import register as register_sales

    register_sales(sub, imports, command, group)

    from .ops.cli import register as register_ops

    register_ops(sub, command, group)
    from .reports.cli import register as register_reports

    register_reports(sub, command, group)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_common(args)
        check = getattr(args, "check", None)
        if check is not None:
            check(args)  # every value checked before the handler does any work
        return args.handler(args)
    except ValidationError as error:
        print(f"error: {error.text(config.language())}", file=sys.stderr)
        return 2
    except db.SchemaTooNew as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `themoon ... | head`: the reader left; say nothing more (and nothing at exit either).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except sqlite3.DatabaseError as error:
        print(f"error: database error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
