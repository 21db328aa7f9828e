"""The `themoon` command: the package API on the command line.

Every command takes `--db PATH` (default $THEMOON_DB, else data/themoon.db). Bad input prints
one line on stderr naming the field and the rule and exits with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from . import catalog, checks, config, cost_settings, db, inventory, roasting, sessions, users
from . import price_list as costs
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


# --- output ---------------------------------------------------------------------------------


def _emit(args: argparse.Namespace, data: Any, columns: Sequence[str] | None = None) -> None:
    """JSON with --json, else an aligned text table (or a key: value block for one record)."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    if isinstance(data, dict):
        width = max(map(len, data), default=0)
        for key, value in data.items():
            print(f"{key:<{width}}  {_cell(value)}")
        return
    rows = list(data)
    if not rows:
        print("(none)")
        return
    columns = list(columns or rows[0].keys())
    table = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def _pairs(field: str, items: Sequence[str] | None) -> dict[str, str]:
    """['KEN-MASAI-AA=4', ...] → {'KEN-MASAI-AA': '4'}."""
    result: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(field, f"'{item}' must look like BEAN=NUMBER", "'원두=숫자' 형식이어야 합니다")
        result[key.strip()] = value.strip()
    return result


def _connect(args: argparse.Namespace):
    return db.connect(config.db_path(args.db))


