"""The café's own Korean words that the importers read: sheet names, column headers and the old
app's vocabulary. They are reference data (what the café's files say), not text shown to the owner,
so they live here rather than in the message catalogue; the importers import them by name.

The menu workbook (메뉴판.xlsx; 26 sheets, explored with openpyxl; merged cells everywhere):

- `원두가격표 (탄)` / `원두가격표(신)`: the retail bean price lists, dark-roast (탄콩) and light-roast
  (신콩) lines. Per bean two rows: row n = number (A), origin/name/grade/process (B:F merged),
  200 g price (G) and 1 kg price (H), each merged over rows n..n+1; row n+1 = tier (스페셜 티,
  프리미엄, …) and tasting notes. Section rows ("아프리카 스페셜티커피 …") repeat the `200g` / `1Kg`
  header. 1 kg is always 2.5 × 200 g.
- `탄콩`, `신콩` (copies `(2)`, `(3)`) and `드립커피(신콩,탄콩)`: hand-drip cups, same layout with
  `보통컵` (regular) / `큰컵` (large) headers; the large price is mostly a formula `=SUM(G5+1000)`
  (the cached value is read), sometimes typed.
- `우유음료` (+ `(2)`), `티&음료` (+ `(2)`), `시그니처`: milk drinks, Dutch-coffee drinks, cold brew,
  teas, signature drinks (`ONE SIZE` or `보통컵`/`큰컵` columns), a decaf/single-origin surcharge
  line, and retail items sold by volume or count (`규격`/`가격`: Dutch coffee 500 ml, PET bottles,
  drip bags).
- `원두메뉴판`, `원두진열 가격표`: shelf price tags (200 g prices written out in Korean words), label
  sheets (`원두라벨…`, `원두봉투…`, `커피병라벨`), `Sheet3` (a 신/탄 list), `Sheet1` (empty).

The roasting workbooks (explored with openpyxl):

- `moon_roasting_log.xlsx` (문드립바 로스팅 일지): `Sheet1` is the printable daily form, four copies
  per page (B–P and R–AF, rows 1–21 and 23–43): a 13-bean table (no | country code, merged
  vertically over the beans of one country | name | roast level code) with empty green (생두량) /
  roasted (볶은량) / stock columns, Full Moon / New Moon / Eclipse Moon sections (names only) and a
  reservation list. The copies on file are blank. `Sheet1 (2)` is the blend batch calculator:
  per blend a block `name | 생두량 =C2/0.83 | 볶은량 =E2*0.4 | parts | base` with the title
  ("풀문 블랜딩", "뉴문 블랜딩") and the roasted batch size (22,000 g / 4,000 g) in the base column.
- `roasting_log_analysis.xlsx` (로스팅일지_분석결과): sheet `분석 결과` with the 13-bean table
  (`No | 국가 | 원두명 | 로스팅 레벨`, '-' = same country as above), the Full Moon and New Moon
  recipes (`원두명 | 포션(개) | 가격(₩)`; the "prices" 22,000 / 4,000 are the calculator's batch
  sizes, not prices) and summary counts. A recipe's section title names the blend
  ('2. 블렌딩 레시피 (풀문 블렌드)' → '풀문 블렌드'; '풀문 블랜딩' → '풀문 블랜딩').
"""

from __future__ import annotations

import re

# --- the menu workbook (themoon/io/menu.py) ------------------------------------------------------

MENU_PRICE_SHEETS = ("원두가격표 (탄)", "원두가격표(신)")
# column headers (normalised) → the size they price
MENU_HEADER_WORDS = {
    "보통컵": "regular",
    "큰컵": "large",
    "onesize": "regular",
    "200g": "200g",
    "1kg": "1kg",
    "가격": "price",
}
MENU_SIZE_COLUMN = "규격"  # the size column of retail items sold by volume or count
# size → (code in external ids, English label, the workbook's word)
MENU_SIZE_LABEL = {
    "regular": ("R", "regular", "보통컵"),
    "large": ("L", "large", "큰컵"),
    "200g": ("200G", "200 g", "200g"),
    "1kg": ("1KG", "1 kg", "1kg"),
}
MENU_STYLES = {"DARK": ("dark roast", "탄콩"), "LIGHT": ("light roast", "신콩")}
MENU_DARK_MARK = "탄"  # a sheet title naming the dark roast
MENU_LIGHT_MARK = "신"  # a sheet title naming the light roast

# --- the roasting workbooks (themoon/io/workbook.py) ---------------------------------------------

