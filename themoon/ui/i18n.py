"""The dashboard's words in English and Korean. `t(key, lang, **values)` looks one up."""

from __future__ import annotations

LANGUAGES = (("English", "en"), ("한국어", "ko"))
CAFE_NAME = "The Moon Drip BAR · 더문드립바"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "subtitle": "Roasting cost dashboard",
        "refresh": "Refresh",
        "period.month": "This month",
        "period.30d": "Last 30 days",
        "period.90d": "Last 90 days",
        "period.year": "This year",
        "kpi.roasted": "Roasted",
        "kpi.roasted.sub": "{cost} per roasted kg",
        "kpi.roasted.none": "no roasts in this period",
        "kpi.batches": "Batches",
        "kpi.batches.sub": "roast cost {cost}",
        "kpi.loss": "Average loss",
        "kpi.loss.sub": "expected {expected} · {variance}",
        "kpi.loss.none": "expected {expected}",
        "kpi.stock_value": "Green stock value",
        "kpi.stock_value.sub": "{kg} in {beans} beans",
        "kpi.low_stock": "Low stock",
        "kpi.low_stock.sub": "beans at or below reorder point",
        "kpi.alerts": "Open loss alerts",
        "kpi.alerts.sub": "{critical} critical",
        "points": "pt",
        "chart.weekly": "Roasted per week, by product",
        "chart.weekly.x": "Week starting",
        "chart.weekly.none": "No roasts in this period.",
        "chart.weekly.other": "Other",
        "chart.stock": "Green stock vs reorder point",
        "chart.stock.bar": "Stock",
        "chart.stock.marker": "Reorder point",
        "chart.stock.none": "No active beans yet.",
        "low.title": "Low stock",
        "low.bean": "Bean",
        "low.stock": "Stock",
        "low.reorder": "Reorder point",
        "low.short": "Short by",
        "low.none": "Every active bean is above its reorder point.",
        "msg.empty": "No data yet. Add beans, green-coffee purchases and roasts — or load the demo data with "
        "<code>themoon demo</code> — and they will show up here.",
        "msg.missing": "The database <code>{path}</code> was not found. Create it with <code>themoon init</code> "
        "(or <code>themoon demo</code> for sample data), then refresh.",
        "msg.upgrade": "The database <code>{path}</code> has schema version {have}, this themoon expects "
        "{want}. Run <code>themoon init</code> to upgrade it, then refresh.",
        "msg.error": "The figures could not be read ({error}). Details are in the server log.",
        "demo": "Demo data — these figures are generated examples, not the café's records.",
        "footer": "{since} – {until} · updated {time}",
    },
    "ko": {
        "subtitle": "로스팅 비용 대시보드",
        "refresh": "새로고침",
        "period.month": "이번 달",
        "period.30d": "최근 30일",
        "period.90d": "최근 90일",
        "period.year": "올해",
        "kpi.roasted": "로스팅량",
        "kpi.roasted.sub": "로스팅 kg당 {cost}",
        "kpi.roasted.none": "이 기간 로스팅 없음",
        "kpi.batches": "배치 수",
        "kpi.batches.sub": "로스팅 원가 {cost}",
        "kpi.loss": "평균 손실률",
        "kpi.loss.sub": "기준 {expected} · {variance}",
        "kpi.loss.none": "기준 {expected}",
        "kpi.stock_value": "생두 재고 가치",
        "kpi.stock_value.sub": "{beans}종 {kg}",
        "kpi.low_stock": "재고 부족",
        "kpi.low_stock.sub": "재주문점 이하 원두",
        "kpi.alerts": "미해결 손실 경고",
        "kpi.alerts.sub": "위험 {critical}건",
        "points": "%p",
        "chart.weekly": "주별 로스팅량 (제품별)",
        "chart.weekly.x": "주 시작일",
        "chart.weekly.none": "이 기간에는 로스팅 기록이 없습니다.",
        "chart.weekly.other": "기타",
        "chart.stock": "생두 재고 vs 재주문점",
        "chart.stock.bar": "재고",
        "chart.stock.marker": "재주문점",
        "chart.stock.none": "활성 원두가 아직 없습니다.",
        "low.title": "재고 부족 원두",
        "low.bean": "원두",
        "low.stock": "재고",
        "low.reorder": "재주문점",
        "low.short": "부족량",
        "low.none": "모든 활성 원두가 재주문점 이상입니다.",
        "msg.empty": "아직 데이터가 없습니다. 원두, 생두 입고, 로스팅을 기록하거나 <code>themoon demo</code>로 "
        "데모 데이터를 불러오면 여기에 표시됩니다.",
        "msg.missing": "데이터베이스 <code>{path}</code>를 찾을 수 없습니다. <code>themoon init</code>으로 "
        "만든 뒤(예시 데이터는 <code>themoon demo</code>) 새로고침하세요.",
        "msg.upgrade": "데이터베이스 <code>{path}</code>의 스키마 버전은 {have}, 이 프로그램은 {want}입니다. "
        "<code>themoon init</code>으로 업그레이드한 뒤 새로고침하세요.",
        "msg.error": "수치를 읽지 못했습니다 ({error}). 자세한 내용은 서버 로그에 있습니다.",
        "demo": "데모 데이터 — 카페의 실제 기록이 아닌 예시 수치입니다.",
        "footer": "{since} ~ {until} · {time} 갱신",
    },
}


def normalize(lang: str | None) -> str:
    """'ko', 'ko-KR', 'KO' → 'ko'; anything unknown → 'en'."""
    code = (lang or "en").strip().lower().replace("_", "-").split("-")[0]
    return code if code in STRINGS else "en"


def t(key: str, lang: str | None = "en", **values: object) -> str:
    """The text of `key` in `lang` (English when missing), with `values` filled in."""
    text = STRINGS[normalize(lang)].get(key)
    if text is None:
        text = STRINGS["en"].get(key, key)
    return text.format(**values) if values else text
