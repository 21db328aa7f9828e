"""Beans, blends, products and menu items (themoon.catalog)."""

from __future__ import annotations

import json

import pytest

from themoon import audit, catalog
from themoon.models import Product, ValidationError


def test_add_and_get_bean(conn):
    bean_id = catalog.add_bean(
        conn,
        code="KEN-AA",
        name_en="Kenya Masai AA",
        name_ko="마사이",
        country="K",
        roast_level="W",
        reorder_point_g="2,000",
        expected_loss_pct="17",
        notes="AA FAQ",
    )
    bean = catalog.get_bean(conn, bean_id)
    assert bean["code"] == "KEN-AA"
    assert bean["name_ko"] == "마사이"
    assert bean["reorder_point_g"] == 2000
    assert bean["expected_loss_bp"] == 1700
    assert bean["active"] == 1
    # found by id, code (any case), English or Korean name
    for ref in (bean_id, "KEN-AA", "ken-aa", "Kenya Masai AA", "마사이"):
        assert catalog.get_bean(conn, ref)["id"] == bean_id


def test_unknown_bean(conn):
    for ref in ("nope", 42, "", None):
        with pytest.raises(ValidationError) as caught:
            catalog.get_bean(conn, ref)
        assert caught.value.field == "bean"


def test_bean_needs_code_and_name(conn):
    with pytest.raises(ValidationError) as caught:
        catalog.add_bean(conn, name_en="No code")
    assert caught.value.field == "code"
    with pytest.raises(ValidationError) as caught:
        catalog.add_bean(conn, code="X")
    assert caught.value.field == "name_en"
    with pytest.raises(ValidationError) as caught:
        catalog.add_bean(conn, code="X", name_en="X", colour="red")
    assert caught.value.field == "colour"


def test_update_bean_and_audit(conn):
    bean_id = catalog.add_bean(conn, code="ETH-YIR", name_en="Yirgacheffe")
    updated = catalog.update_bean(conn, "ETH-YIR", name_ko="예가체프", active=False, expected_loss_pct="")
    assert updated["name_ko"] == "예가체프"
    assert updated["active"] == 0
    assert updated["expected_loss_bp"] is None
    entries = audit.entries(conn, entity="bean")
    assert [e["action"] for e in entries] == ["update", "create"]
    assert json.loads(entries[0]["new_json"])["name_ko"] == "예가체프"
    assert entries[0]["entity_id"] == bean_id


def test_soft_delete_and_listing(conn):
    catalog.add_bean(conn, code="ETH-YIR", name_en="Yirgacheffe", country="Eth")
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA", country="K")
    catalog.update_bean(conn, "ETH-YIR", active="no")
    assert [b["code"] for b in catalog.list_beans(conn)] == ["ETH-YIR", "KEN-AA"]
    assert [b["code"] for b in catalog.list_beans(conn, active=True)] == ["KEN-AA"]
    assert [b["code"] for b in catalog.list_beans(conn, active=False)] == ["ETH-YIR"]
    assert [b["code"] for b in catalog.list_beans(conn, search="kenya")] == ["KEN-AA"]
    assert [b["code"] for b in catalog.list_beans(conn, search="Eth")] == ["ETH-YIR"]
    assert catalog.list_beans(conn, search="'; DROP TABLE beans; --") == []


def test_codes_are_unique_across_beans_and_blends(conn):
    catalog.add_bean(conn, code="KEN-AA", name_en="Kenya Masai AA")
    catalog.add_bean(conn, code="GUA-ANT", name_en="Antigua")
    with pytest.raises(ValidationError) as caught:
        catalog.add_bean(conn, code="ken-aa", name_en="Another")
    assert caught.value.field == "code"
    with pytest.raises(ValidationError):
        catalog.add_blend(conn, code="KEN-AA", name_en="Blend", components={"KEN-AA": 1})
    catalog.add_blend(conn, code="HOUSE", name_en="House", components={"KEN-AA": 1})
    with pytest.raises(ValidationError):
        catalog.add_bean(conn, code="House", name_en="Clash")
    with pytest.raises(ValidationError):
        catalog.update_bean(conn, "GUA-ANT", code="HOUSE")
    with pytest.raises(ValidationError):
        catalog.update_blend(conn, "HOUSE", code="GUA-ANT")
    # keeping one's own code is fine
    assert catalog.update_bean(conn, "KEN-AA", code="KEN-AA")["code"] == "KEN-AA"
    assert catalog.update_blend(conn, "HOUSE", code="house")["code"] == "house"


