"""Beans, blends and menu items: what the café roasts and sells."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from . import audit
from .db import transaction
from .models import (
    Product,
    ValidationError,
    parse_bool,
    parse_choice,
    parse_code,
    parse_grams,
    parse_int,
    parse_pct_bp,
    parse_text,
    parse_won,
)

CHANNELS = ("cup", "bag", "wholesale")


def _bean_fields(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    rules = {
        "code": lambda v: parse_code("code", v),
        "name_en": lambda v: parse_text("name_en", v, required=True),
        "name_ko": lambda v: parse_text("name_ko", v),
        "country": lambda v: parse_text("country", v, max_len=60),
        "process": lambda v: parse_text("process", v, max_len=60),
        "roast_level": lambda v: parse_text("roast_level", v, max_len=10),
        "reorder_point_g": lambda v: parse_grams("reorder_point_g", v, allow_zero=True),
        "expected_loss_pct": lambda v: None if v in (None, "") else parse_pct_bp("expected_loss_pct", v),
        "notes": lambda v: parse_text("notes", v, max_len=2000),
        "active": lambda v: int(parse_bool("active", v)),
    }
    return _apply_rules(rules, values, partial=partial, required=("code", "name_en"))


def _apply_rules(rules, values, *, partial: bool, required: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(rules)
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationError(field, "error.is_not_a_known_field")
    clean = {}
    for name, rule in rules.items():
        if name in values:
            clean[name] = rule(values[name])
        elif not partial and name in required:
            clean[name] = rule(None)
    if "expected_loss_pct" in clean:
        clean["expected_loss_bp"] = clean.pop("expected_loss_pct")
    return clean


def _create(conn: sqlite3.Connection, table: str, entity: str, row: dict[str, Any], user: str, **kept: Any) -> int:
    """Insert `row` and audit it, with `kept`: what the entity keeps in other tables (a recipe)."""
    cols = ", ".join(row)
    marks = ", ".join("?" * len(row))
    new_id = conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values())).lastrowid
    audit.record(conn, user, "create", entity, new_id, None, {**row, **kept})
    return new_id


def _change(
    conn: sqlite3.Connection, table: str, entity: str, old: dict, changes: dict[str, Any], user: str, **kept: Any
) -> None:
    """Write `changes` over the row `old` and audit them (with `kept`, as `_create`)."""
    if changes:
        sets = ", ".join(f"{c} = ?" for c in changes)
        conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*changes.values(), old["id"]])
    audit.record(conn, user, "update", entity, old["id"], old, {**changes, **kept})


def _unique_code(conn: sqlite3.Connection, code: str, *, own: tuple[str, int] | None = None) -> None:
    """Bean and blend codes share one namespace, so a product code is never ambiguous."""
    for table in ("beans", "blends"):
        row = conn.execute(f"SELECT id FROM {table} WHERE code = ? COLLATE NOCASE", (code,)).fetchone()
        if row and (table, row["id"]) != own:
            raise ValidationError("code", "error.is_already_used_2", code=code)


# --- beans ----------------------------------------------------------------------------------


def add_bean(conn: sqlite3.Connection, *, user: str = "system", **values: Any) -> int:
    row = _bean_fields(values, partial=False)
    with transaction(conn):
        _unique_code(conn, row["code"])
        return _create(conn, "beans", "bean", row, user)


def update_bean(conn: sqlite3.Connection, ref: Any, *, user: str = "system", **values: Any) -> dict:
    changes = _bean_fields(values, partial=True)
    with transaction(conn):
        old = get_bean(conn, ref)
        if "code" in changes:
            _unique_code(conn, changes["code"], own=("beans", old["id"]))
        _change(conn, "beans", "bean", old, changes, user)
        return get_bean(conn, old["id"])


def get_bean(conn: sqlite3.Connection, ref: Any) -> dict:
    """A bean by id, code, or English/Korean name."""
    row = _find(conn, "beans", ref)
    if row is None:
        raise ValidationError("bean", "error.unknown_bean", ref=ref)
    return row


def _find(conn: sqlite3.Connection, table: str, ref: Any) -> dict | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (ref,)).fetchone()
        return dict(row) if row else None
    text = str(ref or "").strip()
    if not text:
        return None
    for column in ("code", "name_en", "name_ko"):
        rows = conn.execute(f"SELECT * FROM {table} WHERE {column} = ? COLLATE NOCASE", (text,)).fetchall()
        if len(rows) == 1:
            return dict(rows[0])
    return None


def list_beans(conn: sqlite3.Connection, *, search: str | None = None, active: bool | None = None) -> list[dict]:
    sql, params = "SELECT * FROM beans WHERE 1 = 1", []
    if active is not None:
        sql += " AND active = ?"
        params.append(int(active))
    if search:
        like = f"%{search.strip()}%"
        sql += " AND (code LIKE ? OR name_en LIKE ? OR name_ko LIKE ? OR country LIKE ?)"
        params += [like] * 4
    return [dict(r) for r in conn.execute(sql + " ORDER BY id", params)]


# --- blends ---------------------------------------------------------------------------------


def _blend_fields(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    rules = {
        "code": lambda v: parse_code("code", v),
        "name_en": lambda v: parse_text("name_en", v, required=True),
        "name_ko": lambda v: parse_text("name_ko", v),
        "description": lambda v: parse_text("description", v, max_len=2000),
        "expected_loss_pct": lambda v: None if v in (None, "") else parse_pct_bp("expected_loss_pct", v),
        "active": lambda v: int(parse_bool("active", v)),
    }
    return _apply_rules(rules, values, partial=partial, required=("code", "name_en"))


def _parse_components(conn: sqlite3.Connection, components: Mapping[Any, Any]) -> dict[int, int]:
    """{bean ref: parts} → {bean id: parts}; every part a whole number > 0."""
    if not components:
        raise ValidationError("components", "error.a_blend_needs_at_least_one")
    clean: dict[int, int] = {}
    for ref, parts in components.items():
        bean = get_bean(conn, ref)
        if bean["id"] in clean:
            raise ValidationError("components", "error.is_listed_twice", code=bean["code"])
        clean[bean["id"]] = parse_int(f"parts[{bean['code']}]", parts, minimum=1, maximum=1000)
    return clean


def add_blend(conn: sqlite3.Connection, *, components: Mapping[Any, Any], user: str = "system", **values: Any) -> int:
    row = _blend_fields(values, partial=False)
    with transaction(conn):
        parts = _parse_components(conn, components)
        _unique_code(conn, row["code"])
        blend_id = _create(conn, "blends", "blend", row, user, components=parts)
        _write_components(conn, blend_id, parts)
    return blend_id


def update_blend(
    conn: sqlite3.Connection,
    ref: Any,
    *,
    components: Mapping[Any, Any] | None = None,
    user: str = "system",
    **values: Any,
) -> dict:
    changes = _blend_fields(values, partial=True)
    with transaction(conn):
        old = get_blend(conn, ref)
        if "code" in changes:
            _unique_code(conn, changes["code"], own=("blends", old["id"]))
        kept: dict[str, Any] = {}
        if components is not None:
            kept["components"] = _parse_components(conn, components)
            conn.execute("DELETE FROM blend_components WHERE blend_id = ?", (old["id"],))
            _write_components(conn, old["id"], kept["components"])
        _change(conn, "blends", "blend", old, changes, user, **kept)
        return get_blend(conn, old["id"])


def _write_components(conn: sqlite3.Connection, blend_id: int, parts: dict[int, int]) -> None:
    conn.executemany(
        "INSERT INTO blend_components (blend_id, bean_id, parts) VALUES (?, ?, ?)",
        [(blend_id, bean_id, p) for bean_id, p in parts.items()],
    )


def get_blend(conn: sqlite3.Connection, ref: Any) -> dict:
    row = _find(conn, "blends", ref)
    if row is None:
        raise ValidationError("blend", "error.unknown_blend", ref=ref)
    row["components"] = blend_components(conn, row["id"])
    return row


def blend_components(conn: sqlite3.Connection, blend_id: int) -> list[dict]:
    """[{bean_id, code, name_en, name_ko, parts}] in recipe order (most parts first)."""
    return [
        dict(r)
        for r in conn.execute(
            "SELECT c.bean_id, b.code, b.name_en, b.name_ko, c.parts FROM blend_components c"
            " JOIN beans b ON b.id = c.bean_id WHERE c.blend_id = ? ORDER BY c.parts DESC, b.id",
            (blend_id,),
        )
    ]


def list_blends(conn: sqlite3.Connection, *, active: bool | None = None) -> list[dict]:
    sql, params = "SELECT * FROM blends", []
    if active is not None:
        sql += " WHERE active = ?"
        params.append(int(active))
    blends = [dict(r) for r in conn.execute(sql + " ORDER BY id", params)]
    for blend in blends:
        blend["components"] = blend_components(conn, blend["id"])
    return blends


# --- products -------------------------------------------------------------------------------


def get_product(conn: sqlite3.Connection, ref: Any) -> Product:
    """A bean or a blend by code or name; 'bean:CODE' / 'blend:CODE' force the kind."""
    text = str(ref or "").strip()
    if not text:
        raise ValidationError("product", "error.is_required")
    kind, _, rest = text.partition(":")
    if rest and kind in ("bean", "blend"):
        tables = [kind + "s"]
        text = rest
    else:
        tables = ["blends", "beans"]
    found = [(t, row) for t in tables if (row := _find(conn, t, text)) is not None]
    if not found:
        raise ValidationError("product", "error.unknown_product", text=text)
    table, row = found[0]
    return Product(table[:-1], row["id"], row["code"], row["name_en"], row["name_ko"])


def product_by_id(conn: sqlite3.Connection, kind: str, product_id: int) -> Product:
    table = {"bean": "beans", "blend": "blends"}[kind]
    row = conn.execute(f"SELECT id, code, name_en, name_ko FROM {table} WHERE id = ?", (product_id,)).fetchone()
    return Product(kind, row["id"], row["code"], row["name_en"], row["name_ko"])


def list_products(conn: sqlite3.Connection, *, active: bool | None = True) -> list[Product]:
    """Blends first, then single origins."""
    blends = [
        Product("blend", b["id"], b["code"], b["name_en"], b["name_ko"]) for b in list_blends(conn, active=active)
    ]
    beans = [Product("bean", b["id"], b["code"], b["name_en"], b["name_ko"]) for b in list_beans(conn, active=active)]
    return blends + beans


def recipe(conn: sqlite3.Connection, product: Product) -> list[tuple[int, int]]:
    """(bean id, parts) of a product; a single origin is its own one-part recipe."""
    if product.kind == "bean":
        return [(product.id, 1)]
    return [(c["bean_id"], c["parts"]) for c in blend_components(conn, product.id)]


# --- menu -----------------------------------------------------------------------------------


def _menu_fields(conn: sqlite3.Connection, values: Mapping[str, Any], *, partial: bool) -> dict:
    rules = {
        "code": lambda v: parse_code("code", v),
        "name_en": lambda v: parse_text("name_en", v, required=True),
        "name_ko": lambda v: parse_text("name_ko", v),
        "channel": lambda v: parse_choice("channel", v, CHANNELS),
        "product": lambda v: get_product(conn, v),
        "dose_g": lambda v: parse_int("dose_g", v, minimum=1, maximum=100_000),
        "price_won": lambda v: parse_won("price_won", v),
        "extra_cost_won": lambda v: parse_won("extra_cost_won", v),
        "active": lambda v: int(parse_bool("active", v)),
        "external_id": lambda v: parse_text("external_id", v, max_len=200) or None,
    }
    clean = _apply_rules(
        rules,
        values,
        partial=partial,
        required=("code", "name_en", "channel", "product", "dose_g", "price_won"),
    )
    if "product" in clean:
        product = clean.pop("product")
        clean["bean_id"] = product.id if product.kind == "bean" else None
        clean["blend_id"] = product.id if product.kind == "blend" else None
    return clean


def _unique_menu_code(conn: sqlite3.Connection, code: str, *, own_id: int | None = None) -> None:
    row = conn.execute("SELECT id FROM menu_items WHERE code = ? COLLATE NOCASE", (code,)).fetchone()
    if row and row["id"] != own_id:
        raise ValidationError("code", "error.is_already_used", code=code)


def add_menu_item(conn: sqlite3.Connection, *, user: str = "system", **values: Any) -> int:
    with transaction(conn):
        row = _menu_fields(conn, values, partial=False)
        _unique_menu_code(conn, row["code"])
        return _create(conn, "menu_items", "menu_item", row, user)


def update_menu_item(conn: sqlite3.Connection, ref: Any, *, user: str = "system", **values: Any) -> dict:
    with transaction(conn):
        old = get_menu_item(conn, ref)
        changes = _menu_fields(conn, values, partial=True)
        if "code" in changes:
            _unique_menu_code(conn, changes["code"], own_id=old["id"])
        _change(conn, "menu_items", "menu_item", old, changes, user)
        return get_menu_item(conn, old["id"])


def get_menu_item(conn: sqlite3.Connection, ref: Any) -> dict:
    row = _find(conn, "menu_items", ref)
    if row is None:
        raise ValidationError("menu_item", "error.unknown_menu_item", ref=ref)
    return row


def list_menu_items(conn: sqlite3.Connection, *, active: bool | None = True) -> list[dict]:
    sql, params = "SELECT * FROM menu_items", []
    if active is not None:
        sql += " WHERE active = ?"
        params.append(int(active))
    return [dict(r) for r in conn.execute(sql + " ORDER BY channel, id", params)]
