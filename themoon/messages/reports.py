"""Report words: errors of report parameters and periods, report, table and chart titles."""

PAIRS: dict[str, tuple[str, str]] = {
    "report.none": ("none", "없음"),
    # --- report charts, in the report's language (themoon/reports/charts.py) ---------------
    "report.chart.no_data": ("no data for this period", "이 기간의 데이터 없음"),
    "report.chart.cost_per_kg": ("Cost per roasted kg", "원두 kg당 원가"),
    "report.chart.cost_breakdown": ("Roast cost by product and part", "제품별 로스팅 원가 구성"),
    "report.chart.loss_by_product": ("Loss by product", "제품별 손실률"),
    "report.chart.monthly_trend": ("Roasting and cost per kg, month by month", "월별 로스팅량과 kg당 원가"),
    "report.chart.roasted_per_day": ("Roasted per day", "일별 로스팅량"),
    "report.chart.batch_variance": ("Loss variance per batch", "배치별 손실 편차"),
    "report.chart.loss_by_operator": ("Loss by operator", "로스터별 손실률"),
    "report.chart.stock_levels": ("Green stock against reorder points", "생두 재고와 재주문점"),
    "report.chart.runout_timeline": ("Days until run-out", "소진까지 남은 일수"),
    "report.chart.stock_value": ("Green stock value by week", "주별 생두 재고 금액"),
    "report.chart.menu_margins_cup": ("Margins of cup items", "음료 마진"),
    "report.chart.menu_margins": ("Margins of {channel} items", "{channel} 마진"),
    "report.chart.legend.green": ("green coffee", "생두"),
    "report.chart.legend.roasting": ("roasting", "로스팅"),
    "report.chart.legend.session": ("energy + labour + misc", "세션 비용"),
    "report.chart.legend.weighted_loss": ("weighted loss", "가중 손실률"),
    "report.chart.legend.expected": ("expected", "기대"),
    "report.chart.legend.roasted_kg": ("roasted kg", "로스팅량"),
    "report.chart.legend.cost_per_kg": ("₩ per roasted kg", "kg당 원가"),
    "report.chart.legend.stock": ("stock", "재고"),
    "report.chart.legend.reorder_point": ("reorder point", "재주문점"),
    "report.chart.legend.runout": ("run-out", "소진"),
    "report.chart.legend.order_by": ("order by", "주문일"),
    "report.chart.legend.standard": ("standard", "표준"),
    "report.chart.profit_by_item": ("Gross profit by menu item and class", "메뉴별 매출총이익과 분류"),
    "report.chart.axis.cost_per_kg": ("₩ / roasted kg", "원두 kg당 ₩"),
    "report.chart.axis.loss": ("loss %", "손실률 %"),
    "report.chart.axis.margin": ("margin %", "마진 %"),
    "report.chart.axis.gross_profit": ("gross profit ₩", "매출총이익 ₩"),
    "report.chart.axis.roasted_kg": ("roasted kg", "로스팅 kg"),
    "report.chart.axis.variance": ("loss − expected (pt)", "손실 − 기대 (%p)"),
    "report.chart.axis.batches": ("batches in roasting order", "로스팅 순서의 배치"),
    "report.chart.axis.days_after": ("days after {day}", "{day} 이후 일수"),
    # --- report and table titles (themoon/reports/builders.py) ------------------------------
    "report.table.summary": ("Key figures: {period} against {previous}", "주요 지표: {period} 대 {previous}"),
    "report.table.costs_by_product": ("Cost per roasted kg by product", "제품별 원두 kg당 원가"),
    "report.table.cost_breakdown": ("Where the roast cost goes", "로스팅 원가 구성"),
    "report.table.loss_by_product": ("Loss by product", "제품별 손실"),
    "report.table.open_alerts": ("Open loss alerts (all periods)", "미해결 손실 경고 (전체 기간)"),
    "report.table.anomalies": ("Loss anomalies", "손실 이상 배치"),
    "report.table.purchases": ("Green coffee purchases", "생두 입고"),
    "report.table.stock_movement": ("Green stock and its value", "생두 재고와 금액"),
    "report.table.menu_margins": ("Margins per menu item", "메뉴별 마진"),
    "report.table.trend": ("The last {months} months", "최근 {months}개월 추이"),
    "report.table.batches": ("Batches", "배치"),
    "report.table.by_day": ("Roasting per day", "일별 로스팅"),
    "report.table.by_day_product": ("Roasting per day and product", "일별·제품별 로스팅"),
    "report.table.loss_status": ("30-day loss status on {day}", "{day} 기준 30일 손실 상태"),
    "report.table.stock_now": ("Green stock at the end of {day}", "{day} 마감 생두 재고"),
    "report.table.runout_none": ("Run-out dates", "소진 예상일"),
    "report.table.runout": ("Run-out dates and reorder suggestions", "소진 예상일과 재주문 제안"),
    "report.table.reorder_none": ("Order now", "지금 주문"),
    "report.table.reorder": ("Order by {day}", "{day}까지 주문"),
    "report.table.stock_value": ("Green stock value, last {weeks} weeks", "최근 {weeks}주 재고 금액"),
    "report.title.monthly_cost": ("Monthly cost report", "월간 원가 보고서"),
    "report.title.weekly_roasting": ("Weekly roasting report", "주간 로스팅 보고서"),
    "report.title.inventory": ("Inventory report", "재고 보고서"),
    "report.table.loss_by_operator": ("Loss by operator", "로스터별 손실"),
    # --- the key-figures table (themoon/reports/builders.py SUMMARY_METRICS) --------------------
    "report.metric.batches": ("batches", "배치 수"),
    "report.metric.sessions": ("roasting sessions (days)", "로스팅 세션(일)"),
    "report.metric.roasted_kg": ("roasted coffee", "로스팅 원두"),
    "report.metric.green_kg": ("green coffee used", "생두 사용량"),
    "report.metric.weighted_loss_pct": ("loss, weighted by green weight", "가중 평균 손실률"),
    "report.metric.avg_loss_pct": ("loss, mean of batches", "배치 평균 손실률"),
    "report.metric.expected_loss_pct": ("expected loss", "기대 손실률"),
    "report.metric.loss_variance_pts": ("mean loss − expected", "평균 손실 − 기대"),
    "report.metric.green_cost_won": ("green coffee cost", "생두 원가"),
    "report.metric.roast_cost_won": ("roast cost (green + roasting + sessions)", "로스팅 원가 합계"),
    "report.metric.avg_cost_per_roasted_kg_won": ("cost per roasted kg", "원두 kg당 원가"),
    "report.metric.excess_loss_won": ("money lost to loss above expected", "기대 초과 손실 금액"),
    "report.metric.anomalies": ("loss anomalies", "손실 이상 배치"),
    "report.metric.critical": ("… of which critical", "… 그중 위험"),
    "report.metric.purchases": ("green purchases", "생두 입고 건수"),
    "report.metric.purchased_kg": ("green bought", "생두 입고량"),
    "report.metric.purchases_won": ("spent on green coffee", "생두 구입액"),
    "report.metric.stock_kg": ("green stock at the end", "기말 생두 재고"),
    "report.metric.stock_value_won": ("green stock value at the end", "기말 재고 금액"),
    "report.metric.cup_margin_pct": ("mean standard margin of cups at the end", "음료 평균 표준 마진"),
    # --- themoon/reports/registry.py ---------------------------------------------------------------
    "report.no_report_called_there_are": (
        "no report called '{name}' (there are: {names})",
        "'{name}' 보고서가 없습니다 ({names})",
    ),
    "report.must_be_true_or_false": ("must be true or false", "true 또는 false여야 합니다"),
    "report.must_be_one_line_of_at": ("must be one line of at most 200 characters", "200자 이하 한 줄이어야 합니다"),
    "report.is_out_of_range": ("is out of range", "범위를 벗어났습니다"),
    "report.must_be_a_finite_number": ("must be a finite number", "유한한 숫자여야 합니다"),
    "report.is_set_by_the_runner": ("is set by the runner{hint}", "실행기가 정하는 값입니다{hint}"),
    "report.is_not_a_parameter_of_it": (
        "is not a parameter of {report} (it takes: {known})",
        "{report}의 매개변수가 아닙니다 ({known})",
    ),
    "report.is_not_a_whole_number": ("'{value}' is not a whole number", "'{value}'은(는) 정수가 아닙니다"),
    "report.is_not_a_number": ("'{value}' is not a number", "'{value}'은(는) 숫자가 아닙니다"),
    # --- themoon/reports/periods.py ----------------------------------------------------------------
    "report.period_not_understood": (
        "'{text}' is not a {kind} like {example}, 'previous' or 'current'{why}",
        "'{text}'은(는) {example} 같은 {kind} 또는 'previous'/'current'가 아닙니다{why}",
    ),
    "report.period_years": (" (years {earliest}–9999)", " ({earliest}–9999년)"),
    "report.kind.month": ("month", "월"),
    "report.kind.week": ("week", "주"),
    "report.kind.day": ("day", "날짜"),
    "report.period.month": ("{start:%B %Y}", "{start.year}년 {start.month}월"),
    "report.period.week": (
        "week {number} of {year} ({start} – {end})",
        "{year}년 {number}주차 ({start} – {end})",
    ),
    "report.period.day": ("{start.day} {start:%B %Y}", "{start.year}년 {start.month}월 {start.day}일"),
    "report.has_not_started_yet_today_is": (
        "{period} has not started yet (today is {today})",
        "{period}은(는) 아직 시작되지 않았습니다 (오늘 {today})",
    ),
}