def _beans(conn):
    for code, name in (
        ("KEN-AA", "Kenya Masai AA"),
        ("GUA-ANT", "Antigua"),
        ("ETH-MOM", "Momora"),
        ("ETH-SID", "Sidamo G4"),
    ):
        catalog.add_bean(conn, code=code, name_en=name)


def test_blend_with_recipe(conn):
    _beans(conn)
    blend_id = catalog.add_blend(
        conn,
        code="FULL-MOON",
        name_en="Full Moon",
        name_ko="풀문",
        components={"KEN-AA": 4, "Antigua": "4", "ETH-MOM": 1, "ETH-SID": 1.0},
    )
    blend = catalog.get_blend(conn, "풀문")
    assert blend["id"] == blend_id
    assert [(c["code"], c["parts"]) for c in blend["components"]] == [
        ("KEN-AA", 4),
        ("GUA-ANT", 4),
        ("ETH-MOM", 1),
        ("ETH-SID", 1),
    ]
    product = catalog.get_product(conn, "FULL-MOON")
    assert catalog.recipe(conn, product) == [(c["bean_id"], c["parts"]) for c in blend["components"]]


def test_blend_recipe_is_editable(conn):
    _beans(conn)
    catalog.add_blend(conn, code="FULL-MOON", name_en="Full Moon", components={"KEN-AA": 4, "GUA-ANT": 4})
    blend = catalog.update_blend(conn, "FULL-MOON", components={"KEN-AA": 2, "ETH-MOM": 1}, description="new")
    assert {c["code"]: c["parts"] for c in blend["components"]} == {"KEN-AA": 2, "ETH-MOM": 1}
    assert blend["description"] == "new"
    # name-only edit keeps the recipe
    blend = catalog.update_blend(conn, "FULL-MOON", name_ko="풀문")
    assert {c["code"]: c["parts"] for c in blend["components"]} == {"KEN-AA": 2, "ETH-MOM": 1}


@pytest.mark.parametrize(
    ("components", "field"),
    [
        ({}, "components"),
        ({"KEN-AA": 0}, "parts[KEN-AA]"),
        ({"KEN-AA": -1}, "parts[KEN-AA]"),
        ({"KEN-AA": 1.5}, "parts[KEN-AA]"),
        ({"KEN-AA": "abc"}, "parts[KEN-AA]"),
        ({"KEN-AA": 1001}, "parts[KEN-AA]"),
        ({"KEN-AA": 1, "NOPE": 1}, "bean"),
        ({"KEN-AA": 1, "Kenya Masai AA": 2}, "components"),
    ],
)
def test_blend_parts_validation(conn, components, field):
    _beans(conn)
    with pytest.raises(ValidationError) as caught:
        catalog.add_blend(conn, code="BAD", name_en="Bad", components=components)
    assert caught.value.field == field
    assert catalog.list_blends(conn) == []
    catalog.add_blend(conn, code="OK", name_en="Ok", components={"KEN-AA": 1})
    with pytest.raises(ValidationError) as caught:
        catalog.update_blend(conn, "OK", components=components, name_en="Renamed")
    assert caught.value.field == field
    blend = catalog.get_blend(conn, "OK")
    assert blend["name_en"] == "Ok"  # the failed edit changed nothing
    assert [(c["code"], c["parts"]) for c in blend["components"]] == [("KEN-AA", 1)]