def _given(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


# --- commands -------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = config.db_path(args.db)
    conn = db.connect(path)
    if not cost_settings.history(conn):
        cost_settings.save(conn, effective_from=date(2000, 1, 1), user="init")
    print(f"database ready: {path} (schema v{db.current_version(conn)})")
    from . import signin

    signin.announce_setup_code(conn, str(path))  # a new database: the code that creates its owner
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from . import bulk, demo

    path = config.db_path(args.db)
    if path.exists():
        if not args.force:
            with db.connect(path) as conn:
                has_data = conn.execute("SELECT EXISTS (SELECT 1 FROM beans)").fetchone()[0]
            if has_data:
                print(f"{path} already holds data; use --force to replace it", file=sys.stderr)
                return 2
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if args.batches is not None:
        if args.batches < 1:
            raise ValidationError("batches", "must be at least 1", "1 이상이어야 합니다")
        summary = bulk.build_bulk(path, batches=args.batches, seed=args.seed)
    else:
        summary = demo.build_demo(db.connect(path), months=args.months, seed=args.seed)
    _emit(args, {"database": str(path), **summary})
    return 0


def _preheat_default() -> int:
    text = os.environ.get("THEMOON_PREHEAT", "").strip()
    return int(text) if text.isdigit() else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from . import serve

    try:
        return serve.serve(
            db_path=config.db_path(args.db),
            port=args.port,
            host=args.host,
            token=args.token,
            preheat=args.preheat,
            behind_proxy=args.behind_proxy or None,
        )
    except serve.ServeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


# What `bean add` takes; `bean edit` also `active`.
BEAN_FIELDS = (
    "code",
    "name_en",
    "name_ko",
    "country",
    "process",
    "roast_level",
    "reorder_point_g",
    "expected_loss_pct",
    "notes",
)
# The cost settings `settings set` changes from its --effective-from (one --flag-name each).
SETTINGS_FIELDS = (
    "expected_loss_pct",
    "use_recent_loss",
    "roasting_won_per_kg",
    "labour_won_per_hour",
    "labour_minutes_per_session",
    "energy_won_per_session",
    "misc_won_per_session",
    "planned_session_roasted_g",
    "price_multiplier_pct",
    "plausible_loss_min_pct",
    "plausible_loss_max_pct",
)


def cmd_bean_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    bean_id = catalog.add_bean(conn, user=args.user, **_given(args, BEAN_FIELDS))
    _emit(args, catalog.get_bean(conn, bean_id))
    return 0


def cmd_bean_edit(args: argparse.Namespace) -> int:
    conn = _connect(args)
    _emit(args, catalog.update_bean(conn, args.bean, user=args.user, **_given(args, (*BEAN_FIELDS, "active"))))
    return 0


def cmd_bean_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    active = None if args.all else True
    rows = catalog.list_beans(conn, search=args.search, active=active)
    _emit(args, rows, ["code", "name_en", "name_ko", "country", "roast_level", "reorder_point_g", "active"])
    return 0


def cmd_blend_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    fields = ("code", "name_en", "name_ko", "description", "expected_loss_pct")
    blend_id = catalog.add_blend(
        conn, components=_pairs("component", args.component), user=args.user, **_given(args, fields)
    )
    _emit(args, catalog.get_blend(conn, blend_id))
    return 0


def cmd_blend_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = catalog.list_blends(conn, active=None if args.all else True)
    if not args.json:
        for row in rows:
            row["components"] = [f"{c['code']}×{c['parts']}" for c in row["components"]]
    _emit(args, rows, ["code", "name_en", "name_ko", "components", "active"])
    return 0


def cmd_purchase_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    purchase_id = inventory.add_purchase(
        conn,
        bean=args.bean,
        grams=args.grams,
        total_won=args.total_won,
        purchased_on=args.date,
        supplier=args.supplier,
        lot_code=args.lot,
        notes=args.notes,
        user=args.user,
    )
    row = conn.execute("SELECT * FROM purchases WHERE id = ?", (purchase_id,)).fetchone()
    _emit(args, dict(row))
    return 0


def cmd_purchase_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = inventory.list_purchases(conn, bean=args.bean, limit=args.limit)
    _emit(args, rows, ["id", "purchased_on", "bean", "grams", "total_won", "supplier", "lot_code"])
    return 0


def cmd_stocktake(args: argparse.Namespace) -> int:
    conn = _connect(args)
    adjustment = inventory.stocktake(
        conn, bean=args.bean, counted_g=args.counted_g, reason=args.reason, on=args.date, user=args.user
    )
    print("book stock already matches" if adjustment is None else f"adjustment {adjustment} recorded")
    return 0


def cmd_roast_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    values = {
        "product": args.product,
        "green_g": args.green_g,
        "components": _pairs("component", args.component) or None,
        "roasted_g": args.roasted_g,
        "roasted_on": args.date,
        "minutes": args.minutes,
        "operator": args.operator,
        "notes": args.notes,
    }
    if values["green_g"] is None and values["components"] is None:
        raise ValidationError("green_g", "give --green-g or --component BEAN=GRAMS", "생두량을 입력하세요")
    batch = roasting.add_batch(conn, user=args.user, **values)
    _emit(args, batch)
    return 0


def cmd_roast_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = roasting.list_batches(
        conn,
        since=parse_date("since", args.since) if args.since else None,
        until=parse_date("until", args.until, today=date.max) if args.until else None,
        product=args.product,
        limit=args.limit,
    )
    columns = [
        "id",
        "roasted_on",
        "product",
        "green_g",
        "roasted_g",
        "loss_pct",
        "variance_pct",
        "batch_cost_won",
        "cost_per_roasted_kg_won",
        "alert",
    ]
    _emit(args, rows, columns)
    return 0


def cmd_roast_delete(args: argparse.Namespace) -> int:
    conn = _connect(args)
    roasting.delete_batch(conn, args.batch_id, user=args.user)
    print(f"batch {args.batch_id} deleted")
    return 0


def cmd_stock(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = inventory.stock(conn, active_only=not args.all)
    _emit(args, rows, ["bean", "name_en", "stock_g", "avg_cost_per_kg_won", "value_won", "reorder_point_g", "low"])
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    conn = _connect(args)
    products = costs.product_costs(conn)
    items = costs.menu_costs(conn)
    if args.product:
        chosen = catalog.get_product(conn, args.product)
        products = [p for p in products if (p["kind"], p["product"]) == (chosen.kind, chosen.code)]
        items = [i for i in items if i["product"] == chosen.code]
    for row in products:
        row.pop("cost_per_kg")
    if args.json:
        _emit(args, {"products": products, "menu_items": items})
        return 0
    _emit(
        args,
        products,
        [
            "product",
            "name_en",
            "expected_loss_pct",
            "green_per_kg_won",
            "processing_per_kg_won",
            "cost_per_kg_won",
            "suggested_price_per_kg_won",
        ],
    )
    print()
    _emit(
        args,
        items,
        ["item", "channel", "product", "dose_g", "cost_won", "price_won", "suggested_price_won", "margin_pct"],
    )
    return 0


def cmd_settings_show(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = [vars(s) | {"effective_from": s.effective_from.isoformat()} for s in cost_settings.history(conn)]
    _emit(args, rows)
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    conn = _connect(args)
    saved = cost_settings.save(conn, user=args.user, **_given(args, ("effective_from", *SETTINGS_FIELDS)))
    _emit(args, vars(saved) | {"effective_from": saved.effective_from.isoformat()})
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else args.password
    users.add_user(
        conn,
        username=args.username,
        password=password,
        role=args.role,
        display_name=args.display_name or "",
        user=args.user,
    )
    print(f"user {args.username} ({args.role}) added")
    return 0


# What `menu add` takes (catalog.add_menu_item); `menu edit` also `active`.
MENU_FIELDS = (
    "code",
    "name_en",
    "name_ko",
    "channel",
    "product",
    "dose_g",
    "price_won",
    "extra_cost_won",
    "external_id",
)
MENU_COLUMNS = ["code", "name_en", "name_ko", "channel", "product", "dose_g", "price_won", "extra_cost_won", "active"]


def _menu_row(conn, row: dict) -> dict:
    """A menu item as the store holds it, plus `product` (the bean or blend code) and its kind."""
    kind = "bean" if row.get("bean_id") is not None else "blend"
    product = catalog.product_by_id(conn, kind, row["bean_id"] if kind == "bean" else row["blend_id"])
    return {**row, "product": product.code, "product_kind": kind}


def cmd_menu_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    item_id = catalog.add_menu_item(conn, user=args.user, **_given(args, MENU_FIELDS))
    _emit(args, _menu_row(conn, catalog.get_menu_item(conn, item_id)))
    return 0


def cmd_menu_edit(args: argparse.Namespace) -> int:
    conn = _connect(args)
    changes = _given(args, (*MENU_FIELDS, "active"))
    if not changes:
        raise ValidationError("item", "give at least one field to change", "바꿀 항목을 하나 이상 주세요")
    _emit(args, _menu_row(conn, catalog.update_menu_item(conn, _menu_ref(args.item), user=args.user, **changes)))
    return 0


def cmd_menu_deactivate(args: argparse.Namespace) -> int:
    conn = _connect(args)
    row = catalog.update_menu_item(conn, _menu_ref(args.item), user=args.user, active=False)
    _emit(args, _menu_row(conn, row))
    return 0


def cmd_menu_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = [_menu_row(conn, r) for r in catalog.list_menu_items(conn, active=None if args.all else True)]
    if args.channel:
        rows = [r for r in rows if r["channel"] == args.channel]
    _emit(args, rows, MENU_COLUMNS)
    return 0


def _menu_ref(text: str) -> int | str:
    """`menu edit 12` means id 12; anything else is a code or a name."""
    text = str(text).strip()
    return int(text) if text.isdigit() else text


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from . import signin

    if not (args.all or args.username or args.address):
        raise ValidationError("username", "give --username, --address or --all", "--username, --address 또는 --all")
    cleared = signin.unlock(
        _connect(args), username=args.username, address=args.address, everything=args.all, user=args.user
    )
    print(f"cleared {cleared} sign-in limit(s)")
    return 0


def cmd_user_locks(args: argparse.Namespace) -> int:
    from . import signin

    _emit(args, signin.blocked(_connect(args)), ["kind", "key", "failures", "wait_s", "last_failure"])


def cmd_user_set(args: argparse.Namespace) -> int:
    """Change a user's role, password or active flag (an open dashboard page of theirs is refused
    at its next action: themoon.sessions.current_user)."""
    conn = _connect(args)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    users.update_user(conn, args.username, user=args.user, role=args.role, password=password, active=args.active)
    print(f"user {args.username} updated")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    _emit(args, users.list_users(_connect(args)), ["username", "display_name", "role", "active", "created_at"])
    return 0


def cmd_settings_session(args: argparse.Namespace) -> int:
    conn = _connect(args)
    if args.idle_minutes is not None:
        sessions.set_idle_minutes(conn, args.idle_minutes, user=args.user)
    _emit(args, {"idle_minutes": sessions.idle_minutes(conn)})
    return 0


def cmd_import_legacy(args: argparse.Namespace) -> int:
    from .io import legacy

    conn = _connect(args)
    report = legacy.import_legacy(conn, args.path, dry_run=args.dry_run, user=args.user)
    print(report.text())
    return 0


# --- checks made before any work (themoon/checks.py) -------------------------------------------


def check_demo(args: argparse.Namespace) -> None:
    checks.bounded_int("months", args.months, 1, 240)
    checks.bounded_int("seed", args.seed, 0, 2**31 - 1)
    if args.batches is not None:
        checks.bounded_int("batches", args.batches, 1, 20_000_000)
    path = config.db_path(args.db)
    if path.is_dir():
        raise ValidationError("db", f"{path} is a directory, not a database file", "데이터베이스 파일이 아닙니다")


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
