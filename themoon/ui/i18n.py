"""The dashboard's words in English and Korean. `t(key, lang, **values)` looks one up.

Each entry is a pair (English, 한국어), so a string cannot exist in one language only.
"""

from __future__ import annotations

LANGUAGES = (("English", "en"), ("한국어", "ko"))
CAFE_NAME = "The Moon Drip BAR · 더문드립바"

_PAIRS: dict[str, tuple[str, str]] = {
    # --- shell -------------------------------------------------------------------------------------
    "subtitle": ("Roasting cost dashboard", "로스팅 비용 대시보드"),
    "refresh": ("Refresh", "새로고침"),
    "demo": (
        "Demo data — these figures are generated examples, not the café's records.",
        "데모 데이터 — 카페의 실제 기록이 아닌 예시 수치입니다.",
    ),
    "footer": ("{since} – {until} · updated {time}", "{since} ~ {until} · {time} 갱신"),
    "app.footer": ("The Moon Drip BAR · database {db}", "더문드립바 · 데이터베이스 {db}"),
    "tab.overview": ("Overview", "개요"),
    "tab.roasting": ("Roasting", "로스팅"),
    "tab.inventory": ("Green inventory", "생두 재고"),
    "tab.catalog": ("Beans & blends", "원두·블렌드"),
    "tab.costs": ("Costs & prices", "원가·가격"),
    "tab.reports": ("Reports", "보고서"),
    "tab.imports": ("Import", "가져오기"),
    "tab.settings": ("Settings", "설정"),
    "role.owner": ("Owner", "점주"),
    "role.staff": ("Staff", "직원"),
    "role.viewer": ("Viewer", "조회자"),
    "yes": ("yes", "예"),
    "no": ("no", "아니오"),
    "points": ("pt", "%p"),
    "kind.blend": ("blend", "블렌드"),
    # --- sign-in -----------------------------------------------------------------------------------
    "auth.title": ("Sign in", "로그인"),
    "auth.note": ("Sign in with the account the owner gave you.", "점주가 만든 계정으로 로그인하세요."),
    "auth.demo_hint": (
        "Demo database: sign in as owner / moon or staff / moon.",
        "데모 데이터베이스: owner / moon 또는 staff / moon 으로 로그인하세요.",
    ),
    "auth.sign_in": ("Sign in", "로그인"),
    "auth.sign_out": ("Sign out", "로그아웃"),
    "auth.wrong": ("Wrong username or password.", "사용자 이름 또는 비밀번호가 틀렸습니다."),
    "auth.locked_for": (
        "Too many failed attempts: sign-in is refused for {wait} more (the owner can lift this with "
        "“themoon user unlock”).",
        "로그인 실패가 너무 많습니다: 앞으로 {wait} 동안 로그인할 수 없습니다 (점주는 “themoon user unlock”으로 "
        "풀 수 있습니다).",
    ),
    "auth.wait_min": ("{m} min {s} s", "{m}분 {s}초"),
    "auth.wait_s": ("{s} s", "{s}초"),
    "auth.first_title": ("Welcome — create the owner account", "환영합니다 — 점주 계정을 만드세요"),
    "auth.first_note": (
        "This database has no owner yet. The owner can do everything, and adds staff and viewers in Settings. "
        "To prove you run this machine, enter the setup code that “themoon init” or “themoon serve” printed "
        "(console and log); “themoon init” prints a new one.",
        "이 데이터베이스에는 아직 점주가 없습니다. 점주는 모든 기능을 쓸 수 있고, 설정에서 직원과 조회자를 추가합니다. "
        "이 컴퓨터를 관리하는 사람인지 확인하기 위해 “themoon init” 또는 “themoon serve”가 출력한 "
        "설정 코드(콘솔과 로그)를 입력하세요. “themoon init”을 실행하면 새 코드가 나옵니다.",
    ),
    "auth.create_owner": ("Create owner and sign in", "점주 계정 만들고 로그인"),
    "auth.owner_created": (
        "Owner account {username} created. Welcome!",
        "점주 계정 {username}이(가) 만들어졌습니다. 환영합니다!",
    ),
    "auth.signing_out": ("Signing out…", "로그아웃하는 중…"),
    "auth.ended.signed_out": ("You signed out.", "로그아웃했습니다."),
    "auth.ended.idle": (
        "You were signed out after {minutes} min without activity.",
        "{minutes}분 동안 사용하지 않아 로그아웃되었습니다.",
    ),
    "auth.ended.idle_any": (
        "You were signed out: the page was left idle.",
        "사용하지 않은 시간이 길어 로그아웃되었습니다.",
    ),
    "auth.ended.account": (
        "Your account was changed or deactivated: sign in again. Nothing was saved.",
        "계정이 변경되었거나 비활성화되었습니다. 다시 로그인하세요. 저장된 것은 없습니다.",
    ),
    "auth.ended.self": (
        "Your own account changed: please sign in again.",
        "내 계정이 변경되었습니다. 다시 로그인하세요.",
    ),
    # --- pages the server answers itself (themoon.server_guard: no kernel) ---------------------------
    "server.proxy_title": (
        "This dashboard needs a token or a password behind a reverse proxy",
        "리버스 프록시 뒤에서는 토큰이나 비밀번호가 필요합니다",
    ),
    "server.proxy_body": (
        "This request came through a reverse proxy (it carries X-Forwarded-For, Forwarded or X-Real-IP), "
        "but the themoon server has no credentials, so it serves nothing through the proxy.\n"
        'Whoever runs the server: set THEMOON_TOKEN (python3 -c "import secrets; print(secrets.token_urlsafe(32))") '
        "or THEMOON_PASSWORD_HASH (an argon2 hash from jupyter_server.auth.passwd) in /etc/themoon/themoon.env "
        '(systemd) or .env (Docker Compose), then restart themoon. See docs/operations.md, "Reverse proxy".',
        "이 요청은 리버스 프록시를 거쳐 왔지만(X-Forwarded-For, Forwarded 또는 X-Real-IP 헤더) "
        "themoon 서버에 인증 정보가 없어 프록시로는 아무것도 제공하지 않습니다.\n"
        "서버 관리자: /etc/themoon/themoon.env(systemd) 또는 .env(Docker Compose)에 THEMOON_TOKEN "
        '(python3 -c "import secrets; print(secrets.token_urlsafe(32))") 또는 THEMOON_PASSWORD_HASH '
        "(jupyter_server.auth.passwd로 만든 argon2 해시)를 설정하고 themoon을 다시 시작하세요. "
        'docs/operations.md의 "Reverse proxy"를 보세요.',
    ),
    "server.busy_title": ("The dashboard is busy", "대시보드가 사용 중입니다"),
    "server.busy_body": (
        "{n} dashboard pages are open, as many as this machine's memory allows. Close a tab you no longer "
        "use, or try again in {s} seconds (idle pages close by themselves after 10 minutes).",
        "이 컴퓨터의 메모리가 허용하는 만큼인 {n}개의 대시보드 페이지가 열려 있습니다. 쓰지 않는 탭을 닫거나 "
        "{s}초 후에 다시 시도하세요 (쓰지 않는 페이지는 10분 후 저절로 닫힙니다).",
    ),
    # --- messages ----------------------------------------------------------------------------------
    "msg.empty": (
        "No data yet. Add beans and green-coffee purchases, then log roasts — or load the demo data with "
        "`themoon demo` — and the figures will show up here.",
        "아직 데이터가 없습니다. 원두와 생두 입고를 등록하고 로스팅을 기록하거나 `themoon demo`로 데모 데이터를 "
        "불러오면 여기에 수치가 표시됩니다.",
    ),
    "msg.missing": (
        "The database {path} was not found. Create it with `themoon init` (or `themoon demo` for sample data), "
        "then reload the page.",
        "데이터베이스 {path}를 찾을 수 없습니다. `themoon init`으로 만든 뒤(예시 데이터는 `themoon demo`) "
        "페이지를 새로고침하세요.",
    ),
    "msg.upgrade": (
        "The database {path} has schema version {have}, this themoon expects {want}. Run `themoon init` to "
        "upgrade it, then reload the page.",
        "데이터베이스 {path}의 스키마 버전은 {have}, 이 프로그램은 {want}입니다. `themoon init`으로 "
        "업그레이드한 뒤 페이지를 새로고침하세요.",
    ),
    "msg.error": (
        "The figures could not be read ({error}). Details are in the server log.",
        "수치를 읽지 못했습니다 ({error}). 자세한 내용은 서버 로그에 있습니다.",
    ),
    "err.read": (
        "Something went wrong while reading the data ({error}). It was logged; try Refresh.",
        "데이터를 읽는 중 문제가 생겼습니다 ({error}). 기록해 두었으니 새로고침해 보세요.",
    ),
    "err.unexpected": (
        "Sorry — that did not work and nothing was saved. The problem was logged for the administrator.",
        "죄송합니다 — 처리하지 못했고 아무것도 저장되지 않았습니다. 관리자를 위해 기록해 두었습니다.",
    ),
    "err.denied": ("Your role does not allow this.", "현재 권한으로는 할 수 없는 작업입니다."),
    "err.account_changed": (
        "Your account was changed or deactivated: nothing was saved. Sign in again.",
        "계정이 변경되었거나 비활성화되어 저장하지 않았습니다. 다시 로그인하세요.",
    ),
    "err.bad_value": (
        "This value cannot be used here: choose or type another.",
        "여기에 쓸 수 없는 값입니다. 다른 값을 고르거나 입력하세요.",
    ),
    "form.fix": (
        "Please correct the marked fields — nothing was saved.",
        "표시된 항목을 고쳐 주세요 — 저장되지 않았습니다.",
    ),
    "confirm.save_anyway": ("Save anyway", "그래도 저장"),
    "confirm.go_back": ("Go back and check", "돌아가서 확인"),
    # --- buttons -----------------------------------------------------------------------------------
    "btn.save": ("Save", "저장"),
    "btn.cancel": ("Cancel", "취소"),
    "btn.clear": ("Clear", "지우기"),
    "btn.edit": ("Edit", "수정"),
    "btn.delete": ("Delete", "삭제"),
    "btn.confirm_delete": ("Yes, delete", "예, 삭제합니다"),
    "btn.cancel_edit": ("Cancel editing", "수정 취소"),
    "btn.deactivate": ("Deactivate", "비활성화"),
    "btn.reactivate": ("Reactivate", "다시 활성화"),
    "btn.remove": ("Remove", "빼기"),
    "btn.reset": ("Reset", "초기화"),
    # --- field labels ------------------------------------------------------------------------------
    "f.choose": ("— choose —", "— 선택 —"),
    "f.choose_batch": ("— choose a batch —", "— 배치 선택 —"),
    "f.all": ("All", "전체"),
    "f.all_products": ("All products", "전체 제품"),
    "f.product": ("Product", "제품"),
    "f.bean": ("Bean", "원두"),
    "f.blend": ("Blend", "블렌드"),
    "f.batch": ("Batch", "배치"),
    "f.roasted_on": ("Roast date", "로스팅 날짜"),
    "f.operator": ("Roaster", "로스터"),
    "f.green_g": ("Green (g)", "생두 (g)"),
    "f.component": ("{name} · {share} (g)", "{name} · {share} (g)"),
    "f.roasted_g": ("Roasted (g)", "로스팅 후 (g)"),
    "f.minutes": ("Roast time (min)", "로스팅 시간 (분)"),
    "f.notes": ("Notes", "메모"),
    "f.since": ("From", "시작일"),
    "f.until": ("To", "종료일"),
    "f.alert_note": ("Resolution note", "해결 메모"),
    "f.purchased_on": ("Purchase date", "입고일"),
    "f.grams": ("Quantity (g)", "수량 (g)"),
    "f.total_won": ("Total paid incl. freight (₩)", "총 결제액, 운송비 포함 (₩)"),
    "f.supplier": ("Supplier", "공급처"),
    "f.lot_code": ("Lot", "로트"),
    "f.counted_on": ("Count date", "실사일"),
    "f.counted_g": ("Counted stock (g)", "실사 재고 (g)"),
    "f.reason": ("Reason", "사유"),
    "f.search": ("Search", "검색"),
    "f.status": ("Status", "상태"),
    "f.status.active": ("Active", "사용 중"),
    "f.status.inactive": ("Inactive", "사용 안 함"),
    "f.status.all": ("All", "전체"),
    "f.country": ("Country", "원산지"),
    "f.code": ("Code", "코드"),
    "f.name_en": ("Name (English)", "이름 (영문)"),
    "f.name_ko": ("Name (Korean)", "이름 (한글)"),
    "f.process": ("Process", "가공 방식"),
    "f.roast_level": ("Roast level", "로스팅 단계"),
    "f.reorder_point_g": ("Reorder point (g)", "재주문점 (g)"),
    "f.expected_loss_pct": ("Expected loss (%)", "기준 손실률 (%)"),
    "f.blank_default": ("blank = from cost settings", "비우면 비용 설정값"),
    "f.description": ("Description", "설명"),
    "f.recipe": ("Recipe (parts per bean)", "레시피 (원두별 파트)"),
    "f.parts": ("Parts", "파트"),
    "f.green_change": ("Green price change (%)", "생두 가격 변화 (%)"),
    "f.whatif_loss": ("Loss (%)", "손실률 (%)"),
    "f.blank_own": ("blank = each product's own", "비우면 제품별 기준"),
    "f.own_loss": ("each product's own", "제품별 기준"),
    "f.labour_won_per_hour": ("Labour (₩/h)", "인건비 (₩/시간)"),
    "f.energy_won_per_session": ("Energy per session (₩)", "세션당 전기료 (₩)"),
    "f.dose_change": ("Dose per cup change (g)", "잔당 원두량 변화 (g)"),
    "f.effective_from": ("Effective from", "적용 시작일"),
    "f.use_recent_loss": (
        "Use each product's last 10 batches as its expected loss",
        "최근 10배치 평균을 기준 손실률로 사용",
    ),
    "f.roasting_won_per_kg": ("Roasting (₩ per roasted kg)", "로스팅비 (로스팅 kg당 ₩)"),
    "f.labour_minutes_per_session": ("Labour per session (min)", "세션당 작업 시간 (분)"),
    "f.misc_won_per_session": ("Misc. per session (₩)", "세션당 기타 비용 (₩)"),
    "f.planned_session_roasted_g": ("Planned roasted per session (g)", "세션당 계획 로스팅량 (g)"),
    "f.price_multiplier": ("Price multiplier (× cost)", "가격 배수 (원가 ×)"),
    "f.plausible_loss_min_pct": ("Plausible loss from (%)", "정상 손실률 하한 (%)"),
    "f.plausible_loss_max_pct": ("Plausible loss up to (%)", "정상 손실률 상한 (%)"),
    "f.menu_item": ("Menu item", "메뉴"),
    "f.channel": ("Channel", "판매 채널"),
    "f.dose_g": ("Dose or bag size (g)", "원두량 또는 포장 용량 (g)"),
    "f.price_won": ("Menu price (₩)", "판매가 (₩)"),
    "f.extra_cost_won": ("Extras (₩)", "부자재비 (₩)"),
    "f.extras_hint": ("cup, milk, bag, label…", "컵, 우유, 봉투, 라벨…"),
    "f.setup_code": ("Setup code", "설정 코드"),
    "f.username": ("Username", "사용자 이름"),
    "f.display_name": ("Display name", "표시 이름"),
    "f.role": ("Role", "권한"),
    "f.password": ("Password", "비밀번호"),
    "f.password_repeat": ("Repeat password", "비밀번호 확인"),
    "f.new_password": ("New password", "새 비밀번호"),
    "f.blank_keep": ("blank = keep", "비우면 유지"),
    "f.active": ("Active", "사용"),
    # --- table columns -----------------------------------------------------------------------------
    "col.id": ("#", "#"),
    "col.date": ("Date", "날짜"),
    "col.product": ("Product", "제품"),
    "col.green": ("Green", "생두"),
    "col.roasted": ("Roasted", "로스팅 후"),
    "col.loss": ("Loss", "손실률"),
    "col.variance": ("vs expected", "기준 대비"),
    "col.cost": ("Batch cost", "배치 원가"),
    "col.cost_kg": ("Cost / kg", "kg당 원가"),
    "col.operator": ("Roaster", "로스터"),
    "col.alert": ("Alert", "경고"),
    "col.bean": ("Bean", "원두"),
    "col.stock": ("Stock", "재고"),
    "col.reorder": ("Reorder point", "재주문점"),
    "col.avg_cost": ("Avg. cost / kg", "평균 단가 / kg"),
    "col.value": ("Value", "금액"),
    "col.runout": ("Runs out", "소진 예상"),
    "col.status": ("Status", "상태"),
    "col.movement": ("Movement", "구분"),
    "col.ref": ("Ref.", "번호"),
    "col.change": ("Change", "변동"),
    "col.balance": ("Balance", "잔고"),
    "col.code": ("Code", "코드"),
    "col.name": ("Name", "이름"),
    "col.country": ("Country", "원산지"),
    "col.process": ("Process", "가공"),
    "col.roast_level": ("Roast", "로스팅"),
    "col.expected_loss": ("Expected loss", "기준 손실률"),
    "col.recipe": ("Recipe (parts)", "레시피 (파트)"),
    "col.green_kg": ("Green / kg", "생두 / kg"),
    "col.processing_kg": ("Processing / kg", "가공비 / kg"),
    "col.per_bag": ("200 g bag", "200 g 봉투"),
    "col.per_cup": ("20 g dose", "20 g 1잔"),
    "col.suggested_kg": ("Suggested / kg", "권장가 / kg"),
    "col.item": ("Menu item", "메뉴"),
    "col.channel": ("Channel", "채널"),
    "col.dose": ("Dose / size", "원두량"),
    "col.unit_cost": ("Cost", "원가"),
    "col.suggested": ("Suggested", "권장가"),
    "col.price": ("Price", "판매가"),
    "col.margin": ("Margin", "마진율"),
    "col.whatif_cost": ("What-if cost", "가정 원가"),
    "col.whatif_margin": ("What-if margin", "가정 마진율"),
    "col.effective_from": ("From", "적용일"),
    "col.recent_loss": ("Last 10", "최근 10배치"),
    "col.roasting_kg": ("Roasting / kg", "로스팅비 / kg"),
    "col.labour_h": ("Labour / h", "인건비 / 시간"),
    "col.labour_min": ("Min / session", "분 / 세션"),
    "col.energy": ("Energy", "전기료"),
    "col.misc": ("Misc.", "기타"),
    "col.planned": ("Planned / session", "세션당 계획"),
    "col.multiplier": ("Multiplier", "배수"),
    "col.extras": ("Extras", "부자재"),
    "col.username": ("Username", "사용자"),
    "col.display_name": ("Name", "이름"),
    "col.role": ("Role", "권한"),
    "col.created": ("Since", "등록일"),
    "col.kind": ("Kind", "구분"),
    "col.what": ("What", "대상"),
    "col.detail": ("Detail", "내용"),
    # --- statuses and alerts -----------------------------------------------------------------------
    "status.active": ("Active", "사용 중"),
    "status.inactive": ("Inactive", "사용 안 함"),
    "status.low": ("Low", "부족"),
    "status.ok": ("OK", "정상"),
    "alert.warning": ("Warning", "주의"),
    "alert.critical": ("Critical", "위험"),
    "alert.high": ("high", "높음"),
    "alert.low": ("low", "낮음"),
    "alert.resolved": ("resolved", "해결됨"),
    "channel.cup": ("Cup", "음료"),
    "channel.bag": ("Bag", "원두 판매"),
    "channel.wholesale": ("Wholesale", "납품"),
    "ledger.purchase": ("Purchase", "입고"),
    "ledger.roast": ("Roast", "로스팅 사용"),
    "ledger.adjustment": ("Stocktake adjustment", "실사 조정"),
    # --- overview ----------------------------------------------------------------------------------
    "period.month": ("This month", "이번 달"),
    "period.30d": ("Last 30 days", "최근 30일"),
    "period.90d": ("Last 90 days", "최근 90일"),
    "period.year": ("This year", "올해"),
    "period.12m": ("Last 12 months", "최근 12개월"),
    "kpi.roasted": ("Roasted", "로스팅량"),
    "kpi.roasted.sub": ("from {green} of green coffee", "생두 {green} 사용"),
    "kpi.roasted.none": ("no roasts in this period", "이 기간 로스팅 없음"),
    "kpi.batches": ("Batches", "배치 수"),
    "kpi.batches.sub": ("roast cost {cost}", "로스팅 원가 {cost}"),
    "kpi.loss": ("Average loss", "평균 손실률"),
    "kpi.loss.sub": ("expected {expected} · {variance}", "기준 {expected} · {variance}"),
    "kpi.loss.none": ("expected {expected}", "기준 {expected}"),
    "kpi.cost_kg": ("Cost per roasted kg", "로스팅 kg당 원가"),
    "kpi.cost_kg.sub": ("actual: green + roasting + session costs", "실제: 생두 + 로스팅 + 세션 비용"),
    "kpi.stock_value": ("Green stock value", "생두 재고 가치"),
    "kpi.stock_value.sub": ("{kg} in {beans} beans", "{beans}종 {kg}"),
    "kpi.low_stock": ("Low stock", "재고 부족"),
    "kpi.low_stock.sub": ("beans at or below reorder point", "재주문점 이하 원두"),
    "kpi.alerts": ("Open loss alerts", "미해결 손실 경고"),
    "kpi.alerts.sub": ("{critical} critical", "위험 {critical}건"),
    "kpi.cup_margin": ("Average cup margin", "음료 평균 마진율"),
    "kpi.cup_margin.sub": ("target {target} · {n} menu items below it", "목표 {target} · 미달 메뉴 {n}개"),
    "kpi.cup_margin.none": ("no priced cup items", "가격이 있는 음료 메뉴 없음"),
    "chart.weekly": ("Roasted per week, by product", "주별 로스팅량 (제품별)"),
    "chart.weekly.x": ("Week starting", "주 시작일"),
    "chart.weekly.none": ("No roasts in this period.", "이 기간에는 로스팅 기록이 없습니다."),
    "chart.weekly.other": ("Other", "기타"),
    "chart.cost": ("Cost per roasted kg, by product", "로스팅 kg당 원가 추이 (제품별)"),
    "chart.cost.all": ("All products", "전체 제품"),
    "chart.cost.x.week": ("Week starting", "주 시작일"),
    "chart.cost.x.month": ("Month", "월"),
    "chart.loss": ("Loss distribution, by product", "제품별 손실률 분포"),
    "chart.loss.y": ("Loss", "손실률"),
    "chart.loss.expected": ("expected {pct}", "기준 {pct}"),
    "chart.stock": ("Green stock vs reorder point · run-out dates", "생두 재고 vs 재주문점 · 소진 예상일"),
    "chart.stock.bar": ("Stock", "재고"),
    "chart.stock.marker": ("Reorder point", "재주문점"),
    "chart.stock.runout": ("runs out", "소진 예상"),
    "chart.stock.none": ("No active beans yet.", "활성 원두가 아직 없습니다."),
    "low.title": ("Low stock", "재고 부족"),
    "low.bean": ("Bean", "원두"),
    "low.stock": ("Stock", "재고"),
    "low.reorder": ("Reorder point", "재주문점"),
    "low.short": ("Short by", "부족량"),
    "low.none": ("Every active bean is above its reorder point.", "모든 활성 원두가 재주문점 이상입니다."),
    "att.title": ("Needs attention", "확인이 필요한 항목"),
    "att.none": (
        "Nothing needs attention: no open loss alerts, no low stock, every margin on target.",
        "확인할 항목이 없습니다: 미해결 손실 경고, 재고 부족, 목표 미달 마진이 없습니다.",
    ),
    "att.batch": ("{product} · batch #{id} on {day}", "{product} · {day} 배치 #{id}"),
    "att.loss": ("loss {loss} (expected {expected}, {variance})", "손실률 {loss} (기준 {expected}, {variance})"),
    "att.stock": ("{stock} left, reorder point {reorder}", "재고 {stock}, 재주문점 {reorder}"),
    "att.runout": ("runs out about {day}", "{day}경 소진 예상"),
    "att.low_margin": ("Low margin", "마진 미달"),
    "att.margin": (
        "margin {margin} (target {target}) · price {price}, suggested {suggested}",
        "마진율 {margin} (목표 {target}) · 판매가 {price}, 권장가 {suggested}",
    ),
    "att.more": ("… and {n} more", "… 외 {n}건"),
    # --- roasting ----------------------------------------------------------------------------------
    "roast.title": ("Log a roast", "로스팅 기록"),
    "roast.edit_title": ("Edit batch #{id}", "배치 #{id} 수정"),
    "roast.mode.single": ("One batch", "배치 1건"),
    "roast.mode.session": ("Whole session (table)", "세션 전체 (표)"),
    "roast.recipe": ("Recipe ({parts} parts):", "레시피 ({parts}파트):"),
    "roast.save": ("Save batch", "배치 저장"),
    "roast.save_edit": ("Save changes", "변경 저장"),
    "roast.saved": ("Saved batch #{id}: loss {loss}, cost {cost}.", "배치 #{id} 저장: 손실률 {loss}, 원가 {cost}."),
    "roast.editing": (
        "Editing batch #{id}: change the fields, then save.",
        "배치 #{id} 수정 중: 항목을 고친 뒤 저장하세요.",
    ),
    "roast.add_row": ("Add a row", "행 추가"),
    "roast.save_session": ("Save the whole session", "세션 전체 저장"),
    "roast.session_saved": ("Saved the session: {n} batches.", "세션 저장: 배치 {n}건."),
    "roast.readonly": (
        "Your role can read the roasting log but not add to it.",
        "현재 권한으로는 로스팅 기록을 볼 수만 있습니다.",
    ),
    "roast.table_title": ("Batches", "배치 목록"),
    "roast.open_alerts_only": ("Open alerts only", "미해결 경고만"),
    "roast.none": ("No batches match these filters.", "조건에 맞는 배치가 없습니다."),
    "roast.count": ("{n} batches.", "배치 {n}건."),
    "roast.more": (
        "Showing the newest {n} batches: narrow the dates to see others.",
        "최근 {n}건만 표시합니다. 다른 배치는 날짜를 좁혀 보세요.",
    ),
    "roast.resolve": ("Resolve alert", "경고 해결"),
    "roast.resolved": ("Alert of batch #{id} resolved.", "배치 #{id}의 경고를 해결했습니다."),
    "roast.confirm_delete": (
        "Delete batch #{id} of {day}? This cannot be undone.",
        "{day} 배치 #{id}를 삭제할까요? 되돌릴 수 없습니다.",
    ),
    "roast.deleted": ("Batch #{id} deleted.", "배치 #{id}를 삭제했습니다."),
    "roast.implausible": (
        "A loss of {loss} ({green} green → {roasted} roasted) is outside the usual {low}–{high}: "
        "is a weight mistyped? Save anyway?",
        "손실률 {loss} (생두 {green} → 로스팅 후 {roasted})은 보통 범위 {low}–{high}를 벗어납니다. "
        "무게를 잘못 입력하지 않았나요? 그래도 저장할까요?",
    ),
    "roast.implausible_rows": (
        "Outside the usual loss of {low}–{high}: {rows}. Is a weight mistyped? Save anyway?",
        "보통 손실률 {low}–{high}를 벗어난 행: {rows}. 무게를 잘못 입력하지 않았나요? 그래도 저장할까요?",
    ),
    "roast.row_loss": ("row {n} {loss}", "{n}행 {loss}"),
    "roast.cost_parts": (
        "green {green} · roasting {roasting} · session share {session} (1 of {n} that day)",
        "생두 {green} · 로스팅 {roasting} · 세션 분담 {session} (그날 {n}건 중 1건)",
    ),
    "roast.cost_note": (
        "A batch's cost is its green coffee, roasting per roasted kg, and a share of its day's session costs "
        "(labour, energy, misc), which all batches of that day split by green weight: a day's first batch "
        "carries them alone, and its cost per kg falls as more batches of that day are logged.",
        "배치 원가 = 생두 원가 + 로스팅 kg당 비용 + 그날 세션 비용(인건비·에너지·기타)의 분담분입니다. "
        "세션 비용은 그날의 모든 배치가 생두 무게 비율로 나누어 부담하므로, 그날 첫 배치는 혼자 부담해 "
        "kg당 원가가 높게 보이고 배치가 더 기록될수록 낮아집니다.",
    ),
    "conn.lost": (
        "Connection to the server was lost — nothing more can be saved on this page.",
        "서버와의 연결이 끊겼습니다 — 이 페이지에서는 더 이상 저장할 수 없습니다.",
    ),
    "conn.reload": ("Reload", "새로고침"),
    "roast.gone": (
        "Batch #{id} was deleted meanwhile (perhaps on another page) — nothing was saved.",
        "배치 #{id}는 그 사이에 (다른 화면에서) 삭제되었습니다 — 아무것도 저장되지 않았습니다.",
    ),
    "preview.title": ("Before you save", "저장 전 미리보기"),
    "preview.empty": (
        "Choose a product and type the weights to see loss and cost.",
        "제품을 고르고 무게를 입력하면 손실률과 원가가 표시됩니다.",
    ),
    "preview.need": ("Type the green and roasted weights.", "생두량과 로스팅 후 무게를 입력하세요."),
    "preview.roasted_ge": (
        "The roasted weight must be less than the green weight.",
        "로스팅 후 무게는 생두량보다 적어야 합니다.",
    ),
    "preview.loss": ("Loss", "손실률"),
    "preview.expected": ("Expected", "기준"),
    "preview.variance": ("Variance", "편차"),
    "preview.verdict": ("Verdict", "판정"),
    "preview.normal": ("Normal", "정상"),
    "preview.green_cost": ("Green coffee", "생두 원가"),
    "preview.batch_cost": ("Batch cost", "배치 원가"),
    "preview.cost_kg": ("Cost per roasted kg", "로스팅 kg당 원가"),
    "preview.roasting_cost": ("Roasting", "로스팅 비용"),
    "preview.mismatch": (
        "The per-bean grams add up to {beans}, not the green weight {green}: one of them is off.",
        "원두별 무게의 합 {beans}이 생두량 {green}과 다릅니다. 어느 하나가 잘못 입력되었습니다.",
    ),
    "preview.session_cost": ("Session share", "세션 분담"),
    "preview.shared": (
        "The day's session costs ({session}: labour, energy, misc) are shared by all batches of that day "
        "by green weight. With the {n} other batch(es) of {day} logged so far this batch carries {share}; "
        "each further batch that day lowers it, so the day's first batch shows the highest cost per kg.",
        "그날의 세션 비용({session}: 인건비·에너지·기타)은 그날의 모든 배치가 생두 무게 비율로 나누어 "
        "부담합니다. 지금까지 기록된 {day}의 다른 배치 {n}건과 함께 이 배치의 분담은 {share}이며, 그날 "
        "배치가 더 기록될수록 낮아집니다. 그래서 그날 첫 배치의 kg당 원가가 가장 높게 보입니다.",
    ),
    "preview.unpriced": (
        "A bean has no purchase yet: its green cost counts as ₩0.",
        "입고 기록이 없는 원두가 있어 생두 원가가 ₩0으로 계산됩니다.",
    ),
    "preview.short": (
        "Only {have} of {code} in stock that day (you typed {want}).",
        "그날 {code} 재고는 {have}뿐입니다 (입력 {want}).",
    ),
    # --- inventory ---------------------------------------------------------------------------------
    "inv.stock_title": ("Green stock per bean", "원두별 생두 재고"),
    "inv.show_inactive": ("Show inactive beans", "비활성 원두 보기"),
    "inv.none": ("No beans yet.", "원두가 아직 없습니다."),
    "inv.total": ("Total {kg} worth {value} at moving-average cost.", "이동평균 단가 기준 총 {kg}, {value}."),
    "inv.days": ("{n} d", "{n}일"),
    "inv.purchase_title": ("Record a purchase", "생두 입고"),
    "inv.save_purchase": ("Save purchase", "입고 저장"),
    "inv.purchase_saved": ("Purchase #{id} saved.", "입고 #{id} 저장됨."),
    "inv.unit_price": ("= {price} per kg", "= kg당 {price}"),
    "inv.stocktake_title": ("Record a stocktake count", "재고 실사"),
    "inv.save_stocktake": ("Save count", "실사 저장"),
    "inv.reason_default": ("stocktake", "재고 실사"),
    "inv.book": ("Book stock on {day}: {book}", "{day} 장부 재고: {book}"),
    "inv.diff": ("difference {diff}", "차이 {diff}"),
    "inv.stocktake_saved": (
        "Count saved: the difference was booked as an adjustment.",
        "실사 저장: 차이를 재고 조정으로 기록했습니다.",
    ),
    "inv.stocktake_none": (
        "Count saved: it matches the book, nothing to adjust.",
        "실사 저장: 장부와 같아 조정할 것이 없습니다.",
    ),
    "inv.ledger_title": ("Ledger of one bean", "원두별 재고 원장"),
    "inv.ledger_none": ("No movements.", "변동 내역이 없습니다."),
    "inv.ledger_more": ("Showing the newest {n} of {total} movements.", "전체 {total}건 중 최근 {n}건을 표시합니다."),
    # --- catalog -----------------------------------------------------------------------------------
    "cat.beans_title": ("Beans", "원두"),
    "cat.blends_title": ("Blends", "블렌드"),
    "cat.search_placeholder": ("code, name, country…", "코드, 이름, 원산지…"),
    "cat.no_beans": ("No beans match.", "조건에 맞는 원두가 없습니다."),
    "cat.no_blends": ("No blends yet.", "블렌드가 아직 없습니다."),
    "cat.default": ("from settings", "설정값"),
    "cat.new_bean": ("New bean", "새 원두"),
    "cat.edit_bean": ("Edit bean {code}", "원두 {code} 수정"),
    "cat.new_blend": ("New blend", "새 블렌드"),
    "cat.edit_blend": ("Edit blend {code}", "블렌드 {code} 수정"),
    "cat.add_component": ("Add a bean", "원두 추가"),
    "cat.bean_saved": ("Bean {code} saved.", "원두 {code} 저장됨."),
    "cat.blend_saved": ("Blend {code} saved.", "블렌드 {code} 저장됨."),
    "cat.deactivated": ("{code} deactivated (its history stays).", "{code} 비활성화됨 (기록은 유지됩니다)."),
    "cat.reactivated": ("{code} is active again.", "{code} 다시 활성화됨."),
    "cat.live_cost": (
        "Standard cost {cost} per roasted kg (expected loss {loss}).",
        "표준 원가: 로스팅 kg당 {cost} (기준 손실률 {loss}).",
    ),
    "cat.live_missing": (
        "No purchase yet for {codes}: no cost until it is bought.",
        "{codes}의 입고 기록이 없어 원가를 계산할 수 없습니다.",
    ),
    "cat.live_need": (
        "Choose beans and whole-number parts to see the ratio and the cost.",
        "원두와 정수 파트를 입력하면 비율과 원가가 표시됩니다.",
    ),
    "cat.breakdown_title": ("Cost breakdown per roasted kg", "로스팅 kg당 원가 구성"),
    "cat.breakdown_total": (
        "Standard cost {cost} per roasted kg, with expected loss {loss}.",
        "표준 원가: 로스팅 kg당 {cost}, 기준 손실률 {loss}.",
    ),
    "cat.breakdown_none": (
        "No cost yet: a bean of this product has never been bought.",
        "원가 없음: 이 제품의 원두 중 입고 기록이 없는 것이 있습니다.",
    ),
    "piece.roasting": ("Roasting", "로스팅비"),
    "piece.labour": ("Labour", "인건비"),
    "piece.energy": ("Energy", "전기료"),
    "piece.misc": ("Misc.", "기타"),
    # --- costs -------------------------------------------------------------------------------------
    "costs.products_title": ("Standard cost per product", "제품별 표준 원가"),
    "costs.products_note": (
        "From today's moving-average green prices and cost settings; the bag and dose columns are coffee only "
        "({bag} g, {cup} g). Suggested price = cost × {multiplier}.",
        "오늘의 이동평균 생두 단가와 비용 설정 기준이며, 봉투·1잔 열은 원두값만입니다 ({bag} g, {cup} g). "
        "권장가 = 원가 × {multiplier}.",
    ),
    "costs.menu_title": (
        "Menu items: cost, suggested and actual price, margin",
        "메뉴별 원가 · 권장가 · 판매가 · 마진율",
    ),
    "costs.menu_note": (
        "Each against the cost of its own unit (cup vs cup, bag vs bag). Target margin {target}.",
        "각 메뉴의 단위 원가(잔은 잔, 봉투는 봉투) 기준입니다. 목표 마진율 {target}.",
    ),
    "costs.no_products": ("No products yet.", "제품이 아직 없습니다."),
    "costs.no_menu": ("No menu items yet: add them in Settings.", "메뉴가 아직 없습니다. 설정에서 추가하세요."),
    "costs.no_price": ("no price", "가격 없음"),
    "costs.below_target": ("below target", "목표 미달"),
    "costs.whatif_title": ("What if…", "가정 시뮬레이션"),
    "costs.whatif_note": (
        "Move a slider or type a value: every margin is recomputed at once. Nothing is saved.",
        "슬라이더를 움직이거나 값을 입력하면 모든 마진이 즉시 다시 계산됩니다. 저장되지 않습니다.",
    ),
    "costs.now": ("Now", "현재"),
    "costs.whatif": ("What-if", "가정"),
    "costs.avg_cup": ("Average cup margin", "음료 평균 마진율"),
    "costs.below_count": ("Items below {target}", "{target} 미달 메뉴"),
    "costs.avg_bag": ("Average bag margin", "원두 판매 평균 마진율"),
    "costs.avg_margin_axis": ("Average margin", "평균 마진율"),
    "costs.channel.all": ("All", "전체"),
    "costs.channel.cup": ("Cups", "음료"),
    "costs.channel.bag": ("Bags", "원두 판매"),
    "costs.channel.wholesale": ("Wholesale", "납품"),
    # --- settings ----------------------------------------------------------------------------------
    "set.cost_title": ("Cost settings", "비용 설정"),
    "set.in_force": (
        "In force today: the version from {since} · processing {processing} per roasted kg.",
        "오늘 적용: {since} 버전 · 로스팅 kg당 가공비 {processing}.",
    ),
    "set.builtin": ("the built-in defaults", "기본값"),
    "set.no_history": (
        "No versions saved yet: the built-in defaults apply.",
        "저장된 버전이 없어 기본값을 사용합니다.",
    ),
    "set.new_version": (
        "New version (applies from its date on; past costs never change)",
        "새 버전 (적용일부터 반영, 과거 원가는 바뀌지 않음)",
    ),
    "set.save_settings": ("Save settings version", "설정 버전 저장"),
    "set.saved": ("Saved: these settings apply from {since}.", "저장됨: {since}부터 적용됩니다."),
    "set.menu_title": ("Menu items", "메뉴"),
    "set.no_menu": ("No menu items yet.", "메뉴가 아직 없습니다."),
    "set.new_item": ("New menu item", "새 메뉴"),
    "set.edit_item": ("Edit menu item {code}", "메뉴 {code} 수정"),
    "set.item_saved": ("Menu item {code} saved.", "메뉴 {code} 저장됨."),
    "set.users_title": ("Users and roles", "사용자와 권한"),
    "set.idle_title": ("Sign-out when idle", "자동 로그아웃"),
    "set.idle_note": (
        "A signed-in page signs itself out after this many minutes without use (0 = never; for a "
        "shared tablet keep it short).",
        "로그인한 화면을 이 시간(분) 동안 사용하지 않으면 자동으로 로그아웃합니다(0 = 안 함, 공용 태블릿은 짧게).",
    ),
    "set.idle_minutes": ("Minutes", "분"),
    "set.idle_save": ("Save", "저장"),
    "set.idle_saved": (
        "Saved: pages sign out after {minutes} idle minutes.",
        "저장됨: {minutes}분 동안 사용하지 않으면 로그아웃합니다.",
    ),
    "set.idle_never": ("Saved: pages never sign out by themselves.", "저장됨: 자동 로그아웃을 하지 않습니다."),
    "set.add_user": ("Add user", "사용자 추가"),
    "set.change_user": ("Change a user", "사용자 변경"),
    "set.user_added": ("User {username} added.", "사용자 {username} 추가됨."),
    "set.user_saved": ("User {username} saved.", "사용자 {username} 저장됨."),
    "set.language_title": ("Language", "언어"),
    "set.terms_title": ("Korean names of origins, processes and roast levels", "원산지·가공·로스팅 단계의 한국어 이름"),
    "set.terms_note": (
        "Shown instead of the stored word when the dashboard is in 한국어. "
        "Leave the name empty to use the built-in one.",
        "대시보드가 한국어일 때 저장된 단어 대신 표시됩니다. 이름을 비우면 기본 이름을 씁니다.",
    ),
    "set.term_saved": ("Saved: {value} → {name}", "저장했습니다: {value} → {name}"),
    "set.save_term": ("Save name", "이름 저장"),
    "f.term": ("Word", "단어"),
    "term.country": ("Origin", "원산지"),
    "term.process": ("Process", "가공"),
    "term.roast_level": ("Roast level", "로스팅 단계"),
    "set.language_note": (
        "Switches every label at once for this session; the default comes from THEMOON_LANG.",
        "이 화면의 모든 글자를 바로 바꿉니다. 기본값은 THEMOON_LANG 설정을 따릅니다.",
    ),
}