def test_products(conn):
    _beans(conn)
    catalog.add_blend(conn, code="FULL-MOON", name_en="Full Moon", components={"KEN-AA": 4, "GUA-ANT": 4})
    products = catalog.list_products(conn)
    assert products[0] == Product("blend", 1, "FULL-MOON", "Full Moon", "")
    assert [p.code for p in products[1:]] == ["KEN-AA", "GUA-ANT", "ETH-MOM", "ETH-SID"]
    bean = catalog.get_product(conn, "bean:KEN-AA")
    assert bean.kind == "bean" and catalog.recipe(conn, bean) == [(bean.id, 1)]
    assert catalog.get_product(conn, "blend:FULL-MOON").kind == "blend"
    assert catalog.product_by_id(conn, "bean", bean.id) == bean
    for bad in ("", None, "bean:FULL-MOON", "nope"):
        with pytest.raises(ValidationError) as caught:
            catalog.get_product(conn, bad)
        assert caught.value.field == "product"


def test_menu_items(conn):
    _beans(conn)
    catalog.add_blend(conn, code="FULL-MOON", name_en="Full Moon", components={"KEN-AA": 4, "GUA-ANT": 4})
    cup = catalog.add_menu_item(
        conn, code="DRIP-FM", name_en="Hand drip", channel="cup", product="FULL-MOON", dose_g=20, price_won="5,000"
    )
    bag = catalog.add_menu_item(
        conn,
        code="BAG-KEN",
        name_en="Kenya 200 g",
        channel="bag",
        product="KEN-AA",
        dose_g=200,
        price_won=15000,
        extra_cost_won=800,
    )
    item = catalog.get_menu_item(conn, cup)
    assert (item["blend_id"], item["bean_id"], item["price_won"], item["extra_cost_won"]) == (1, None, 5000, 0)
    assert catalog.get_menu_item(conn, "BAG-KEN")["bean_id"] == 1
    assert [i["code"] for i in catalog.list_menu_items(conn)] == ["BAG-KEN", "DRIP-FM"]  # by channel
    updated = catalog.update_menu_item(conn, bag, price_won=16000, product="FULL-MOON")
    assert (updated["price_won"], updated["bean_id"], updated["blend_id"]) == (16000, None, 1)
    catalog.update_menu_item(conn, "DRIP-FM", active=False)
    assert [i["code"] for i in catalog.list_menu_items(conn)] == ["BAG-KEN"]
    assert len(catalog.list_menu_items(conn, active=None)) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "keg"}, "channel"),
        ({"product": "NOPE"}, "product"),
        ({"dose_g": 0}, "dose_g"),
        ({"dose_g": "18.5"}, "dose_g"),
        ({"price_won": -1}, "price_won"),
        ({"extra_cost_won": "abc"}, "extra_cost_won"),
        ({"name_en": ""}, "name_en"),
    ],
)
def test_menu_item_validation(conn, change, field):
    _beans(conn)
    values = {"code": "DRIP", "name_en": "Drip", "channel": "cup", "product": "KEN-AA", "dose_g": 20, "price_won": 5000}
    with pytest.raises(ValidationError) as caught:
        catalog.add_menu_item(conn, **{**values, **change})
    assert caught.value.field == field
    catalog.add_menu_item(conn, **values)
    with pytest.raises(ValidationError) as caught:
        catalog.update_menu_item(conn, "DRIP", **change)
    assert caught.value.field == field
    assert catalog.get_menu_item(conn, "DRIP")["dose_g"] == 20


def test_menu_item_codes_are_unique(conn):
    _beans(conn)
    values = {"name_en": "Drip", "channel": "cup", "product": "KEN-AA", "dose_g": 20, "price_won": 5000}
    catalog.add_menu_item(conn, code="DRIP", **values)
    catalog.add_menu_item(conn, code="DRIP-L", **values)
    with pytest.raises(ValidationError) as caught:
        catalog.add_menu_item(conn, code="drip", **values)
    assert caught.value.field == "code"
    with pytest.raises(ValidationError) as caught:
        catalog.update_menu_item(conn, "DRIP-L", code="DRIP")
    assert caught.value.field == "code"
    assert catalog.update_menu_item(conn, "DRIP-L", code="DRIP-L")["code"] == "DRIP-L"
    with pytest.raises(ValidationError) as caught:
        catalog.get_menu_item(conn, "NOPE")
    assert caught.value.field == "menu_item"
