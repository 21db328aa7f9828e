"""Dashboard form and workflow messages: field checks, the roasting form's own rules, uploads,
report tables, settings, and what a tab says when a figure needs the analytics engine."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    "reads.unavailable": (
        "Needs the analytics engine, which could not start here.",
        "분석 엔진이 필요하지만 여기서 시작하지 못했습니다.",
    ),
    "check.whole_number": ("must be a whole number, like 5000 or 5,000", "5000 또는 5,000처럼 정수로 입력하세요"),
    "roast.err.roasted_ge_green": (
        "must be less than the green weight ({green:,} g)",
        "생두량({green:,} g)보다 적어야 합니다",
    ),
    "roast.err.green_vs_beans": (
        "must equal the per-bean grams below, which add up to {total:,} g",
        "아래 원두별 무게의 합({total:,} g)과 같아야 합니다",
    ),
    "roast.err.too_little_to_split": (
        "{total:,} g is too little to split by the recipe's parts",
        "{total:,} g은 레시피 비율로 나누기에 너무 적습니다",
    ),
    "roast.err.short": (
        "only {have:,} g of {code} in stock on {day} (asked for {want:,} g)",
        "{day} 기준 {code} 재고는 {have:,} g 뿐입니다 (요청 {want:,} g)",
    ),
    "set.err.password_repeat": ("does not match the password", "비밀번호가 일치하지 않습니다"),
    "imp.err.choose_first": ("choose a file first", "먼저 파일을 선택하세요"),
    "imp.err.choose_one": ("choose one file", "파일을 하나만 선택하세요"),
    "imp.err.too_many": ("at most {n} files at once", "한 번에 최대 {n}개입니다"),
    "imp.err.no_content": ("'{name}' holds no file content", "'{name}'에 파일 내용이 없습니다"),
    "imp.err.extension": ("'{name}' is not a {ext} file", "'{name}'은(는) {ext} 파일이 아닙니다"),
    "imp.err.too_big": (
        "'{name}' is {size}; the limit for this kind of file is {limit}",
        "'{name}' 파일이 {size} 입니다 (이 종류의 파일은 최대 {limit})",
    ),
    "imp.err.empty": ("'{name}' is empty", "'{name}'은(는) 빈 파일입니다"),
    "imp.err.total": ("the files add up to more than {limit}", "파일 합계가 {limit}를 넘습니다"),
    "imp.err.bad_name": ("invalid file name", "올바르지 않은 파일 이름입니다"),
    "imp.err.unknown_kind": ("unknown kind '{kind}'", "알 수 없는 종류 '{kind}'입니다"),
    "imp.err.no_database": ("the database file is missing", "데이터베이스 파일이 없습니다"),
    "imp.err.choose_kind": ("choose what to import", "가져올 자료를 선택하세요"),
    "imp.err.preview_first": (
        "preview these files first (the files or choices changed since the last preview)",
        "먼저 미리보기를 하세요 (마지막 미리보기 뒤에 파일이나 선택이 바뀌었습니다)",
    ),
    "reports.err.table": ("must be one of {names}", "{names} 중 하나"),
}
