"""Errors of the importers and exporters (themoon/io): files, workbooks, Artisan logs, the old app's
database."""

PAIRS: dict[str, tuple[str, str]] = {
    # --- rejected rows (ImportReport.reject_error) -------------------------------------------------
    "io.beans_not_mapped": (
        "'{beans}' is not mapped to a bean or blend yet{maybe}",
        "'{beans}'에 해당하는 원두/블렌드가 지정되지 않았습니다",
    ),
    "io.cell_not_a_value": (
        "cell {ref} holds {what}: an import file holds values, not formulas or errors",
        "셀 {ref}: 수식이나 오류 값은 가져올 수 없습니다",
    ),
    "io.external_id_twice": ("'{external}' appears twice in the sheet", "외부 ID 중복"),
    # --- themoon/io/outcome.py: the first rejected row of an import stands for all ---------------
    "io.rejected": ("{reason}", "{reason}"),
    "io.rejected_and_more": ("{reason} (and {more:,} more rejected rows)", "{reason} (외 {more:,}건)"),
    # --- themoon/io/artisan.py ---------------------------------------------------------------------
    "io.the_log_has_no_roast_date": (
        "the log has no roast date (roastisodate, roastepoch or roastdate)",
        "로스팅 날짜가 없습니다",
    ),
    "io.file_not_found": ("file not found", "파일이 없습니다"),
    "io.is_mb_an_artisan_log_is": (
        "is {size_mb:,.1f} MB; an Artisan log is at most {limit_mb:,.0f} MB (refused before reading)",
        "파일이 {size_mb:,.1f} MB 입니다 (최대 {limit_mb:,.0f} MB)",
    ),
    "io.is_empty": ("is empty", "빈 파일입니다"),
    "io.holds_a_not_an_artisan_profile": (
        "holds a {type_name}, not an Artisan profile (a dict)",
        "Artisan 프로필이 아닙니다",
    ),
    "io.has_a_non_text_key": ("has a non-text key {key!r}", "키가 텍스트가 아닙니다"),
    "io.must_be_not": ("must be {names}, not {type_name}", "형식이 올바르지 않습니다"),
    "io.the_log_does_not_say_which": ("the log does not say which beans were roasted", "원두 이름이 없습니다"),
    "io.must_be_in_out_unit": ("must be [in, out, unit]", "[투입, 배출, 단위] 형식이어야 합니다"),
    "io.unknown_unit_g_kg_lb_oz": ("unknown unit '{unit}' (g, kg, lb, oz)", "알 수 없는 단위입니다"),
    "io.is_missing_0": ("is missing (0)", "투입량이 없습니다"),
    "io.is_missing_0_weigh_the_roasted": ("is missing (0): weigh the roasted coffee first", "배출량이 없습니다"),
    "io.must_be_less_than_the_green": ("must be less than the green weight ({green:,} g)", "투입량보다 적어야 합니다"),
    "io.is_not_a_roast_id": ("is not a roast id", "로스팅 ID가 아닙니다"),
    "io.is_not_utf_8_text_not": ("is not UTF-8 text (not an Artisan log?)", "UTF-8 텍스트가 아닙니다"),
    "io.is_not_an_artisan_profile_only": (
        "is not an Artisan profile: only a plain dict of literals is read, never code ({detail})",
        "Artisan 프로필이 아닙니다: 값(리터럴)만 읽고 코드는 실행하지 않습니다 ({detail})",
    ),
    "io.more_than_files": ("more than {limit:,} files", "파일이 {limit:,}개를 넘습니다"),
    "io.g_is_too_little_to_split": (
        "{total:,} g is too little to split by the recipe's parts",
        "{total:,} g은 레시피 비율로 나누기에 너무 적습니다",
    ),
    "io.is_not_a_valid_time": ("is not a valid time", "올바른 시각이 아닙니다"),
    # --- themoon/io/cli.py -------------------------------------------------------------------------
    "io.give_alog_files_or_folders_or": (
        "give .alog files or folders, or --map NAME=PRODUCT",
        "파일이나 --map 을 주세요",
    ),
    "io.does_not_exist": ("{path} does not exist", "{path}이(가) 없습니다"),
    # --- themoon/io/excel.py -----------------------------------------------------------------------
    "io.must_be_one_of": ("must be one of {sheets}", "{sheets} 중 하나여야 합니다"),
    "io.is_a_zip_file_but_not": ("is a zip file but not an Excel workbook", "엑셀 통합 문서가 아닙니다"),
    "io.has_parts_limit": ("has {members:,} parts (limit {limit:,})", "구성 요소가 너무 많습니다"),
    "io.unpacks_to_mb_the_limit_is": (
        "unpacks to {size_mb:,.0f} MB; the limit is {limit_mb:,.0f} MB",
        "압축 해제 크기 {size_mb:,.0f} MB 가 한도를 넘습니다",
    ),
    "io.has_none_of_the_sheets": ("has none of the sheets {sheets}", "가져올 시트가 없습니다 (형식이 다릅니다)"),
    "io.is_not_a_themoon_export_format": (
        "is not a themoon export (format '{format}')",
        "themoon 내보내기 파일이 아닙니다",
    ),
    "io.format_version_is_newer_than_this": (
        "format version {version} is newer than this themoon reads ({supported})",
        "더 새로운 형식입니다. themoon을 업데이트하세요",
    ),
    "io.the_header_row_is_missing": ("the header row is missing", "머리글 행이 없습니다"),
    "io.missing_column_s": ("missing column(s) {missing}", "열이 없습니다: {missing}"),
    "io.must_be_a_percentage": ("must be a percentage", "백분율이어야 합니다"),
    "io.must_be_text": ("must be text", "텍스트여야 합니다"),
    "io.unknown": ("unknown {kind} '{code}'", "'{code}' 제품이 없습니다"),
    "io.is_not_a_valid_xlsx_file": (
        "is not a valid .xlsx file (corrupted or truncated)",
        "올바른 .xlsx 파일이 아닙니다 (손상되었거나 잘림)",
    ),
    "io.part_inflates_to_mb_zip_bomb": (
        "part {part} inflates {ratio:,.0f}× to {size_mb:,.0f} MB (zip bomb?)",
        "압축 해제 크기가 비정상적으로 큽니다 (zip bomb?)",
    ),
    "io.merged_cells_are_not_part_of": (
        "merged cells are not part of the format; unmerge them",
        "병합된 셀은 허용되지 않습니다. 병합을 해제하세요",
    ),
    "io.unknown_bean": ("unknown bean '{code}'", "'{code}' 원두가 없습니다"),
    "io.appears_twice_in_the_sheet": ("'{code}' appears twice in the sheet", "같은 코드가 두 번 있습니다"),
    "io.a_blend_needs_at_least_one": ("a blend needs at least one bean row", "블렌드에는 원두가 하나 이상 필요합니다"),
    "io.cannot_be_written": ("cannot be written: {start}", "쓸 수 없는 텍스트입니다"),
    "io.contains_a_dtd_or_entity_declaration": (
        "contains a DTD or entity declaration; refused",
        "DTD/엔티티 선언이 있어 거부합니다",
    ),
    "io.is_listed_twice": ("is listed twice", "같은 원두가 두 번 있습니다"),
    "io.appears_twice_in_the_sheet_2": ("'{external}' appears twice in the sheet", "외부 ID가 중복됩니다"),
    "io.is_listed_twice_in_the_batch": ("is listed twice in the batch", "같은 원두가 두 번 있습니다"),
    "io.column_appears_twice": ("column '{key}' appears twice", "열이 중복됩니다"),
    "io.differs_from_the_blend_s_first": (
        "differs from the blend's first row (row {first_row})",
        "블렌드의 첫 행(행 {first_row})과 다릅니다",
    ),
    "io.the_stored_differs_an_import_never": (
        "the stored {what} '{external}' differs; an import never rewrites the ledger (delete the stored {what} first)",
        "저장된 기록 '{external}'과 다릅니다. 가져오기는 기존 기록을 바꾸지 않습니다",
    ),
    "io.differs_from_the_batch_s_first": (
        "differs from the batch's first row (row {first_row})",
        "배치의 첫 행(행 {first_row})과 다릅니다",
    ),
    "io.unknown_table": ("unknown table '{sheet}'", "'{sheet}' 표가 없습니다"),
    # --- themoon/io/legacy.py ----------------------------------------------------------------------
    "io.does_not_exist_or_is_not": ("{path} does not exist or is not a file", "{path} 파일이 없습니다"),
    "io.needs_its_own_transaction_the_connection": (
        "needs its own transaction (the connection is already in one)",
        "이미 트랜잭션 중입니다",
    ),
    "io.cannot_open": ("cannot open {file}: {error}", "{file}을(를) 열 수 없습니다"),
    "io.is_not_a_database_of_the": (
        "{file} is not a database of the old roasting app (no table {missing})",
        "{file}은(는) 이전 로스팅 앱의 데이터베이스가 아닙니다 ({missing} 테이블 없음)",
    ),
    "io.is_not_a_readable_sqlite_database": (
        "{file} is not a readable SQLite database ({error})",
        "{file}은(는) 읽을 수 있는 SQLite 데이터베이스가 아닙니다 ({error})",
    ),
    "io.is_not_a_database_of_the_2": (
        "{file} is not a database of the old roasting app (table {table} lacks {lacking})",
        "{file}은(는) 이전 로스팅 앱의 데이터베이스가 아닙니다 ({table}에 {lacking} 없음)",
    ),
    # --- themoon/io/menu.py ------------------------------------------------------------------------
    "io.has_too_many_merged_cells_not": (
        "has too many merged cells: not a menu or roasting form",
        "병합된 셀이 너무 많습니다",
    ),
    "io.must_look_like_name_product": ("'{item}' must look like NAME=PRODUCT", "'이름=제품' 형식이어야 합니다"),
    "io.no_sheet_named": ("no sheet named {sheets}", "시트가 없습니다"),
    "io.has_more_than_cells_not_a": (
        "has more than {limit:,} cells: not a menu or roasting form",
        "셀이 너무 많습니다",
    ),
    # --- themoon/io/outcome.py ---------------------------------------------------------------------
    "io.the_file_is_mb_the_limit": (
        "the {what} file is {size_mb:,.1f} MB; the limit is {limit_mb:,.0f} MB",
        "{what} 파일이 {size_mb:,.1f} MB 입니다 (최대 {limit_mb:,.0f} MB)",
    ),
    "io.the_file_is_empty": ("the file is empty", "빈 파일입니다"),
    # --- themoon/io/workbook.py --------------------------------------------------------------------
    "io.holds_no_bean_table_blend_recipe": (
        "holds no bean table, blend recipe or batch calculator this importer knows",
        "원두 목록, 블렌드 레시피, 계산표가 없습니다",
    ),
    "io.has_a_second_recipe_in_this": ("{blend} has a second recipe in this file ({first})", "레시피가 중복됩니다"),
    "io.map_it_with_map_bean_or": (
        '{how} — map it with --map "{name}=BEAN" or create it with --create-missing',
        "'{name}' 원두가 없습니다 — --map \"{name}=원두코드\" 또는 --create-missing",
    ),
    "io.map_it_with_map_bean": (
        '{how} — map it with --map "{name}=BEAN"',
        "'{name}' 원두를 찾을 수 없습니다 — --map \"{name}=원두코드\"",
    ),
    "io.is_listed_twice_2": ("{code} is listed twice", "원두가 중복됩니다"),
    "io.map_it_with_map_blend_or": (
        '{how} — map it with --map "{name}=BLEND" or create it with --create-missing',
        "'{name}' 블렌드가 없습니다",
    ),
    # --- themoon/io/xlsx.py ------------------------------------------------------------------------
    "io.cannot_be_read_as_an_excel": (
        "cannot be read as an Excel workbook ({detail})",
        "엑셀 파일을 읽을 수 없습니다 ({detail})",
    ),
    "io.comes_after_row_rows_out_of": ("comes after row {previous}: rows out of order", "행 순서가 잘못되었습니다"),
    "io.is_not_utf_8_xml_refused": ("is not UTF-8 XML; refused", "UTF-8 XML이 아니어서 거부합니다"),
}