# The report's own words (one language per report: themoon/reports/tables.py, builders.py, letter.py).
PAIRS.update(
    {
        "report.yes": ("yes", "예"),
        "report.more_rows": (
            "first {shown:,} of {rows:,} rows; all of them are in the .xlsx",
            "{rows:,}행 중 처음 {shown:,}행; 전체는 .xlsx에 있습니다",
        ),
        "report.generated": ("generated {at} from {database}", "{database}에서 {at}에 생성"),
        # --- sections (a printed page breaks before each) -------------------------------------------
        "report.section.sales": ("Sales and gross profit", "매출과 매출총이익"),
        "report.section.costs": ("Roast costs", "로스팅 원가"),
        "report.section.loss": ("Roast loss", "로스팅 손실"),
        "report.section.stock": ("Green coffee bought and in stock", "생두 입고와 재고"),
        "report.section.menu": ("Menu margins", "메뉴 마진"),
        "report.section.trend": ("The year so far", "추이"),
        "report.section.batches": ("Batches", "배치"),
        "report.section.alerts": ("Loss alerts", "손실 경고"),
        "report.section.reorder": ("What to order", "주문할 생두"),
        # --- new tables ------------------------------------------------------------------------------
        "report.table.profit": (
            "Sales and gross profit: {period} against {previous}",
            "매출과 매출총이익: {period} 대 {previous}",
        ),
        "report.table.items": ("Menu items: sales, gross profit and class", "메뉴별 매출, 매출총이익, 분류"),
        "report.table.reconciliation": ("Where the roasted coffee went", "로스팅한 원두의 행방"),
        "report.metric.revenue_won": ("net sales", "순매출"),
        "report.metric.cogs_won": ("cost of goods sold", "매출원가"),
        "report.metric.gross_profit_won": ("gross profit", "매출총이익"),
        "report.metric.gross_margin_pct": ("gross margin", "매출총이익률"),
        "report.metric.roi_pct": ("ROI (gross profit ÷ cost of goods sold)", "ROI (매출총이익 ÷ 매출원가)"),
        # --- notes under the tables ------------------------------------------------------------------
        "report.note.summary": (
            "change = this − previous (points for percentages); stock and margin as of each period's last day",
            "변화 = 이번 − 이전 (백분율은 %p); 재고와 마진은 각 기간 마지막 날 기준",
        ),
        "report.note.profit": (
            "net sales after discounts; cost of goods sold = each cup or bag at the cost per roasted kg of the "
            "30 days before its sale; ROI = gross profit ÷ cost of goods sold",
            "순매출은 할인 후 금액; 매출원가 = 판매 전 30일의 원두 kg당 원가로 계산한 잔·봉지 원가; "
            "ROI = 매출총이익 ÷ 매출원가",
        ),
        "report.note.items": (
            "{star}; {plowhorse}; {puzzle}; {dog} (each item against the others of its channel)",
            "{star}; {plowhorse}; {puzzle}; {dog} (같은 채널의 메뉴끼리 비교)",
        ),
        "report.note.reconciliation": (
            "sold = cups and bags sold × their dose or size; not explained = roasted − sold (tastings, waste, "
            "staff drinks, stock change), worth it at the month's cost per roasted kg; attention above {threshold} %",
            "판매량 = 판매한 잔·봉지 × 투입량; 설명되지 않은 양 = 로스팅 − 판매 (시음, 폐기, 직원 음료, 재고 변화), "
            "금액은 그달의 원두 kg당 원가; {threshold}% 초과 시 주의",
        ),
        "report.note.costs_by_product": (
            "actual = the month's roast cost ÷ roasted kg; standard = the planning cost on the month's last day",
            "실제 = 그달 로스팅 원가 ÷ 로스팅 kg; 표준 = 그달 마지막 날의 계획 원가",
        ),
        "report.note.cost_breakdown": (
            "green = frozen green cost; roasting = ₩/kg roasted; session = energy + labour + misc of the day, "
            "shared by green weight. Parts are rounded per batch, so they may differ from the total by a few won.",
            "생두 = 로스팅 시점의 생두 원가; 로스팅 = kg당 로스팅비; "
            "세션 = 그날의 에너지 + 인건비 + 기타를 생두 무게로 나눔. "
            "배치마다 반올림하므로 합계와 몇 원 다를 수 있습니다.",
        ),
        "report.note.loss_by": (
            "weighted = (green − roasted) ÷ green over all batches; sd, lowest and highest of the batch losses "
            "(quartiles in the .xlsx)",
            "가중 = 전체 배치의 (생두 − 원두) ÷ 생두; 배치 손실률의 표준편차, 최저, 최고 (사분위수는 .xlsx에)",
        ),
        "report.note.anomalies": (
            "|loss − expected| > 3 pt: WARNING (HIGH above, LOW below), > 5 pt: CRITICAL; "
            "run = consecutive anomalous batches of the product",
            "|손실 − 기대| > 3%p: 경고 (높음/낮음), > 5%p: 위험; 연속 = 같은 제품의 연속 이상 배치 수",
        ),
        "report.note.purchases": (
            "total incl. freight and duty; price per kg = total ÷ kg",
            "합계는 운송비와 관세 포함; kg당 가격 = 합계 ÷ kg",
        ),
        "report.note.stock_movement": (
            "opening = end of the day before the period; closing = end of its last day; "
            "value at the moving-average cost",
            "기초 = 기간 전날 마감; 기말 = 마지막 날 마감; 금액은 이동평균 원가",
        ),
        "report.note.menu_margins": (
            "standard cost on the month's last day (margin target {target} % from the price multiplier); "
            "actual = with the month's actual cost per roasted kg",
            "그달 마지막 날의 표준 원가 (목표 마진 {target}%, 가격 배수 기준); 실제 = 그달 실제 원두 kg당 원가로 계산",
        ),
        "report.note.trend": (
            "months with roasts only; cost per roasted kg = the month's roast cost ÷ roasted kg",
            "로스팅이 있는 달만; 원두 kg당 원가 = 그달 로스팅 원가 ÷ 로스팅 kg",
        ),
        "report.note.batches": (
            "loss = (green − roasted) ÷ green; variance = loss − expected; cost = green + roasting + "
            "the day's session costs shared by green weight",
            "손실 = (생두 − 원두) ÷ 생두; 편차 = 손실 − 기대; 원가 = 생두 + 로스팅 + 그날 세션 비용(생두 무게로 배분)",
        ),
        "report.note.loss_status": (
            "anomalies in the 30 days up to the week's end: NORMAL < 2, ATTENTION 2–4, CRITICAL ≥ 5",
            "주 마지막 날까지 30일간 이상 배치: 정상 < 2, 주의 2–4, 위험 ≥ 5",
        ),
        "report.note.stock_now": (
            "stock = purchases − roasts ± stocktakes; value at the moving-average cost; low = at or below the "
            "reorder point",
            "재고 = 입고 − 로스팅 ± 실사; 금액은 이동평균 원가; 부족 = 재주문점 이하",
        ),
        "report.note.runout": (
            "forecast: day-of-week profile of recent use; early/late = the {level} interval; reorder date = "
            "early run-out − {lead_time_days} days lead time; quantity covers {cover_days} days after arrival "
            "plus safety stock, whole kg",
            "예측: 최근 사용량의 요일별 패턴; 이른/늦은 = {level} 구간; 재주문일 = 이른 소진일 − 리드타임 "
            "{lead_time_days}일; 수량은 도착 후 {cover_days}일분과 안전재고, kg 단위",
        ),
        "report.note.reorder": (
            "beans whose suggested reorder date falls within {window} days of {day}",
            "{day}부터 {window}일 안에 재주문일이 오는 생두",
        ),
        "report.note.stock_value": (
            "at the end of each week (Monday = the week's start)",
            "매주 마감 기준 (월요일 시작)",
        ),
        "report.why.order_now": (
            "order now: a lot ordered today arrives just in time or late",
            "지금 주문: 오늘 주문해도 빠듯하거나 늦게 도착합니다",
        ),
        "report.why.order_within": ("order within {days} days", "{days}일 안에 주문"),
        # --- the monthly letter (themoon/reports/letter.py) -------------------------------------------
        "report.letter.cost_rose": (
            "Cost per roasted kg rose {change} to {cost} ({previous}: {before}).",
            "원두 kg당 원가가 {change} 올라 {cost}입니다 ({previous}: {before}).",
        ),
        "report.letter.cost_fell": (
            "Cost per roasted kg fell {change} to {cost} ({previous}: {before}).",
            "원두 kg당 원가가 {change} 내려 {cost}입니다 ({previous}: {before}).",
        ),
        "report.letter.cost_same": (
            "Cost per roasted kg held at {cost} ({previous}: {before}, {change}).",
            "원두 kg당 원가는 {cost}로 그대로입니다 ({previous}: {before}, {change}).",
        ),
        "report.letter.cost_only": (
            "Cost per roasted kg was {cost} (nothing roasted in {previous}).",
            "원두 kg당 원가는 {cost}입니다 ({previous}에는 로스팅 없음).",
        ),
        "report.letter.no_roasts": ("Nothing was roasted this month.", "이번 달에는 로스팅이 없었습니다."),
        "report.letter.profit_up": (
            "Gross profit {profit} on net sales of {revenue} (margin {margin}, ROI {roi}): {change} more than in "
            "{previous}.",
            "매출총이익 {profit}, 순매출 {revenue} (마진 {margin}, ROI {roi}): {previous}보다 {change} 늘었습니다.",
        ),
        "report.letter.profit_down": (
            "Gross profit {profit} on net sales of {revenue} (margin {margin}, ROI {roi}): {change} less than in "
            "{previous}.",
            "매출총이익 {profit}, 순매출 {revenue} (마진 {margin}, ROI {roi}): {previous}보다 {change} 줄었습니다.",
        ),
        "report.letter.profit": (
            "Gross profit {profit} on net sales of {revenue} (margin {margin}, ROI {roi}; {previous}: no change "
            "or no sales).",
            "매출총이익 {profit}, 순매출 {revenue} (마진 {margin}, ROI {roi}; {previous}: 변화 또는 매출 없음).",
        ),
        "report.letter.no_sales": (
            "No sales were recorded this month: import the till's export to see profit.",
            "이번 달 판매 기록이 없습니다: 포스 판매 자료를 가져오면 이익이 보입니다.",
        ),
        "report.letter.margins_ok": (
            "Every menu item is at or above the target margin of {target}.",
            "모든 메뉴가 목표 마진 {target} 이상입니다.",
        ),
        "report.letter.below_target_one": (
            "{count} menu item is below the target margin of {target}: {names}.",
            "{count}개 메뉴가 목표 마진 {target} 아래입니다: {names}.",
        ),
        "report.letter.below_target": (
            "{count} menu items are below the target margin of {target}: {names}.",
            "{count}개 메뉴가 목표 마진 {target} 아래입니다: {names}.",
        ),
        "report.letter.fell_below": (
            "New below the target this month: {names}.",
            "이번 달 새로 목표 아래로 내려간 메뉴: {names}.",
        ),
        "report.letter.and_more": (" and {count} more", " 외 {count}개"),
        "report.letter.coffee_ok": (
            "All roasted coffee is accounted for by sales within {threshold}.",
            "로스팅한 원두는 판매와 {threshold} 이내로 맞습니다.",
        ),
        "report.letter.coffee": (
            "{count} product(s) had more than {threshold} of their roasted coffee not explained by sales: {names}.",
            "{count}개 제품은 로스팅한 원두의 {threshold} 넘게 판매로 설명되지 않습니다: {names}.",
        ),
        "report.letter.loss_ok": (
            "Loss {loss} against {expected} expected, with no anomalous batch.",
            "손실률 {loss} (기대 {expected}), 이상 배치 없음.",
        ),
        "report.letter.loss": (
            "Loss {loss} against {expected} expected; {anomalies} anomalous batch(es), {critical} critical.",
            "손실률 {loss} (기대 {expected}); 이상 배치 {anomalies}건, 그중 위험 {critical}건.",
        ),
        "report.letter.stars": ("Stars of the month (popular and profitable): {names}.", "이달의 스타 메뉴: {names}."),
    }
)

