"""Sales and profit: POS imports, the profit of a period, menu-engineering classes."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    # --- values --------------------------------------------------------------------------------
    "sales.source": (
        "must be 1–40 letters, digits, '-', '_' or '.'",
        "영문, 숫자, '-', '_', '.' 1–40자여야 합니다",
    ),
    "sales.period": ("must be a month like 2026-01", "2026-01 형식의 월이어야 합니다"),
    "sales.period_future": ("{period} has not started yet", "{period}은(는) 아직 시작되지 않았습니다"),
    "sales.since_after_until": ("must not be after --until {until}", "--until {until} 보다 늦을 수 없습니다"),
    "sales.map_form": ("'{value}' must look like POS NAME=ITEM", "'{value}': 'POS 이름=메뉴' 형식이어야 합니다"),
    "sales.unknown_item": ("unknown menu item '{ref}'", "'{ref}' 메뉴가 없습니다"),
    "sales.required": ("is required", "필수 입력입니다"),
    "sales.qty_range": ("must be between -10,000,000 and 10,000,000", "-10,000,000 ~ 10,000,000 이어야 합니다"),
    "sales.amount_range": ("must be at most ₩10,000,000,000", "₩10,000,000,000 이하여야 합니다"),
    "sales.duplicate_row": (
        "menu item {item} appears twice for {day}",
        "{day}에 {item} 메뉴가 두 번 있습니다",
    ),
    "sales.threshold": ("must be a percentage between 0 and 100", "0–100 사이의 백분율이어야 합니다"),
    # --- files ---------------------------------------------------------------------------------
    "sales.file_type": ("must be a .csv or .xlsx file", ".csv 또는 .xlsx 파일이어야 합니다"),
    "sales.file_missing": ("file not found", "파일이 없습니다"),
    "sales.file_empty": ("the file is empty", "빈 파일입니다"),
    "sales.file_size": (
        "the file is {size_mb:,.1f} MB; the limit is {limit_mb:,.0f} MB",
        "파일이 {size_mb:,.1f} MB 입니다 (최대 {limit_mb:,.0f} MB)",
    ),
    "sales.encoding": (
        "is neither UTF-8 nor CP949/EUC-KR text",
        "UTF-8 또는 CP949/EUC-KR 텍스트가 아닙니다",
    ),
    "sales.binary": ("holds binary data (a NUL byte): not a CSV export", "이진 데이터가 있어 CSV가 아닙니다"),
    "sales.csv_broken": ("cannot be read as CSV ({detail})", "CSV로 읽을 수 없습니다 ({detail})"),
    "sales.too_many_rows": ("has more than {limit:,} rows", "행이 {limit:,}개를 넘습니다"),
    "sales.no_header": (
        "no header row with a date, an item, a quantity and an amount column in the first {rows} rows",
        "처음 {rows}행 안에 날짜, 상품명, 수량, 금액 열이 있는 머리글 행이 없습니다",
    ),
    "sales.no_rows": ("holds no sales rows", "판매 행이 없습니다"),
    # --- rows ----------------------------------------------------------------------------------
    "sales.bad_date": ("'{value}' is not a date like 2026-01-31", "'{value}'은(는) 2026-01-31 형식의 날짜가 아닙니다"),
    "sales.future_date": ("{value} is in the future", "{value}은(는) 미래 날짜입니다"),
    "sales.old_date": ("{value} is before 2000", "{value}은(는) 2000년 이전입니다"),
    "sales.bad_qty": ("'{value}' is not a whole quantity", "'{value}'은(는) 정수 수량이 아닙니다"),
    "sales.bad_amount": ("'{value}' is not an amount in whole won", "'{value}'은(는) 원 단위 금액이 아닙니다"),
    "sales.negative": (
        "{value} is negative, and the row has no refund marker",
        "{value}은(는) 음수인데 반품/환불 표시가 없습니다",
    ),
    "sales.no_item": ("the row has no item name", "상품명이 없습니다"),
    "sales.no_amount": ("the row has neither a gross nor a net amount", "총매출도 실매출도 없습니다"),
    "sales.cell_refused": ("holds {what}: save the file with values", "{what}이(가) 있습니다: 값으로 저장하세요"),
    "sales.unknown_name": (
        "'{name}' (rows: {count:,}) is not a menu item; map it: --map \"{name}=ITEM\"",
        "'{name}' ({count:,}행)은(는) 메뉴에 없습니다: --map \"{name}=메뉴코드\" 로 지정하세요",
    ),
    # --- report notes ---------------------------------------------------------------------------
    "sales.note.encoding": ("read as {encoding}", "{encoding}(으)로 읽었습니다"),
    "sales.note.sheet": ("read sheet '{sheet}'", "'{sheet}' 시트를 읽었습니다"),
    "sales.note.header": ("header on row {row}: {columns}", "{row}행 머리글: {columns}"),
    "sales.note.totals": (
        "skipped {count:,} totals rows (rows {rows})",
        "합계 행 {count:,}개를 건너뛰었습니다 ({rows}행)",
    ),
    "sales.note.blank": ("skipped {count:,} blank lines", "빈 줄 {count:,}개를 건너뛰었습니다"),
    "sales.note.refunds": ("{count:,} refund lines subtracted", "반품/환불 {count:,}줄을 뺐습니다"),
    "sales.note.summed": (
        "{lines:,} lines summed into {rows:,} rows (one per day and item) over {days:,} days",
        "{lines:,}줄을 {days:,}일, {rows:,}행(일자·메뉴별)으로 합산했습니다",
    ),
    "sales.note.removed": (
        "{count:,} stored rows of these days were not in the file and were removed",
        "파일에 없는 기존 행 {count:,}개를 삭제했습니다",
    ),
    "sales.note.mapping": ("mapping saved: '{name}' → {item}", "매핑 저장: '{name}' → {item}"),
    "sales.note.seen": ("this file was already imported on {at}", "이 파일은 {at}에 이미 가져왔습니다"),
    "sales.matched": ("'{name}' → {item} ({how}; rows: {count:,})", "'{name}' → {item} ({how}, {count:,}행)"),
    # --- menu engineering ------------------------------------------------------------------------
    "sales.class.star": (
        "star: popular and profitable — keep it as it is, make it visible",
        "스타: 잘 팔리고 남는 메뉴 — 그대로 두고 눈에 띄게",
    ),
    "sales.class.plowhorse": (
        "plowhorse: popular, thin margin — raise the price a little or cut its cost",
        "쟁기말: 잘 팔리지만 마진이 적음 — 가격을 조금 올리거나 원가를 줄이기",
    ),
    "sales.class.puzzle": (
        "puzzle: profitable, rarely sold — promote it, place it better on the menu",
        "퍼즐: 마진은 좋지만 덜 팔림 — 홍보하고 메뉴판 위치 바꾸기",
    ),
    "sales.class.dog": (
        "dog: unpopular and thin margin — rework it or take it off the menu",
        "도그: 덜 팔리고 마진도 적음 — 바꾸거나 메뉴에서 빼기",
    ),
    # --- command output --------------------------------------------------------------------------
    "sales.profit_title": ("profit of {period}", "{period} 손익"),
    "sales.none": ("(no sales)", "(판매 없음)"),
}