# Ids whose Korean leaves out a value the English names (see themoon.messages.KO_OMITS).
KO_OMITS: frozenset[str] = frozenset(
    {
        "io.beans_not_mapped",
        "io.cell_not_a_value",
        "io.external_id_twice",
        "io.appears_twice_in_the_sheet",
        "io.appears_twice_in_the_sheet_2",
        "io.cannot_be_written",
        "io.cannot_open",
        "io.column_appears_twice",
        "io.comes_after_row_rows_out_of",
        "io.format_version_is_newer_than_this",
        "io.has_a_non_text_key",
        "io.has_a_second_recipe_in_this",
        "io.has_more_than_cells_not_a",
        "io.has_none_of_the_sheets",
        "io.has_parts_limit",
        "io.holds_a_not_an_artisan_profile",
        "io.is_listed_twice_2",
        "io.is_not_a_themoon_export_format",
        "io.map_it_with_map_bean",
        "io.map_it_with_map_bean_or",
        "io.map_it_with_map_blend_or",
        "io.must_be_less_than_the_green",
        "io.must_be_not",
        "io.must_look_like_name_product",
        "io.no_sheet_named",
        "io.part_inflates_to_mb_zip_bomb",
        "io.the_stored_differs_an_import_never",
        "io.unknown",
        "io.unknown_unit_g_kg_lb_oz",
        "io.unpacks_to_mb_the_limit_is",
    }
)