# Column headers (report.col.<key>) and words of the domain in table cells (report.value.<word>).
PAIRS.update(
    {
        "report.col.actual_cost_per_kg_won": ("actual ₩/kg", "실제 kg당 원가"),
        "report.col.actual_cost_won": ("actual cost", "실제 원가"),
        "report.col.actual_margin_pct": ("actual margin", "실제 마진"),
        "report.col.actual_vs_standard_pct": ("actual vs standard", "실제 대 표준"),
        "report.col.alert": ("alert", "경고"),
        "report.col.anomalies": ("anomalies", "이상 배치"),
        "report.col.anomalies_30d": ("anomalies (30 days)", "이상 배치 (30일)"),
        "report.col.anomaly_rate": ("anomaly rate", "이상 비율"),
        "report.col.as_of": ("as of", "기준일"),
        "report.col.attention": ("needs attention", "주의"),
        "report.col.avg_cost_per_kg_won": ("average ₩/kg", "평균 kg당 원가"),
        "report.col.avg_loss_pct": ("mean loss", "평균 손실률"),
        "report.col.batch_cost_won": ("batch cost", "배치 원가"),
        "report.col.batch_id": ("batch", "배치"),
        "report.col.batches": ("batches", "배치 수"),
        "report.col.bean": ("bean", "생두"),
        "report.col.below_target": ("below target", "목표 미달"),
        "report.col.change": ("change", "변화"),
        "report.col.change_pct": ("change %", "변화율"),
        "report.col.channel": ("channel", "채널"),
        "report.col.class": ("class", "분류"),
        "report.col.closing_stock_kg": ("closing stock", "기말 재고"),
        "report.col.closing_value_won": ("closing value", "기말 금액"),
        "report.col.cogs_won": ("cost of goods sold", "매출원가"),
        "report.col.cost_per_roasted_kg_won": ("₩ per roasted kg", "원두 kg당 원가"),
        "report.col.cost_won": ("standard cost", "표준 원가"),
        "report.col.day": ("day", "날짜"),
        "report.col.days_left": ("days left", "남은 일수"),
        "report.col.direction": ("direction", "방향"),
        "report.col.dose_g": ("dose", "투입량"),
        "report.col.excess_loss_won": ("loss above expected (₩)", "기대 초과 손실 금액"),
        "report.col.excess_lost_g": ("lost above expected", "기대 초과 손실량"),
        "report.col.expected_loss_pct": ("expected loss", "기대 손실률"),
        "report.col.forecast_next_7d_g": ("forecast next 7 days", "향후 7일 예측"),
        "report.col.green_cost_won": ("green coffee", "생두 원가"),
        "report.col.green_g": ("green", "생두"),
        "report.col.green_kg": ("green", "생두"),
        "report.col.gross_profit_won": ("gross profit", "매출총이익"),
        "report.col.item": ("item code", "메뉴 코드"),
        "report.col.kind": ("kind", "종류"),
        "report.col.label": ("figure", "지표"),
        "report.col.label_ko": ("figure (Korean)", "지표 (한국어)"),
        "report.col.level": ("level", "수준"),
        "report.col.longest_run_30d": ("longest run (30 days)", "최장 연속 (30일)"),
        "report.col.loss_pct": ("loss", "손실률"),
        "report.col.lot_code": ("lot", "로트"),
        "report.col.low": ("low", "부족"),
        "report.col.margin_change_pts": ("margin change", "마진 변화"),
        "report.col.margin_pct": ("margin", "마진"),
        "report.col.max_loss_pct": ("highest loss", "최고 손실률"),
        "report.col.median_loss_pct": ("median loss", "중앙 손실률"),
        "report.col.metric": ("key", "키"),
        "report.col.min_loss_pct": ("lowest loss", "최저 손실률"),
        "report.col.name": ("name", "이름"),
        "report.col.name_en": ("name (English)", "이름 (영문)"),
        "report.col.name_ko": ("name (Korean)", "이름 (한국어)"),
        "report.col.opening_stock_kg": ("opening stock", "기초 재고"),
        "report.col.opening_value_won": ("opening value", "기초 금액"),
        "report.col.operator": ("roaster", "로스터"),
        "report.col.order_by": ("order by", "주문일"),
        "report.col.period": ("period", "기간"),
        "report.col.prev_actual_cost_per_kg_won": ("previous ₩/kg", "이전 kg당 원가"),
        "report.col.prev_margin_pct": ("previous margin", "이전 마진"),
        "report.col.previous_period": ("previous", "이전"),
        "report.col.price_per_kg_won": ("₩ per kg", "kg당 가격"),
        "report.col.price_won": ("price", "가격"),
        "report.col.product": ("product", "제품"),
        "report.col.purchased_kg": ("bought", "입고량"),
        "report.col.purchased_on": ("bought on", "입고일"),
        "report.col.q1_loss_pct": ("lower quartile loss", "1사분위 손실률"),
        "report.col.q3_loss_pct": ("upper quartile loss", "3사분위 손실률"),
        "report.col.qty": ("sold", "판매 수량"),
        "report.col.reorder_date": ("reorder on", "재주문일"),
        "report.col.reorder_point_kg": ("reorder point", "재주문점"),
        "report.col.reorder_qty_kg": ("reorder quantity", "재주문량"),
        "report.col.resolved": ("resolved", "해결"),
        "report.col.revenue_won": ("net sales", "순매출"),
        "report.col.roast_cost_won": ("roast cost", "로스팅 원가"),
        "report.col.roasted_g": ("roasted", "원두"),
        "report.col.roasted_kg": ("roasted", "로스팅량"),
        "report.col.roasted_on": ("roasted on", "로스팅일"),
        "report.col.roasting_cost_won": ("roasting", "로스팅비"),
        "report.col.run_length": ("run", "연속"),
        "report.col.runout_date": ("runs out", "소진 예상일"),
        "report.col.runout_early": ("earliest", "가장 이른 소진"),
        "report.col.runout_late": ("latest", "가장 늦은 소진"),
        "report.col.sd_pct": ("spread (sd)", "표준편차"),
        "report.col.session_cost_won": ("session costs", "세션 비용"),
        "report.col.sold_kg": ("sold", "판매량"),
        "report.col.standard_cost_per_kg_won": ("standard ₩/kg", "표준 kg당 원가"),
        "report.col.status": ("status", "상태"),
        "report.col.stock_kg": ("stock", "재고"),
        "report.col.suggested_price_won": ("suggested price", "권장 가격"),
        "report.col.supplier": ("supplier", "공급처"),
        "report.col.this_period": ("this period", "이번"),
        "report.col.total_won": ("total", "합계"),
        "report.col.unexplained_kg": ("not explained", "설명되지 않은 양"),
        "report.col.unexplained_pct": ("not explained %", "설명되지 않은 비율"),
        "report.col.unexplained_won": ("not explained (₩)", "설명되지 않은 금액"),
        "report.col.unit": ("unit", "단위"),
        "report.col.usage_per_day_g": ("use per day", "일 사용량"),
        "report.col.value_won": ("value", "금액"),
        "report.col.variance_pct": ("variance", "편차"),
        "report.col.weighted_loss_pct": ("weighted loss", "가중 손실률"),
        "report.col.why": ("why", "이유"),
        "report.value.bean": ("bean", "생두"),
        "report.value.blend": ("blend", "블렌드"),
        "report.value.cup": ("cup", "음료"),
        "report.value.bag": ("bag", "원두 판매"),
        "report.value.wholesale": ("wholesale", "납품"),
        "report.value.warning": ("WARNING", "경고"),
        "report.value.critical": ("CRITICAL", "위험"),
        "report.value.high": ("HIGH", "높음"),
        "report.value.low": ("LOW", "낮음"),
        "report.value.normal": ("NORMAL", "정상"),
        "report.value.attention": ("ATTENTION", "주의"),
        "report.value.star": ("star", "스타"),
        "report.value.plowhorse": ("plowhorse", "쟁기말"),
        "report.value.puzzle": ("puzzle", "퍼즐"),
        "report.value.dog": ("dog", "도그"),
    }
)

# Ids whose Korean leaves out a value the English names (see themoon.messages.KO_OMITS).
KO_OMITS: frozenset[str] = frozenset({})
