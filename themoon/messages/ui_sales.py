"""Dashboard words of sales and profit (issue #13): the Overview's sales cards, the Sales & profit
tab, and the Import tab's POS-export kind."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    # --- Overview cards ----------------------------------------------------------------------------
    "kpi.net_sales": ("Net sales", "순매출"),
    "kpi.gross_profit": ("Gross profit", "매출총이익"),
    "kpi.sales.sub": ("{change} vs {previous} the period before", "직전 기간 {previous} 대비 {change}"),
    "kpi.sales.no_before": ("no sales in the period before", "직전 기간 판매 없음"),
    "kpi.sales.none": ("no sales in this period", "이 기간 판매 없음"),
    # --- the tab ---------------------------------------------------------------------------------------
    "tab.sales": ("Sales & profit", "매출·이익"),
    "sp.intro": (
        "What the till sold (Import tab: POS export) against what the coffee cost: the cost of a sold unit "
        "is its dose at the product's actual cost per roasted kg over the 30 days before the sale.",
        "POS 판매 기록(가져오기 탭: POS 내보내기)과 커피 원가를 맞춰 봅니다: 판매 1개의 원가는 판매일 이전 30일의 "
        "실제 로스팅 kg당 원가 × 사용량입니다.",
    ),
    "sp.empty": (
        "No sales in this period. Import a POS export in the Import tab.",
        "이 기간에는 판매 기록이 없습니다. 가져오기 탭에서 POS 내보내기 파일을 가져오세요.",
    ),
    "sp.kpi.revenue": ("Net sales", "순매출"),
    "sp.kpi.revenue.sub": ("{qty} units sold", "{qty}개 판매"),
    "sp.kpi.cogs": ("Cost of goods sold", "매출원가"),
    "sp.kpi.cogs.sub": ("coffee at its actual cost + extras", "커피 실제 원가 + 부자재"),
    "sp.kpi.gross_profit": ("Gross profit", "매출총이익"),
    "sp.kpi.gross_profit.sub": ("margin {margin}", "이익률 {margin}"),
    "sp.kpi.roi": ("ROI", "ROI"),
    "sp.kpi.roi.sub": ("gross profit ÷ cost of goods sold", "매출총이익 ÷ 매출원가"),
    "sp.chart.weekly": ("Net sales and gross profit per week, by channel", "주별 순매출과 매출총이익 (채널별)"),
    "sp.chart.weekly.x": ("Week starting", "주 시작일"),
    "sp.chart.revenue": ("{channel} net sales", "{channel} 순매출"),
    "sp.chart.profit": ("{channel} gross profit", "{channel} 매출총이익"),
    "sp.chart.menu": ("Menu engineering: units sold × contribution margin", "메뉴 엔지니어링: 판매량 × 공헌이익"),
    "sp.chart.menu.x": ("Units sold", "판매량"),
    "sp.chart.menu.y": ("Contribution margin per unit", "개당 공헌이익"),
    "sp.chart.menu.note": (
        "Each item is classed among the items of its channel: popular when it sells at least 70 % of an even "
        "share, profitable when its margin per unit is at least the channel's average (the lines).",
        "각 메뉴는 같은 채널 안에서 분류합니다: 판매량이 균등 몫의 70 % 이상이면 인기, 개당 이익이 채널 평균(선) "
        "이상이면 고수익입니다.",
    ),
    "sp.chart.menu.none": ("No items sold in this channel.", "이 채널에서 팔린 메뉴가 없습니다."),
    "sp.class.star": ("Star", "스타"),
    "sp.class.plowhorse": ("Plowhorse", "쟁기말"),
    "sp.class.puzzle": ("Puzzle", "퍼즐"),
    "sp.class.dog": ("Dog", "도그"),
    "sp.items": ("Items ranked by gross profit", "매출총이익 순 메뉴"),
    "sp.items.more": ("{n} more items", "외 {n}개 메뉴"),
    "sp.col.item": ("Item", "메뉴"),
    "sp.col.channel": ("Channel", "채널"),
    "sp.col.qty": ("Units", "수량"),
    "sp.col.revenue": ("Net sales", "순매출"),
    "sp.col.cogs": ("COGS", "매출원가"),
    "sp.col.gross_profit": ("Gross profit", "매출총이익"),
    "sp.col.margin": ("Margin", "이익률"),
    "sp.col.roi": ("ROI", "ROI"),
    "sp.col.class": ("Class", "분류"),
    "sp.recon": ("Where the coffee went", "로스팅한 커피의 행방"),
    "sp.recon.note": (
        "Roasted coffee against coffee sold (units × dose or bag size). The rest is tastings, waste, staff "
        "drinks or stock on the shelf; above {threshold} it needs attention.",
        "로스팅량과 판매량(수량 × 사용량 또는 봉투 용량)을 비교합니다. 나머지는 시음, 폐기, 직원 음료, 매장 재고이며 "
        "{threshold}를 넘으면 확인이 필요합니다.",
    ),
    "sp.recon.none": ("Nothing roasted or sold in this period.", "이 기간에는 로스팅도 판매도 없습니다."),
    "sp.col.product": ("Product", "제품"),
    "sp.col.roasted": ("Roasted", "로스팅"),
    "sp.col.sold": ("Sold", "판매"),
    "sp.col.unexplained": ("Not sold", "미판매"),
    "sp.col.unexplained_pct": ("% of roasted", "로스팅 대비"),
    "sp.col.unexplained_won": ("Worth", "금액"),
    "sp.col.attention": ("Attention", "확인"),
    "sp.attention": ("over {threshold}", "{threshold} 초과"),
    "sp.threshold": ("Attention above (% of roasted)", "확인 기준 (로스팅 대비 %)"),
    "sp.threshold.save": ("Save threshold", "기준 저장"),
    "sp.threshold.saved": ("Threshold saved: {threshold}.", "확인 기준을 저장했습니다: {threshold}."),
    "sp.footer": ("Sales {since} – {until} · updated {time}", "판매 {since} – {until} · {time} 갱신"),
    # --- the Import tab's POS-export kind ------------------------------------------------------------------
    "imp.kind.sales": ("Sales (POS export, .csv or .xlsx)", "판매 (POS 내보내기, .csv 또는 .xlsx)"),
    "imp.help.sales": (
        "A POS export of sales per day and item, or per receipt line (summed per day and item): CSV in UTF-8 "
        "or CP949/EUC-KR, or .xlsx, with Korean or English headers. Totals rows and blank lines are skipped; "
        "a file with one bad row is refused whole. The file's days replace the days already imported.",
        "일자·메뉴별 또는 영수증 줄별(일자·메뉴별로 합산) POS 판매 내보내기 파일: UTF-8 또는 CP949/EUC-KR CSV, "
        "또는 .xlsx, 한글 또는 영문 머리글. 합계 행과 빈 줄은 건너뛰며, 잘못된 행이 하나라도 있으면 파일 전체를 "
        "가져오지 않습니다. 파일의 날짜는 이미 가져온 같은 날짜를 대체합니다.",
    ),
    "imp.kind_item": ("menu item", "메뉴"),
    "imp.entity.sales_daily": ("Sales (day × item)", "판매 (일자 × 메뉴)"),
}