# --- reports tab (themoon/ui/reports.py) ---------------------------------------------------------
_PAIRS.update(
    {
        "reports.run_title": ("Run a report now", "지금 보고서 만들기"),
        "reports.run_note": (
            "Runs the report on the current data (usually 10–30 seconds); the result joins the list below.",
            "현재 데이터로 보고서를 만듭니다 (보통 10–30초). 결과는 아래 목록에 추가됩니다.",
        ),
        "reports.f_report": ("Report", "보고서"),
        "reports.f_period": ("Period", "기간"),
        "reports.period_month": (
            "Write a month like {example}, or previous / current.",
            "{example} 같은 월, 또는 previous / current를 입력하세요.",
        ),
        "reports.period_week": (
            "Write an ISO week like {example}, or previous / current.",
            "{example} 같은 ISO 주, 또는 previous / current를 입력하세요.",
        ),
        "reports.period_day": (
            "Write a day like {example}, or previous / current.",
            "{example} 같은 날짜, 또는 previous / current를 입력하세요.",
        ),
        "reports.run": ("Run report", "보고서 실행"),
        "reports.running": ("Running {title} for {period}…", "{title} ({period}) 만드는 중…"),
        "reports.step": ("step {done} of {total}", "{total}단계 중 {done}단계"),
        "reports.run_ok": ("{title} for {period} is ready ({seconds}).", "{title} ({period}) 완성 ({seconds})."),
        "reports.run_failed": ("{title} for {period} failed: {error}", "{title} ({period}) 실패: {error}"),
        "reports.busy": (
            "Another report or export is still running: wait for it to finish.",
            "다른 보고서나 내보내기가 아직 실행 중입니다. 끝날 때까지 기다려 주세요.",
        ),
        "reports.readonly": (
            "You can open and download past reports; running reports and exports need an owner or staff account.",
            "지난 보고서를 열고 내려받을 수 있습니다. 보고서 실행과 내보내기는 점주·직원 계정이 필요합니다.",
        ),
        "reports.list_title": ("Past reports", "지난 보고서"),
        "reports.none": ("No report has been run yet.", "아직 만든 보고서가 없습니다."),
        "reports.more": ("Showing the newest {n} of {total} runs.", "전체 {total}건 중 최근 {n}건을 표시합니다."),
        "reports.index_bad": (
            "The list of reports (index.json) could not be read.",
            "보고서 목록(index.json)을 읽지 못했습니다.",
        ),
        "reports.col_report": ("Report", "보고서"),
        "reports.col_period": ("Period", "기간"),
        "reports.col_started": ("Started", "시작"),
        "reports.col_duration": ("Took", "소요"),
        "reports.col_status": ("Status", "상태"),
        "reports.status_ok": ("OK", "완료"),
        "reports.status_failed": ("Failed", "실패"),
        "reports.trigger_manual": ("command line", "명령줄"),
        "reports.trigger_schedule": ("scheduled", "예약"),
        "reports.trigger_dashboard": ("dashboard", "대시보드"),
        "reports.seconds": ("{n} s", "{n}초"),
        "reports.minutes": ("{m} min {s} s", "{m}분 {s}초"),
        "reports.open": ("Open", "열기"),
        "reports.xlsx": ("Excel file", "엑셀 파일"),
        "reports.html": ("HTML file", "HTML 파일"),
        "reports.close": ("Close", "닫기"),
        "reports.refused": (
            "That file is not in the reports folder: it is not opened.",
            "보고서 폴더 밖의 파일이라 열지 않습니다.",
        ),
        "reports.missing": ("That file is no longer there.", "파일이 더 이상 없습니다."),
        "reports.too_big": (
            "That file is too big to send here ({size}; the limit is {limit}).",
            "파일이 너무 커서 여기서 보낼 수 없습니다 ({size}, 한도 {limit}).",
        ),
        "reports.export_title": ("Export the data", "데이터 내보내기"),
        "reports.export_note": (
            "Everything as one Excel workbook (it can be imported again), or one table as CSV (opens in Excel).",
            "전체 데이터를 엑셀 통합 문서 하나로(다시 가져올 수 있음), 또는 표 하나를 CSV로(엑셀에서 열림) 내보냅니다.",
        ),
        "reports.export_excel": ("Excel workbook (all data)", "엑셀 통합 문서 (전체 데이터)"),
        "reports.f_table": ("Table", "표"),
        "reports.export_csv": ("CSV of this table", "이 표를 CSV로"),
        "reports.exporting": ("Exporting…", "내보내는 중…"),
        "reports.export_ready": (
            "{name} is ready ({rows} rows): save it with the link below.",
            "{name} 준비 완료 ({rows}행). 아래 링크로 저장하세요.",
        ),
        "reports.export_too_big": (
            "The export is too big to send here ({size}; the limit is {limit}): use `themoon export` on the server.",
            "내보낸 파일이 너무 커서 여기서 보낼 수 없습니다 ({size}, 한도 {limit}). 서버에서 `themoon export`를 "
            "사용하세요.",
        ),
        "reports.table_beans": ("Beans", "원두"),
        "reports.table_blends": ("Blends (recipes)", "블렌드 (레시피)"),
        "reports.table_cost_settings": ("Cost settings", "비용 설정"),
        "reports.table_purchases": ("Green purchases", "생두 입고"),
        "reports.table_stock_adjustments": ("Stocktake adjustments", "실사 조정"),
        "reports.table_roast_batches": ("Roast batches", "로스팅 배치"),
        "reports.table_menu_items": ("Menu items", "메뉴"),
    }
)

