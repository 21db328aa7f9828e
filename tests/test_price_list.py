"""Standard costs of products and menu items, and the what-if panel (themoon.price_list)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from conftest import ROAST_DAY, db_checksum

from themoon import catalog, cost_settings, inventory, price_list, roasting
from themoon.costing import round_decimal, round_won

F = Fraction


def by_product(rows):
    return {r["product"]: r for r in rows}


def by_item(rows):
    return {r["item"]: r for r in rows}


def test_product_costs_match_the_worked_example(small_cafe):
    rows = by_product(price_list.product_costs(small_cafe.conn, on=ROAST_DAY))
    fm = rows["FULL-MOON"]
    assert fm["cost_per_kg"] == F(10591400, 833)
    assert fm["cost_per_kg_won"] == 12_715
    assert fm["processing_per_kg_won"] == 5800
    assert fm["green_per_kg_won"] == 6915  # 5760000/833 = 6914.77
    assert fm["suggested_price_per_kg_won"] == 31_787
    assert fm["expected_loss_pct"] == 16.7
    assert fm["kind"] == "blend" and fm["name_ko"] == "풀문"
    assert rows["KEN-AA"]["cost_per_kg_won"] == 13_243
    assert list(rows) == ["FULL-MOON", "KEN-AA", "GUA-ANT", "ETH-MOM", "ETH-SID"]


def test_menu_costs_match_the_worked_example(small_cafe):
    items = by_item(price_list.menu_costs(small_cafe.conn, on=ROAST_DAY))
    cup = items["DRIP-FM"]
    assert (cup["cost_won"], cup["suggested_price_won"], cup["margin_pct"]) == (404, 1011, 91.9)
    assert (cup["channel"], cup["dose_g"], cup["price_won"], cup["extra_cost_won"]) == ("cup", 20, 5000, 150)
    bag = items["BAG-FM-200"]
    assert (bag["cost_won"], bag["suggested_price_won"], bag["margin_pct"]) == (3343, 8357, 77.7)


def test_margin_is_against_the_same_unit(small_cafe):
    conn = small_cafe.conn
    catalog.add_menu_item(
        conn,
        code="KG-FM",
        name_en="Full Moon 1 kg",
        channel="wholesale",
        product="FULL-MOON",
        dose_g=1000,
        price_won=37_500,
    )
    item = by_item(price_list.menu_costs(conn, on=ROAST_DAY))["KG-FM"]
    assert item["cost_won"] == 12_715
    assert item["margin_pct"] == float(round_decimal((37_500 - F(10591400, 833)) / 37_500 * 100, 1)) == 66.1


def test_a_bean_never_bought_has_no_cost(small_cafe):
    conn = small_cafe.conn
    catalog.add_bean(conn, code="ETH-YIR", name_en="Yirgacheffe")
    catalog.add_blend(conn, code="SEASONAL", name_en="Seasonal", components={"ETH-YIR": 2, "KEN-AA": 2})
    catalog.add_menu_item(
        conn, code="DRIP-SEA", name_en="Seasonal drip", channel="cup", product="SEASONAL", dose_g=18, price_won=6000
    )
    rows = by_product(price_list.product_costs(conn, on=ROAST_DAY))
    assert rows["ETH-YIR"]["cost_per_kg_won"] is None
    assert rows["SEASONAL"]["cost_per_kg_won"] is None
    assert rows["SEASONAL"]["processing_per_kg_won"] == 5800
    item = by_item(price_list.menu_costs(conn, on=ROAST_DAY))["DRIP-SEA"]
    assert item["cost_won"] is None and item["margin_pct"] is None and item["suggested_price_won"] is None


def test_a_free_menu_item_has_no_margin(small_cafe):
    catalog.update_menu_item(small_cafe.conn, "DRIP-FM", price_won=0)
    cup = by_item(price_list.menu_costs(small_cafe.conn, on=ROAST_DAY))["DRIP-FM"]
    assert cup["cost_won"] == 404 and cup["margin_pct"] is None


def test_costs_follow_the_moving_average(small_cafe):
    conn = small_cafe.conn
    batch = roasting.add_batch(conn, product="KEN-AA", green_g=6000, roasted_g=5000, roasted_on="2025-10-02")
    assert batch["green_cost_won"] == 37_200
    inventory.add_purchase(conn, bean="KEN-AA", grams=6000, total_won=48_000, purchased_on="2025-10-05")
    # (4000 × 6.2 + 48000) / 10000 = 7.28 ₩/g
    assert price_list.green_costs_per_kg(conn, date(2025, 10, 5))[small_cafe.beans["KEN-AA"]] == 7280
    assert price_list.green_costs_per_kg(conn, date(2025, 10, 4))[small_cafe.beans["KEN-AA"]] == 6200
    cost = by_product(price_list.product_costs(conn, on=date(2025, 10, 5)))["KEN-AA"]["cost_per_kg"]
    assert cost == F(7280 * 1000, 833) + 5800


def test_expected_loss_precedence(small_cafe):
    conn = small_cafe.conn
    settings = cost_settings.settings_on(conn, ROAST_DAY)
    fm = catalog.get_product(conn, "FULL-MOON")
    assert price_list.expected_loss(conn, fm, settings, ROAST_DAY) == F(167, 10)  # the settings'
    catalog.update_blend(conn, "FULL-MOON", expected_loss_pct="15")
    assert price_list.expected_loss(conn, fm, settings, ROAST_DAY) == 15  # the product's own
    # toggle on, but no batches yet: still the product's own
    recent = cost_settings.save(conn, effective_from="2025-10-02", use_recent_loss=True)
    assert price_list.expected_loss(conn, fm, recent, ROAST_DAY) == 15
    for day, roasted in ((3, 840), (4, 830), (5, 818)):  # 16 %, 17 %, 18.2 %
        roasting.add_batch(conn, product="FULL-MOON", green_g=1000, roasted_g=roasted, roasted_on=f"2025-10-0{day}")
    assert price_list.expected_loss(conn, fm, recent, ROAST_DAY) == F(256, 15)
    assert price_list.expected_loss(conn, fm, recent, date(2025, 10, 3)) == 16  # only batches up to the date
    row = by_product(price_list.product_costs(conn, on=ROAST_DAY))["FULL-MOON"]
    assert row["expected_loss_pct"] == 17.07
    assert row["cost_per_kg"] == F(5760) / (1 - F(256, 1500)) + 5800


def test_expected_loss_uses_only_the_last_ten_batches(small_cafe):
    conn = small_cafe.conn
    settings = cost_settings.save(conn, effective_from="2025-10-01", use_recent_loss=True)
    for day in range(2, 4):
        roasting.add_batch(conn, product="KEN-AA", green_g=1000, roasted_g=700, roasted_on=f"2025-10-{day:02}")
    for day in range(4, 14):
        roasting.add_batch(conn, product="KEN-AA", green_g=500, roasted_g=415, roasted_on=f"2025-10-{day:02}")
    ken = catalog.get_product(conn, "KEN-AA")
    assert price_list.expected_loss(conn, ken, settings, date(2025, 10, 13)) == 17


def test_product_costs_use_the_settings_in_force(small_cafe):
    conn = small_cafe.conn
    cost_settings.save(conn, effective_from="2025-11-01", labour_won_per_hour=18_000)
    before = by_product(price_list.product_costs(conn, on=date(2025, 10, 31)))["FULL-MOON"]
    after = by_product(price_list.product_costs(conn, on=date(2025, 11, 1)))["FULL-MOON"]
    assert before["processing_per_kg_won"] == 5800 and after["processing_per_kg_won"] == 6400
    assert after["cost_per_kg"] - before["cost_per_kg"] == 600


def test_what_if_writes_nothing(small_cafe):
    conn = small_cafe.conn
    before = db_checksum(conn)
    base = by_item(price_list.what_if(conn, on=ROAST_DAY))
    assert base["DRIP-FM"]["cost_won"] == 404
    dearer = by_item(price_list.what_if(conn, green_price_change_pct=10, on=ROAST_DAY))
    # green part of a cup: 5760000/833 × 1.1 × 20/1000
    cup = F(5760000, 833) * F(11, 10) * F(20, 1000) + F(5800 * 20, 1000) + 150
    assert dearer["DRIP-FM"]["cost_won"] == round_won(cup)
    lossy = by_item(price_list.what_if(conn, expected_loss_pct=F(20), on=ROAST_DAY))
    assert lossy["BAG-FM-200"]["cost_won"] == round_won(F(5760) / F(8, 10) * F(200, 1000) + F(5800 * 200, 1000) + 800)
    labour = by_item(price_list.what_if(conn, labour_won_per_hour=30_000, energy_won_per_session=10_000, on=ROAST_DAY))
    # processing = 2000 + (60000 + 10000 + 3000) / 10 = 9300 → +3500 ₩/kg → +70 ₩ a cup
    assert labour["DRIP-FM"]["cost_won"] == 404 + 70
    dose = by_item(price_list.what_if(conn, dose_change_g=2, on=ROAST_DAY))
    assert dose["DRIP-FM"]["dose_g"] == 22 and dose["BAG-FM-200"]["dose_g"] == 200  # cups only
    assert dose["DRIP-FM"]["cost_won"] == round_won(F(10591400, 833) * F(22, 1000) + 150)
    assert db_checksum(conn) == before
    assert cost_settings.settings_on(conn, ROAST_DAY).labour_won_per_hour == 15_000


def test_what_if_with_no_change_equals_menu_costs(small_cafe):
    assert price_list.what_if(small_cafe.conn, on=ROAST_DAY) == price_list.menu_costs(small_cafe.conn, on=ROAST_DAY)


@pytest.mark.parametrize("pct", [-50, 0, 25])
def test_what_if_green_change_scales_only_the_green_part(small_cafe, pct):
    rows = by_product(
        price_list.product_costs(
            small_cafe.conn,
            on=ROAST_DAY,
            green_per_kg={
                k: None if v is None else v * (1 + F(pct, 100))
                for k, v in price_list.green_costs_per_kg(small_cafe.conn, ROAST_DAY).items()
            },
        )
    )
    assert rows["FULL-MOON"]["cost_per_kg"] == F(5760000, 833) * (1 + F(pct, 100)) + 5800
