"""Opening untrusted .xlsx files: size, zip, zip-bomb, UTF-8 and DTD checks before any XML is parsed;
merged ranges read from the raw parts; openpyxl opened with the collector paused."""

from __future__ import annotations

import gc
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ..models import (
    ValidationError,
)
from .excel_format import MAX_COMPRESSION_RATIO, MAX_UNCOMPRESSED_BYTES, MAX_XLSX_BYTES, MAX_ZIP_MEMBERS
from .outcome import (
    check_file,
)
from .xlsx import chunks as _chunks
from .xlsx import require_utf8 as _require_utf8
from .xlsx import unreadable

# --- opening untrusted .xlsx files -------------------------------------------------------------

_FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_XML_PARTS = (".xml", ".rels", ".vml")
_MERGE_CELL = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"'<>]*)["']""")


def check_xlsx(
    path: Any,
    *,
    max_bytes: int = MAX_XLSX_BYTES,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
) -> Path:
    """Refuse, before openpyxl opens it, a file that is too large, not a zip, truncated, a zip bomb,
    that declares a DTD or entities in any part (never needed by .xlsx; openpyxl parses through
    defusedxml as well), or whose XML parts are not UTF-8 (Excel writes UTF-8; in another encoding
    a DTD could hide from the byte scan)."""
    path = check_file(path, max_bytes=max_bytes, what=".xlsx")
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ValidationError(
            name,
            "io.is_not_a_valid_xlsx_file",
        ) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ValidationError(name, "io.is_a_zip_file_but_not")
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError(name, "io.has_parts_limit", members=len(members), limit=MAX_ZIP_MEMBERS)
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise ValidationError(
                name,
                "io.part_inflates_to_mb_zip_bomb",
                part=member.filename,
                ratio=member.file_size / max(member.compress_size, 1),
                size_mb=member.file_size / 1e6,
            )
    if total > max_uncompressed:
        raise ValidationError(
            name,
            "io.unpacks_to_mb_the_limit_is",
            size_mb=total / 1e6,
            limit_mb=max_uncompressed / 1e6,
        )
    with zipfile.ZipFile(path) as archive:
        for member in members:
            if _declares_dtd(archive, member.filename, name):
                raise ValidationError(
                    f"{name} › {member.filename}",
                    "io.contains_a_dtd_or_entity_declaration",
                )
    return path


def _declares_dtd(archive: zipfile.ZipFile, member: str, name: str) -> bool:
    keep = max(len(p) for p in _FORBIDDEN_XML) - 1
    tail = b""
    head = member.lower().endswith(_XML_PARTS)
    for chunk in _chunks(archive, member, name):
        if head:  # in UTF-16 (or a declared EBCDIC), a DTD would not show as these bytes
            _require_utf8(chunk, f"{name} › {member}")
            head = False
        data = tail + chunk
        if any(pattern in data for pattern in _FORBIDDEN_XML):
            return True
        tail = data[-keep:]
    return False


def merged_ranges(path: Path, members: Sequence[str] | None = None) -> dict[str, list[str]]:
    """{part: merged ranges ('B2:C2', …)} of the workbook's parts (default: all of them).

    Read from the raw parts, before openpyxl opens the file: its read-only mode does not report
    merged cells, and its normal mode creates a cell object for every cell a range covers.
    """
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as archive:
        for member in members if members is not None else archive.namelist():
            ranges: list[str] = []
            tail = b""
            for chunk in _chunks(archive, member, path.name):
                data = tail + chunk
                cut = data.rfind(b"<")  # tags before the last '<' are complete
                ranges += [m.decode("ascii", "replace") for m in _MERGE_CELL.findall(data, 0, max(cut, 0))]
                tail = data[cut:] if cut >= 0 else b""
                if len(tail) > 4096:  # one tag and a long text after it: a mergeCell tag is short
                    ranges += [m.decode("ascii", "replace") for m in _MERGE_CELL.findall(tail, 0, 4096)]
                    tail = b""
            ranges += [m.decode("ascii", "replace") for m in _MERGE_CELL.findall(tail)]
            if ranges:
                found[member] = ranges
    return found


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large sheet is read or written (and back on after,
    if it was on). Parsing creates millions of short-lived objects, each collection walks the rows
    kept so far, and none of them forms a cycle: with the collector on, reading 100,000 rows takes
    twice as long."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def open_workbook(path: Path, *, read_only: bool, data_only: bool = False) -> Iterator[Any]:
    """openpyxl's workbook of a file `check_xlsx` accepted; anything openpyxl cannot read is a
    ValidationError naming the file."""
    with open(path, "rb") as handle:  # a handle: openpyxl would insist on the file name's extension
        try:
            wb = load_workbook(handle, read_only=read_only, data_only=data_only, keep_links=False)
        except Exception as error:
            raise unreadable(path.name, error) from None
        try:
            yield wb
        finally:
            wb.close()
