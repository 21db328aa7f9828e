"""Dashboard words of the tabs that run jobs (Reports, Import) and of taking back today's entries."""

PAIRS: dict[str, tuple[str, str]] = {
    # --- reports tab (themoon/ui/tabs/reports) -----------------------------------------------------
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
    "reports.pdf": ("PDF", "PDF"),
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
    # --- import tab (themoon/ui/tabs/imports) -----------------------------------------------------------
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
    # Taking back today's own entries (ui/corrections.py, roasting edit/delete for staff).
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