# --- import tab (themoon/ui/imports.py) -------------------------------------------------------------
_PAIRS.update(
    {
        "imp.title": ("Import data", "데이터 가져오기"),
        "imp.intro": (
            "Preview a file first: nothing is written until you confirm. A real import is all or nothing, "
            "and importing the same file again changes nothing.",
            "먼저 미리보기를 하세요: 확인하기 전에는 아무것도 저장되지 않습니다. 가져오기는 전부 반영되거나 "
            "전혀 반영되지 않으며, 같은 파일을 다시 가져와도 바뀌는 것이 없습니다.",
        ),
        "imp.denied": ("Only the owner can import data.", "데이터 가져오기는 점주만 할 수 있습니다."),
        "imp.kind": ("What to import", "가져올 자료"),
        "imp.kind.excel": ("themoon Excel export (.xlsx)", "themoon 엑셀 내보내기 파일 (.xlsx)"),
        "imp.kind.menu": ("Café menu workbook (메뉴판.xlsx)", "카페 메뉴판 (메뉴판.xlsx)"),
        "imp.kind.workbook": ("Roasting-log / analysis workbook (.xlsx)", "로스팅 일지·분석 파일 (.xlsx)"),
        "imp.kind.artisan": ("Artisan roast logs (.alog)", "Artisan 로스팅 기록 (.alog)"),
        "imp.help.excel": (
            "A workbook written by themoon's Excel export: beans, blends, cost settings, purchases, stock "
            "adjustments, roast batches and menu items. Rows are matched by code, date or id.",
            "themoon 엑셀 내보내기로 만든 파일: 원두, 블렌드, 원가 설정, 입고, 재고 조정, 로스팅 배치, 메뉴. "
            "코드·날짜·ID로 같은 행을 찾습니다.",
        ),
        "imp.help.menu": (
            "The café's menu workbook: retail bean prices (200 g / 1 kg) and hand-drip cup prices become menu "
            "items. Lines that match no bean or blend are listed, never guessed.",
            "카페 메뉴판: 원두 판매가(200g / 1kg)와 핸드드립 가격을 메뉴로 가져옵니다. 원두·블렌드와 맞지 않는 "
            "줄은 추측하지 않고 목록으로 보여 줍니다.",
        ),
        "imp.help.workbook": (
            "The roasting-log form or the analysis workbook: roast levels of the beans, blend recipes and the "
            "calculator's yield. Names that are not ours can be mapped below after a preview.",
            "로스팅 일지 양식 또는 분석 파일: 원두의 로스팅 레벨, 블렌드 레시피, 계산표의 수율. 우리 목록에 없는 "
            "이름은 미리보기 후 아래에서 연결할 수 있습니다.",
        ),
        "imp.help.artisan": (
            "Artisan roast logs, several at once: each becomes a roast batch (a re-saved log updates its batch). "
            "Bean names Artisan used are mapped to our beans or blends once.",
            "Artisan 로스팅 기록 여러 개를 한 번에: 각각 로스팅 배치가 됩니다 (다시 저장한 기록은 배치를 갱신). "
            "Artisan의 원두 이름은 한 번만 우리 원두·블렌드에 연결하면 됩니다.",
        ),
        "imp.file": ("File", "파일"),
        "imp.files": ("Files", "파일"),
        "imp.choose": ("Choose file", "파일 선택"),
        "imp.choose_many": ("Choose files", "파일 선택"),
        "imp.limit": (
            "At most {file} per file, and {total} per upload: the server drops a larger upload.",
            "파일당 최대 {file}, 한 번 업로드에 최대 {total} — 더 크면 서버가 업로드를 끊습니다.",
        ),
        "imp.limit_many": (
            "At most {file} per log, and {total} per upload (all files together): the server drops a larger "
            "upload — choose fewer files at a time.",
            "기록당 최대 {file}, 한 번 업로드에 모든 파일 합계 최대 {total} — 더 크면 서버가 업로드를 끊으니 "
            "나누어 올리세요.",
        ),
        "imp.chosen": ("{n} file(s), {size}: {names}", "파일 {n}개, {size}: {names}"),
        "imp.none_chosen": ("No file chosen yet.", "아직 선택한 파일이 없습니다."),
        "imp.create_missing": (
            "Create the beans and blends the database does not have",
            "데이터베이스에 없는 원두·블렌드를 새로 만들기",
        ),
        "imp.map_title": ("Names to map", "이름 연결"),
        "imp.map_note": (
            "These names in the file are not one of our beans or blends. Choose what each one is, then preview "
            "again; the choice is saved with the import and not asked again.",
            "파일의 이 이름들은 우리 원두·블렌드 목록에 없습니다. 각각 무엇인지 고른 뒤 다시 미리보기를 하세요. "
            "선택은 가져오기와 함께 저장되어 다시 묻지 않습니다.",
        ),
        "imp.map_hint": ("perhaps {product}", "추천: {product}"),
        "imp.kind_bean": ("bean", "원두"),
        "imp.kind_blend": ("blend", "블렌드"),
        "imp.preview": ("Preview", "미리보기"),
        "imp.confirm": ("Confirm import", "가져오기 확인"),
        "imp.running_preview": (
            "Checking the file — nothing is written…",
            "파일을 확인하는 중 — 아무것도 저장하지 않습니다…",
        ),
        "imp.running_import": ("Importing…", "가져오는 중…"),
        "imp.checking": ("Checking… {pct}%", "확인 중… {pct}%"),
        "imp.importing": ("Importing… {pct}%", "가져오는 중… {pct}%"),
        "imp.done": ("Done", "완료"),
        "imp.badge_preview": ("Preview", "미리보기"),
        "imp.badge_import": ("Import", "가져오기"),
        "imp.result_preview": (
            "Preview of {source} — nothing was written",
            "{source} 미리보기 — 아무것도 저장되지 않았습니다",
        ),
        "imp.result_done": ("Imported {source}", "{source} 가져오기 완료"),
        "imp.result_refused": (
            "Import of {source} refused — nothing was written",
            "{source} 가져오기 거부 — 아무것도 저장되지 않았습니다",
        ),
        "imp.summary": (
            "{created} new, {updated} updated, {unchanged} unchanged, {rejected} rejected",
            "신규 {created}, 변경 {updated}, 그대로 {unchanged}, 거부 {rejected}",
        ),
        "imp.ready": (
            "No rejected rows: press “Confirm import” to write these changes.",
            "거부된 행이 없습니다: “가져오기 확인”을 누르면 이 변경이 저장됩니다.",
        ),
        "imp.nothing": (
            "Everything in this file is already in the database: nothing to import.",
            "이 파일의 내용은 이미 모두 데이터베이스에 있습니다: 가져올 것이 없습니다.",
        ),
        "imp.fix_first": (
            "{n} rejected rows: a real import would be refused. Fix the file (or map the names) and preview again.",
            "거부된 행 {n}건: 이대로는 가져오기가 거부됩니다. 파일을 고치거나 이름을 연결한 뒤 다시 미리보기를 하세요.",
        ),
        "imp.refused": (
            "The import was refused ({n} rejected rows): nothing was written.",
            "가져오기가 거부되었습니다 (거부된 행 {n}건): 아무것도 저장되지 않았습니다.",
        ),
        "imp.imported": ("Imported: {summary}.", "가져오기 완료: {summary}."),
        "imp.stale": (
            "The choices changed since the preview: preview again before importing.",
            "미리보기 뒤에 선택이 바뀌었습니다: 가져오기 전에 다시 미리보기를 하세요.",
        ),
        "imp.no_rows": ("The file holds no rows to import.", "가져올 행이 없습니다."),
        "imp.rejected_title": ("Rejected rows ({n})", "거부된 행 ({n})"),
        "imp.unmatched_title": ("Not matched ({n})", "연결되지 않음 ({n})"),
        "imp.notes_title": ("Notes ({n})", "참고 ({n})"),
        "imp.matched_title": ("Matched ({n})", "연결됨 ({n})"),
        "imp.more": ("… and {n} more", "… 외 {n}건"),
        "imp.col.entity": ("Data", "자료"),
        "imp.col.created": ("New", "신규"),
        "imp.col.updated": ("Updated", "변경"),
        "imp.col.unchanged": ("Unchanged", "그대로"),
        "imp.col.rejected": ("Rejected", "거부"),
        "imp.col.where": ("Where", "위치"),
        "imp.col.field": ("Field", "항목"),
        "imp.col.reason": ("Reason", "이유"),
        "imp.entity.beans": ("Beans", "원두"),
        "imp.entity.blends": ("Blends", "블렌드"),
        "imp.entity.cost_settings": ("Cost settings", "원가 설정"),
        "imp.entity.purchases": ("Purchases", "입고"),
        "imp.entity.stock_adjustments": ("Stock adjustments", "재고 조정"),
        "imp.entity.roast_batches": ("Roast batches", "로스팅 배치"),
        "imp.entity.menu_items": ("Menu items", "메뉴"),
    }
)