WORKBOOK_BLEND_WORDS = ("블렌딩", "블랜딩", "블렌드", "블랜드", "브랜드", "blend")
WORKBOOK_BEAN_NAME = "원두명"  # header of a recipe's bean column
WORKBOOK_PORTION = "포션"  # header (prefix) of a recipe's parts column
WORKBOOK_PRICE = "가격"  # header (prefix) of a recipe's "price" (batch size) column
WORKBOOK_GREEN = "생두량"  # the calculator's green-weight header
WORKBOOK_ROASTED = "볶은량"  # the calculator's roasted-weight header

# --- the old roasting app's database (themoon/io/legacy.py) --------------------------------------

LEGACY_COUNTRY_BY_NAME = {
    "에티오피아": "Ethiopia",
    "케냐": "Kenya",
    "콜롬비아": "Colombia",
    "과테말라": "Guatemala",
    "코스타리카": "Costa Rica",
    "브라질": "Brazil",
}
LEGACY_BLEND_SUFFIXES = ("", "블렌드", "블렌딩", "blend")
# Names of single origins as the café says them (old one-row "blends", roasting-log notes).
LEGACY_PRODUCT_NAMES = {
    "마사이": "KEN-MASAI-AA",
    "masai": "KEN-MASAI-AA",
    "안티구아": "GTM-ANTIGUA",
    "모모라": "ETH-MOMORA",
    "g4": "ETH-SIDAMO-G4",
    "시다모g4": "ETH-SIDAMO-G4",
    "브라질": "BRA-FAZENDA-CARMO",
    "콜롬비아": "COL-HUILA",
}
LEGACY_IN = "입고"  # transaction type: stock-in
LEGACY_RELEASE = "출고"  # transaction type: release
LEGACY_USE = "사용"  # transaction type: use
LEGACY_MIGRATION = "마이그레이션"  # in the notes of roasting logs the old app's migration invented
LEGACY_AUTO_MIGRATION = "자동 마이그레이션"
LEGACY_SAMPLE = "샘플"  # transactions described as sample data
LEGACY_MASAI = "마사이"
LEGACY_YIRGACHEFFE = "예가체프"
LEGACY_SWISS_WATER = "스위스워터"
LEGACY_SIDAMO_G4 = "시다모G4"

# --- POS sales exports (themoon/io/sales.py) --------------------------------------------------
# The words Korean and English POS exports use in their headers (normalised: NFKC, case-folded,
# without spaces, punctuation and bracketed units), totals rows, refund markers and amounts.
POS_HEADERS: dict[str, tuple[str, ...]] = {
    "date": (
        "일자", "날짜", "판매일자", "판매일", "영업일자", "영업일", "매출일자", "매출일", "거래일자", "거래일",
        "거래일시", "판매일시", "결제일시", "date", "saledate", "salesdate", "businessdate", "day", "orderdate",
        "transactiondate",
    ),
    "item": (
        "상품명", "메뉴명", "품목명", "메뉴", "상품", "품목", "제품명", "item", "itemname", "menuitem", "menu",
        "product", "productname", "name",
    ),
    "qty": ("수량", "판매수량", "판매량", "매출수량", "qty", "quantity", "count", "sold", "units", "unitssold"),
    "gross": (
        "총매출", "총매출액", "매출액", "판매금액", "매출금액", "총판매금액", "금액", "gross", "grosssales",
        "sales", "amount", "grossamount",
    ),
    "discount": ("할인", "할인금액", "할인액", "discount", "discounts", "discountamount"),
    "net": ("실매출", "실매출액", "순매출", "순매출액", "결제금액", "실결제금액", "net", "netsales", "netamount"),
    "refund": (
        "구분", "거래구분", "판매구분", "매출구분", "상태", "반품여부", "취소여부", "환불여부", "type", "status",
        "refund", "transactiontype", "isrefund",
    ),
}  # fmt: skip
POS_TOTAL_WORDS = frozenset(("합계", "소계", "총계", "총합계", "누계", "계", "total", "subtotal", "grandtotal", "sum"))
POS_REFUND_WORDS = frozenset(
    ("반품", "환불", "취소", "결제취소", "판매취소", "refund", "refunded", "return", "returned", "void", "voided",
     "cancel", "cancelled", "canceled")
)  # fmt: skip
POS_FLAG_YES = frozenset(("y", "yes", "true", "1", "o", "예"))
POS_AMOUNT_MARKS = ("₩", "원", "krw", "￦")
POS_DATE = re.compile(r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*일?(?:$|[\sT].*$)")
