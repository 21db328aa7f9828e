"""The café's reference data (SPEC §2) as plain Python constants.

Facts come from the café's own files (the old app's database, the roasting-log and analysis
workbooks and the menu workbook, see `shared/fixtures/legacy/README.md`). Where the files say
nothing, a value here is our assumption and is marked ASSUMED in a comment. `themoon.demo`
writes all of this through the public API; importers and tests may read it as well.

Units as everywhere in themoon: money in integer won, weights in integer grams.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BeanRef:
    code: str  # stable ASCII code, ours
    name_en: str
    name_ko: str
    country: str
    roast_level: str  # the café's own code: W, N, Pb, Rh, SD, SC (meanings are the owner's)
    process: str  # '' when the café's files do not say
    green_won_per_kg: int | None  # last price the owner entered; None = unknown
    reorder_point_g: int
    legacy_no: int | None = None  # row number in the café's 13-bean table (None: not in it)
    notes: str = ""


@dataclass(frozen=True)
class BlendRef:
    code: str
    name_en: str
    name_ko: str
    description: str
    components: dict[str, int] = field(default_factory=dict)  # bean code -> parts


@dataclass(frozen=True)
class MenuItemRef:
    code: str
    name_en: str
    name_ko: str
    channel: str  # cup | bag | wholesale
    product: str  # 'blend:CODE' or 'bean:CODE'
    dose_g: int  # roasted coffee per cup, or the bag size
    price_won: int
    extra_cost_won: int  # cup + lid (+ milk), or packaging


# --- beans -------------------------------------------------------------------------------------
# Processes are from the menu workbook's price lists and bag labels (e.g. "케냐 마사이 AA / Washed").
# Decaf processes: the menu workbook sells the Ethiopian decaf as "시다모 G2 / Swiss Water" and the
# Colombian one as "포파얀 Sugarcane Decaf"; the Brazilian one is named Swiss Water.
# Reorder points are ASSUMED: about two weeks of use for the blend beans, less for the rest.

BEANS: tuple[BeanRef, ...] = (
    BeanRef("ETH-YIRGACHEFFE", "Yirgacheffe", "예가체프", "Ethiopia", "W", "Washed", 5_500, 5_000, 1),
    BeanRef("ETH-MOMORA", "Momora", "모모라", "Ethiopia", "N", "Natural", 4_500, 4_000, 2),
    BeanRef("ETH-KOKE-HONEY", "Koke Honey", "코케허니", "Ethiopia", "N", "Natural", 4_800, 3_000, 3),
    BeanRef("ETH-URAGA", "Uraga", "우라가", "Ethiopia", "W", "Washed", 5_200, 3_000, 4),
    BeanRef(
        "KEN-MASAI-AA",
        "Kenya Masai AA",
        "마사이 AA",
        "Kenya",
        "W",
        "Washed",
        6_200,
        10_000,
        5,
        notes="AA FAQ in the café's bean table; sold as Kenya Masai AA (마사이).",
    ),
    BeanRef("KEN-KIRINYAGA", "Kirinyaga", "키린야가", "Kenya", "Pb", "Washed", 5_800, 3_000, 6),
    BeanRef("COL-HUILA", "Huila", "후일라", "Colombia", "W", "Washed", 5_900, 8_000, 7),
    BeanRef("GTM-ANTIGUA", "Antigua", "안티구아", "Guatemala", "W", "Washed", 6_000, 10_000, 8),
    BeanRef("CRI-EL-TANQUE", "El Tanque", "엘탄케", "Costa Rica", "Rh", "Red Honey", 5_400, 3_000, 9),
    BeanRef("BRA-FAZENDA-CARMO", "Fazenda Carmo", "파젠다카르모", "Brazil", "N", "Natural", 4_700, 12_000, 10),
    BeanRef(
        "ETH-DECAF-SDM",
        "Decaf SDM",
        "디카페 SDM",
        "Ethiopia",
        "SD",
        "Swiss Water decaf",
        None,
        2_000,
        11,
    ),
    BeanRef("COL-DECAF-SM", "Decaf SM", "디카페 SM", "Colombia", "SC", "Sugar-cane decaf", None, 2_000, 12),
    BeanRef(
        "BRA-DECAF-SWISS-WATER",
        "Brazil Swiss Water Decaf",
        "스위스워터",
        "Brazil",
        "SD",
        "Swiss Water decaf",
        None,
        2_000,
        13,
    ),
    # Named by the roasting-log form and used by the blends; not in the 13-bean table.
    # Prices ASSUMED (the café's files give none): commercial grades, a little under Momora.
    BeanRef(
        "ETH-SIDAMO-G4",
        "Sidamo G4",
        "시다모G4",
        "Ethiopia",
        "N",
        "",
        4_200,
        4_000,
        notes="Green price assumed (₩4,200/kg); not in the café's price table.",
    ),
    BeanRef(
        "BRA-SANTOS",
        "Santos",
        "산토스",
        "Brazil",
        "N",
        "",
        4_000,
        3_000,
        notes="Green price assumed (₩4,000/kg); not in the café's price table.",
    ),
)

BEANS_BY_CODE: dict[str, BeanRef] = {b.code: b for b in BEANS}
DECAF_BEANS: tuple[str, ...] = ("ETH-DECAF-SDM", "COL-DECAF-SM", "BRA-DECAF-SWISS-WATER")


# --- blends ------------------------------------------------------------------------------------

BLENDS: tuple[BlendRef, ...] = (
    BlendRef(
        "FULL-MOON",
        "Full Moon",
        "풀문",
        "Evening/night premium blend. Kenya Masai AA 4, Antigua 4, Momora 1, Sidamo G4 1 "
        "(the café's analysis workbook and roasting form).",
        {"KEN-MASAI-AA": 4, "GTM-ANTIGUA": 4, "ETH-MOMORA": 1, "ETH-SIDAMO-G4": 1},
    ),
    BlendRef(
        "NEW-MOON",
        "New Moon",
        "뉴문",
        "Morning/afternoon daily blend: Brazil 60 %, Colombia 30 %, Ethiopia 10 % (bag label). "
        "Brazil is Fazenda Carmo (Santos can stand in).",
        {"BRA-FAZENDA-CARMO": 6, "COL-HUILA": 3, "ETH-SIDAMO-G4": 1},
    ),
    BlendRef(
        "ECLIPSE-MOON",
        "Eclipse Moon",
        "이클립스문",
        "Decaf blend: Colombia decaf SM + Brazil Swiss Water decaf. The café never recorded "
        "the parts; 1:1 is an assumption.",
        # ASSUMED 1:1 (parts not recorded anywhere in the café's files)
        {"COL-DECAF-SM": 1, "BRA-DECAF-SWISS-WATER": 1},
    ),
    BlendRef(
        "SEASONAL",
        "Seasonal",
        "시즈널",
        "Limited seasonal blend: Yirgacheffe 2, AA FAQ (Kenya Masai AA) 2, Fazenda Carmo 1.",
        {"ETH-YIRGACHEFFE": 2, "KEN-MASAI-AA": 2, "BRA-FAZENDA-CARMO": 1},
    ),
)

BLENDS_BY_CODE: dict[str, BlendRef] = {b.code: b for b in BLENDS}


# --- menu ----------------------------------------------------------------------------------------
# Prices from the menu workbook where it has them (single-origin hand drip ₩3,000–5,500 regular,
# large +₩1,000; 200 g bags ₩12,000–18,500, 1 kg = 2.5 × 200 g; café au lait; cold brew ₩5,000;
# drip bag ₩1,500, box of 7 ₩8,000; Dutch coffee 500 ml ₩25,000). Blend cup and bag prices, doses
# and extra costs are ASSUMED: regular 18–20 g, large +5 g; cup + lid ₩150 (large ₩180); milk
# ₩600 (large ₩800); bag packaging ₩800 (200 g) / ₩1,500 (1 kg).

CUP = 150
CUP_LARGE = 180
MILK = 600
MILK_LARGE = 800
BAG_200 = 800
BAG_1KG = 1_500
LARGE_EXTRA_WON = 1_000
LARGE_EXTRA_G = 5


def _drip(code: str, product: str, name_en: str, name_ko: str, price: int, dose: int) -> tuple[MenuItemRef, ...]:
    """A hand-drip cup, regular and large."""
    return (
        MenuItemRef(f"CUP-{code}", f"{name_en} hand drip", f"{name_ko} 핸드드립", "cup", product, dose, price, CUP),
        MenuItemRef(
            f"CUP-{code}-L",
            f"{name_en} hand drip (large)",
            f"{name_ko} 핸드드립 (큰컵)",
            "cup",
            product,
            dose + LARGE_EXTRA_G,
            price + LARGE_EXTRA_WON,
            CUP_LARGE,
        ),
    )


def _bags(code: str, product: str, name_en: str, name_ko: str, price_200: int) -> tuple[MenuItemRef, ...]:
    """Retail beans: 200 g and 1 kg (always 2.5 × the 200 g price)."""
    price_1kg = price_200 * 5 // 2
    return (
        MenuItemRef(
            f"BAG-{code}-200", f"{name_en} beans 200 g", f"{name_ko} 원두 200g", "bag", product, 200, price_200, BAG_200
        ),
        MenuItemRef(
            f"BAG-{code}-1KG", f"{name_en} beans 1 kg", f"{name_ko} 원두 1kg", "bag", product, 1000, price_1kg, BAG_1KG
        ),
    )


MENU: tuple[MenuItemRef, ...] = (
    # hand drip: blends
    *_drip("FULL-MOON", "blend:FULL-MOON", "Full Moon", "풀문", 5_000, 20),
    *_drip("NEW-MOON", "blend:NEW-MOON", "New Moon", "뉴문", 4_000, 18),
    *_drip("ECLIPSE-MOON", "blend:ECLIPSE-MOON", "Eclipse Moon (decaf)", "이클립스문 (디카페인)", 5_000, 18),
    *_drip("SEASONAL", "blend:SEASONAL", "Seasonal", "시즈널", 5_500, 18),
    # hand drip: single origins (menu workbook prices)
    *_drip("YIRGACHEFFE", "bean:ETH-YIRGACHEFFE", "Yirgacheffe", "예가체프", 4_000, 18),
    *_drip("KOKE-HONEY", "bean:ETH-KOKE-HONEY", "Koke Honey", "코케허니", 5_500, 18),
    *_drip("URAGA", "bean:ETH-URAGA", "Uraga", "우라가", 5_000, 18),
    *_drip("KIRINYAGA", "bean:KEN-KIRINYAGA", "Kirinyaga", "키린야가", 5_500, 18),
    *_drip("EL-TANQUE", "bean:CRI-EL-TANQUE", "El Tanque", "엘탄케", 5_500, 18),
    *_drip("DECAF-SDM", "bean:ETH-DECAF-SDM", "Decaf SDM", "디카페 SDM", 5_000, 18),
    # milk drinks and cold coffee
    MenuItemRef("CUP-CAFE-AU-LAIT", "Café au lait", "카페오레", "cup", "blend:NEW-MOON", 18, 4_500, CUP + MILK),
    MenuItemRef(
        "CUP-CAFE-AU-LAIT-L",
        "Café au lait (large)",
        "카페오레 (큰컵)",
        "cup",
        "blend:NEW-MOON",
        23,
        5_500,
        CUP_LARGE + MILK_LARGE,
    ),
    MenuItemRef(
        "CUP-CAPPUCCINO", "Sugar cappuccino", "달콤한 카푸치노", "cup", "blend:FULL-MOON", 18, 4_500, CUP + MILK
    ),
    # cold brew 300 ml: about 25 g of coffee; cup, lid and straw
    MenuItemRef("CUP-COLD-BREW", "Cold brew", "콜드브루", "cup", "blend:NEW-MOON", 25, 5_000, 200),
    # retail bags
    *_bags("FULL-MOON", "blend:FULL-MOON", "Full Moon", "풀문", 16_000),
    *_bags("NEW-MOON", "blend:NEW-MOON", "New Moon", "뉴문", 13_000),
    *_bags("ECLIPSE-MOON", "blend:ECLIPSE-MOON", "Eclipse Moon (decaf)", "이클립스문 (디카페인)", 18_000),
    *_bags("SEASONAL", "blend:SEASONAL", "Seasonal", "시즈널", 17_000),
    *_bags("YIRGACHEFFE", "bean:ETH-YIRGACHEFFE", "Yirgacheffe", "예가체프", 12_000),
    *_bags("MASAI-AA", "bean:KEN-MASAI-AA", "Kenya Masai AA", "케냐 마사이 AA", 17_000),
    *_bags("KIRINYAGA", "bean:KEN-KIRINYAGA", "Kirinyaga", "키린야가", 18_500),
    *_bags("KOKE-HONEY", "bean:ETH-KOKE-HONEY", "Koke Honey", "코케허니", 18_500),
    *_bags("ANTIGUA", "bean:GTM-ANTIGUA", "Antigua", "안티구아", 12_000),
    *_bags("HUILA", "bean:COL-HUILA", "Huila", "후일라", 12_000),
    # drip bags: 10 g each; filter + sachet ₩250 (ASSUMED), the box of 7 adds a ₩500 box
    MenuItemRef("DRIPBAG-NEW-MOON", "Drip bag", "드립백", "bag", "blend:NEW-MOON", 10, 1_500, 250),
    MenuItemRef(
        "DRIPBAG-NEW-MOON-7", "Drip bags, box of 7", "드립백 1박스(7개)", "bag", "blend:NEW-MOON", 70, 8_000, 2_250
    ),
    # Dutch (cold-drip) coffee 500 ml bottle, sold to take away: about 70 g of coffee; bottle ₩700
    MenuItemRef("DUTCH-500ML", "Dutch coffee 500 ml", "더치커피 500ml", "bag", "blend:FULL-MOON", 70, 25_000, 700),
    # wholesale (ASSUMED prices: what a neighbouring café pays per kg)
    MenuItemRef(
        "WS-NEW-MOON-1KG",
        "New Moon wholesale 1 kg",
        "뉴문 납품 1kg",
        "wholesale",
        "blend:NEW-MOON",
        1000,
        25_000,
        1_000,
    ),
    MenuItemRef(
        "WS-FULL-MOON-1KG",
        "Full Moon wholesale 1 kg",
        "풀문 납품 1kg",
        "wholesale",
        "blend:FULL-MOON",
        1000,
        30_000,
        1_000,
    ),
)


# --- cost settings (SPEC §2: "cost settings the owner used") --------------------------------------
# Keyword arguments for `themoon.cost_settings.save`. The planned session size is ASSUMED (12 kg
# roasted per session spreads the fixed session costs for standard costs).

COST_SETTINGS: dict[str, object] = {
    "expected_loss_pct": "16.7",
    "use_recent_loss": False,
    "roasting_won_per_kg": 2_000,
    "labour_won_per_hour": 15_000,
    "labour_minutes_per_session": 120,
    "energy_won_per_session": 5_000,
    "misc_won_per_session": 3_000,
    "planned_session_roasted_g": 12_000,
    "price_multiplier_pct": 250,
}


# --- demo users ---------------------------------------------------------------------------------

DEMO_USERS: tuple[dict[str, str], ...] = (
    {"username": "owner", "password": "moon", "role": "owner", "display_name": "사장님 (owner)"},
    {"username": "staff", "password": "moon", "role": "staff", "display_name": "매니저 (staff)"},
)