# Taking back today's own entries (ui/corrections.py, roasting edit/delete for staff).
_PAIRS.update(
    {
        "fix.title": ("Today's entries you can take back", "오늘 입력한 기록 되돌리기"),
        "fix.f_entry": ("Entry", "기록"),
        "fix.purchase": ("Purchase", "입고"),
        "fix.stocktake": ("Stock count", "재고 실사"),
        "fix.delete": ("Delete entry", "기록 삭제"),
        "fix.confirm": ("Delete", "삭제"),
        "fix.cancel": ("Keep", "유지"),
        "fix.confirm_text": (
            "Delete {entry}? Enter it again if it was a typo.",
            "{entry}을(를) 삭제할까요? 잘못 입력했다면 다시 입력하세요.",
        ),
        "fix.none": ("Nothing entered today that you can take back.", "오늘 되돌릴 수 있는 기록이 없습니다."),
        "fix.deleted": ("Entry #{id} deleted.", "기록 #{id} 삭제됨."),
    }
)

STRINGS: dict[str, dict[str, str]] = {
    "en": {key: pair[0] for key, pair in _PAIRS.items()},
    "ko": {key: pair[1] for key, pair in _PAIRS.items()},
}


def normalize(lang: str | None) -> str:
    """'ko', 'ko-KR', 'KO' → 'ko'; anything unknown → 'en'."""
    code = (lang or "en").strip().lower().replace("_", "-").split("-")[0]
    return code if code in STRINGS else "en"


