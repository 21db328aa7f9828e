"""What each `themoon` command does (init, demo, serve, bean, blend, purchase, stocktake, roast, stock,
cost, settings, user, menu, import legacy); `cli_output.emit` prints them: a table, or JSON with --json."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from . import catalog, config, cost_settings, db, inventory, price_list, roasting, sessions, users
from .cli_output import emit
from .models import ValidationError, parse_date


def _pairs(field: str, items: Sequence[str] | None) -> dict[str, str]:
    """['KEN-MASAI-AA=4', ...] → {'KEN-MASAI-AA': '4'}."""
    result: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(field, "cli.must_look_like_bean_number", item=item)
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
            raise ValidationError("batches", "cli.must_be_at_least_1")
        summary = bulk.build_bulk(path, batches=args.batches, seed=args.seed)
    else:
        summary = demo.build_demo(db.connect(path), months=args.months, seed=args.seed)
    emit(args, {"database": str(path), **summary})
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
    emit(args, catalog.get_bean(conn, bean_id))
    return 0


def cmd_bean_edit(args: argparse.Namespace) -> int:
    conn = _connect(args)
    emit(args, catalog.update_bean(conn, args.bean, user=args.user, **_given(args, (*BEAN_FIELDS, "active"))))
    return 0


def cmd_bean_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    active = None if args.all else True
    rows = catalog.list_beans(conn, search=args.search, active=active)
    emit(args, rows, ["code", "name_en", "name_ko", "country", "roast_level", "reorder_point_g", "active"])
    return 0


def cmd_blend_add(args: argparse.Namespace) -> int:
    conn = _connect(args)
    fields = ("code", "name_en", "name_ko", "description", "expected_loss_pct")
    blend_id = catalog.add_blend(
        conn, components=_pairs("component", args.component), user=args.user, **_given(args, fields)
    )
    emit(args, catalog.get_blend(conn, blend_id))
    return 0


def cmd_blend_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = catalog.list_blends(conn, active=None if args.all else True)
    if not args.json:
        for row in rows:
            row["components"] = [f"{c['code']}×{c['parts']}" for c in row["components"]]
    emit(args, rows, ["code", "name_en", "name_ko", "components", "active"])
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
    emit(args, dict(row))
    return 0


def cmd_purchase_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = inventory.list_purchases(conn, bean=args.bean, limit=args.limit)
    emit(args, rows, ["id", "purchased_on", "bean", "grams", "total_won", "supplier", "lot_code"])
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
        raise ValidationError("green_g", "cli.give_green_g_or_component_bean")
    batch = roasting.add_batch(conn, user=args.user, **values)
    emit(args, batch)
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
    emit(args, rows, columns)
    return 0


def cmd_roast_delete(args: argparse.Namespace) -> int:
    conn = _connect(args)
    roasting.delete_batch(conn, args.batch_id, user=args.user)
    print(f"batch {args.batch_id} deleted")
    return 0


def cmd_stock(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = inventory.stock(conn, active_only=not args.all)
    emit(args, rows, ["bean", "name_en", "stock_g", "avg_cost_per_kg_won", "value_won", "reorder_point_g", "low"])
    return 0


def cmd_cost(args: argparse.Namespace) -> int:
    conn = _connect(args)
    products = price_list.product_costs(conn)
    items = price_list.menu_costs(conn)
    if args.product:
        chosen = catalog.get_product(conn, args.product)
        products = [p for p in products if (p["kind"], p["product"]) == (chosen.kind, chosen.code)]
        items = [i for i in items if i["product"] == chosen.code]
    for row in products:
        row.pop("cost_per_kg")
    if args.json:
        emit(args, {"products": products, "menu_items": items})
        return 0
    emit(
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
    emit(
        args,
        items,
        ["item", "channel", "product", "dose_g", "cost_won", "price_won", "suggested_price_won", "margin_pct"],
    )
    return 0


def cmd_settings_show(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = [vars(s) | {"effective_from": s.effective_from.isoformat()} for s in cost_settings.history(conn)]
    emit(args, rows)
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    conn = _connect(args)
    saved = cost_settings.save(conn, user=args.user, **_given(args, ("effective_from", *SETTINGS_FIELDS)))
    emit(args, vars(saved) | {"effective_from": saved.effective_from.isoformat()})
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
    emit(args, _menu_row(conn, catalog.get_menu_item(conn, item_id)))
    return 0


def cmd_menu_edit(args: argparse.Namespace) -> int:
    conn = _connect(args)
    changes = _given(args, (*MENU_FIELDS, "active"))
    if not changes:
        raise ValidationError("item", "cli.give_at_least_one_field_to")
    emit(args, _menu_row(conn, catalog.update_menu_item(conn, _menu_ref(args.item), user=args.user, **changes)))
    return 0


def cmd_menu_deactivate(args: argparse.Namespace) -> int:
    conn = _connect(args)
    row = catalog.update_menu_item(conn, _menu_ref(args.item), user=args.user, active=False)
    emit(args, _menu_row(conn, row))
    return 0


def cmd_menu_list(args: argparse.Namespace) -> int:
    conn = _connect(args)
    rows = [_menu_row(conn, r) for r in catalog.list_menu_items(conn, active=None if args.all else True)]
    if args.channel:
        rows = [r for r in rows if r["channel"] == args.channel]
    emit(args, rows, MENU_COLUMNS)
    return 0


def _menu_ref(text: str) -> int | str:
    """`menu edit 12` means id 12; anything else is a code or a name."""
    text = str(text).strip()
    return int(text) if text.isdigit() else text


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from . import signin

    if not (args.all or args.username or args.address):
        raise ValidationError("username", "cli.give_username_address_or_all")
    cleared = signin.unlock(
        _connect(args), username=args.username, address=args.address, everything=args.all, user=args.user
    )
    print(f"cleared {cleared} sign-in limit(s)")
    return 0


def cmd_user_locks(args: argparse.Namespace) -> int:
    from . import signin

    emit(args, signin.blocked(_connect(args)), ["kind", "key", "failures", "wait_s", "last_failure"])


def cmd_user_set(args: argparse.Namespace) -> int:
    """Change a user's role, password or active flag (an open dashboard page of theirs is refused
    at its next action: themoon.sessions.current_user)."""
    conn = _connect(args)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    users.update_user(conn, args.username, user=args.user, role=args.role, password=password, active=args.active)
    print(f"user {args.username} updated")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    emit(args, users.list_users(_connect(args)), ["username", "display_name", "role", "active", "created_at"])
    return 0


def cmd_settings_session(args: argparse.Namespace) -> int:
    conn = _connect(args)
    if args.idle_minutes is not None:
        sessions.set_idle_minutes(conn, args.idle_minutes, user=args.user)
    emit(args, {"idle_minutes": sessions.idle_minutes(conn)})
    return 0


def cmd_import_legacy(args: argparse.Namespace) -> int:
    from .io import legacy

    conn = _connect(args)
    report = legacy.import_legacy(conn, args.path, dry_run=args.dry_run, user=args.user)
    print(report.text())
    return 0
