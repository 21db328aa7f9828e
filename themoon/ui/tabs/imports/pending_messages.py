"""Messages of the Import tab waiting to join the message catalogue (themoon/ui/i18n.py): the lead
folds them in at merge. `PENDING[key] = (English, Korean)`, with `{name}` placeholders."""

from __future__ import annotations

from typing import Any

PENDING: dict[str, tuple[str, str]] = {
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
    "imp.err.unknown_kind": ("unknown kind '{kind}'", "알 수 없는 종류입니다"),
    "imp.err.no_database": ("the database file is missing", "데이터베이스 파일이 없습니다"),
    "imp.err.choose_kind": ("choose what to import", "가져올 자료를 선택하세요"),
    "imp.err.preview_first": (
        "preview these files first (the files or choices changed since the last preview)",
        "먼저 미리보기를 하세요 (마지막 미리보기 뒤에 파일이나 선택이 바뀌었습니다)",
    ),
}


def both(key: str, **values: Any) -> tuple[str, str]:
    """The English and Korean of a pending message (a ValidationError's two messages)."""
    english, korean = PENDING[key]
    return english.format(**values), korean.format(**values)