# Words the store keeps in English (bean origin, process, the café's roast-level codes) shown in
# Korean in 한국어. Unknown values show as they are (the owner typed them).
TERMS_KO: dict[str, dict[str, str]] = {
    "country": {
        "Ethiopia": "에티오피아",
        "Kenya": "케냐",
        "Colombia": "콜롬비아",
        "Guatemala": "과테말라",
        "Costa Rica": "코스타리카",
        "Brazil": "브라질",
        "Panama": "파나마",
        "Honduras": "온두라스",
        "El Salvador": "엘살바도르",
        "Nicaragua": "니카라과",
        "Mexico": "멕시코",
        "Peru": "페루",
        "Bolivia": "볼리비아",
        "Ecuador": "에콰도르",
        "Jamaica": "자메이카",
        "Rwanda": "르완다",
        "Burundi": "부룬디",
        "Tanzania": "탄자니아",
        "Uganda": "우간다",
        "Yemen": "예멘",
        "Indonesia": "인도네시아",
        "India": "인도",
        "Vietnam": "베트남",
        "China": "중국",
        "Papua New Guinea": "파푸아뉴기니",
        "Myanmar": "미얀마",
        "Thailand": "태국",
        "Laos": "라오스",
        "Dominican Republic": "도미니카 공화국",
        "Hawaii": "하와이",
        "Blend": "블렌드",
    },
    "process": {
        "Washed": "워시드",
        "Natural": "내추럴",
        "Honey": "허니",
        "Red Honey": "레드 허니",
        "Yellow Honey": "옐로 허니",
        "Black Honey": "블랙 허니",
        "White Honey": "화이트 허니",
        "Anaerobic": "무산소 발효",
        "Anaerobic Natural": "무산소 내추럴",
        "Anaerobic Washed": "무산소 워시드",
        "Semi-washed": "세미 워시드",
        "Wet-hulled": "웻헐",
        "Pulped Natural": "펄프드 내추럴",
        "Carbonic Maceration": "카보닉 매서레이션",
        "Swiss Water decaf": "스위스워터 디카페인",
        "Sugar-cane decaf": "사탕수수 디카페인",
        "Mountain Water decaf": "마운틴워터 디카페인",
    },
    # the café's own roast-level codes (reference.py): what the owner's files mean by them
    "roast_level": {
        "W": "워시드",
        "N": "내추럴",
        "Pb": "피베리",
        "Rh": "레드 허니",
        "SD": "스위스워터 디카페인",
        "SC": "사탕수수 디카페인",
    },
}


def term(kind: str, value: str | None, lang: str | None = "en", names: dict | None = None) -> str:
    """A stored country, process or roast-level word in the language: in Korean the owner's name
    (`names`, from themoon.terms.korean_names) if any, else the built-in one, else as stored."""
    text = str(value or "")
    if normalize(lang) != "ko" or not text:
        return text
    own = (names or {}).get(kind, {}).get(text)
    if own:
        return own
    table = TERMS_KO.get(kind, {})
    return (
        table.get(text)
        or table.get(text.strip().title())
        or next((ko for en, ko in table.items() if en.lower() == text.strip().lower()), text)
    )


def t(key: str, lang: str | None = "en", **values: object) -> str:
    """The text of `key` in `lang` (English when missing), with `values` filled in."""
    text = STRINGS[normalize(lang)].get(key)
    if text is None:
        text = STRINGS["en"].get(key, key)
    return text.format(**values) if values else text
