"""The Import tab without a browser: upload, preview (writes nothing), confirm (writes, all or
nothing), re-run (no-op), name mapping, bad and oversized files, hostile names, roles, Korean.

Uploads are given as ipywidgets 8 gives them: a tuple of dicts with name, type, size, content
(a memoryview) and last_modified. Every run happens in the tab's worker thread; `tab.wait()`
joins it and finishes the run on this thread.
"""

from __future__ import annotations

import asyncio
import html
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import ipywidgets as widgets
import openpyxl
import pytest
from browser_support import OWNER, STAFF, VIEWER, signed_in
from conftest import build_small_cafe, db_checksum
from outside import scalar

from themoon import db, roasting
from themoon.io import artisan, excel
from themoon.ui import imports
from themoon.ui.context import Context
from themoon.ui.forms import is_hidden
from themoon.ui.imports import ImportsTab, read_upload, safe_name

FIXTURES = Path(__file__).parent / "fixtures"  # the café's files (copies of ../shared/fixtures/legacy)
MENU = FIXTURES / "moon_menu.xlsx"
ROAST_LOG = FIXTURES / "moon_roasting_log.xlsx"
LOGS = sorted((FIXTURES / "artisan").glob("*.alog"))
BAD_LOGS = sorted((FIXTURES / "artisan" / "bad").glob("*.alog"))
FULL_MOON_TEXT = "Full Moon blend (풀문)"
YIRGA_TEXT = "Ethiopia Yirgacheffe G2 Washed"


def files(*items: tuple[str, bytes]) -> tuple[dict, ...]:
    """A FileUpload value as ipywidgets 8 sets it."""
    return tuple(
        {
            "name": name,
            "type": "application/octet-stream",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime(2026, 11, 14, 9, 30, tzinfo=UTC),
        }
        for name, data in items
    )


def of(*paths: Path) -> tuple[dict, ...]:
    return files(*[(p.name, p.read_bytes()) for p in paths])


def checksum(path: Path) -> str:
    conn = db.connect(path, migrate=False)
    try:
        return db_checksum(conn)
    finally:
        conn.close()


def count(path: Path, sql: str) -> int:
    """As another process sees it (this one holds the app's connection and analytics engine)."""
    return scalar(path, sql)


def text(widget) -> str:
    """What an HTML widget shows, as text."""
    return html.unescape(widget.value)


def shown(tab: ImportsTab) -> str:
    """Everything the tab draws, as text."""
    parts = [tab.message, tab.form.status, tab.chosen, tab.file.error, tab.result_title, tab.result_summary]
    parts += [tab.counts_table, tab.rejected_table, tab.details, tab.bar_label, tab.limit_note, tab.map_rows]
    return "\n".join(text(w) if not isinstance(w, widgets.VBox) else repr(w.children) for w in parts)


@pytest.fixture()
def app(demo_path):
    return signed_in(demo_path, OWNER)


@pytest.fixture()
def tab(app):
    return app.tab("imports")


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """tempfile's directory for this test, to see what the tab leaves behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(imports.tempfile, "tempdir", str(folder))
    return folder


def changes(ctx) -> list[str]:
    seen: list[str] = []
    ctx.subscribe(lambda what, origin=None: seen.append(what))
    return seen


# --- the menu workbook: preview, confirm, re-run ----------------------------------------------------


def test_preview_writes_nothing_confirm_writes_and_a_rerun_is_a_no_op(tab, demo_path, private_tmp):
    seen = changes(tab.ctx)
    tab.kind.value = "menu"
    assert tab.upload.accept == ".xlsx" and tab.upload.multiple is False
    tab.upload.value = of(MENU)
    assert "moon_menu.xlsx" in tab.chosen.value and tab.confirm_button.disabled
    before = checksum(demo_path)

    tab.preview()
    assert tab.thread is not None and tab.thread.daemon
    tab.wait()
    assert checksum(demo_path) == before  # a preview writes nothing
    report = tab.outcome.report
    assert report.dry_run and report.ok and report.counts["menu_items"]["created"] == 72
    assert "Preview of moon_menu.xlsx — nothing was written" in tab.result_title.value
    assert "72 new, 0 updated, 0 unchanged, 0 rejected" in tab.result_summary.value
    assert "Menu items" in tab.counts_table.value and '<td class="num ">72</td>' in tab.counts_table.value
    assert "Not matched (42)" in tab.details.value  # unmatched menu lines are listed, never guessed
    assert not tab.confirm_button.disabled and "Confirm import" in tab.form.status.value
    assert tab.bar.value == 100 and not seen
    assert list(private_tmp.iterdir()) == []  # the private copy is gone

    items = count(demo_path, "SELECT COUNT(*) FROM menu_items")
    tab.confirm()
    tab.wait()
    assert count(demo_path, "SELECT COUNT(*) FROM menu_items") == items + 72
    assert "Imported moon_menu.xlsx" in tab.result_title.value and "Imported: 72 new" in tab.form.status.value
    assert seen == ["menu"] and tab.confirm_button.disabled
    assert list(private_tmp.iterdir()) == []

    after = checksum(demo_path)
    tab.preview()  # the same file again
    tab.wait()
    report = tab.outcome.report
    assert report.counts["menu_items"] == {"created": 0, "updated": 0, "unchanged": 72, "rejected": 0}
    assert any("already imported" in n for n in report.notes)
    assert "nothing to import" in tab.form.status.value and tab.confirm_button.disabled
    assert checksum(demo_path) == after and seen == ["menu"]


def test_confirm_needs_a_clean_preview_of_the_same_bytes(tab, demo_path):
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    tab.preview()
    tab.wait()
    assert not tab.confirm_button.disabled
    changed = bytearray(MENU.read_bytes())
    tab.upload.value = files(("moon_menu.xlsx", bytes(changed) + b"\0"))  # same name, other bytes
    assert tab.confirm_button.disabled and tab.outcome is None
    before = checksum(demo_path)
    tab.confirm()  # a click the browser should not have allowed
    assert tab.thread is None or not tab.thread.is_alive()
    tab.wait()
    assert "preview these files first" in text(tab.file.error)
    assert checksum(demo_path) == before


def test_progress_is_driven_by_the_importer_and_reaches_100(tab):
    values: list[int] = []
    tab.bar.observe(lambda change: values.append(change["new"]), names="value")
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    tab.preview()
    tab.wait()
    assert values[-1] == 100 and 0 < values[0] < 100  # driven step by step, not set at the end
    assert values == sorted(values)  # it never goes back
    assert tab.bar_label.value == "Done" and not is_hidden(tab.progress_row)


def test_the_kernel_stays_responsive_and_buttons_wait(tab, demo_path, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    real = imports.run_importer

    def slow(*args, **kwargs):
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "run_importer", slow)
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    tab.preview()
    assert started.wait(30)
    assert tab.busy and tab.thread.is_alive() and tab.thread is not threading.current_thread()
    assert tab.preview_button.disabled and tab.confirm_button.disabled and tab.upload.disabled
    assert tab.kind.widget.disabled
    tab.preview()  # a second click while running does nothing
    tab.set_language("en")  # the kernel's thread is free meanwhile
    assert "Checking" in tab.form.status.value
    release.set()
    tab.wait()
    assert not tab.busy and not tab.preview_button.disabled and not tab.confirm_button.disabled


def test_the_end_of_a_run_comes_back_on_the_event_loop(tab):
    """In the kernel a loop runs: the worker hands the finish to it (call_soon_threadsafe)."""
    seen: list[str] = []
    tab.ctx.subscribe(lambda what, origin=None: seen.append(threading.current_thread().name))
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)

    async def click_and_wait(action) -> None:
        action()
        for _ in range(1200):
            if not tab.busy:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the run did not finish")

    asyncio.run(click_and_wait(tab.preview))
    assert not tab.confirm_button.disabled
    asyncio.run(click_and_wait(tab.confirm))
    assert tab._queue == [] and seen == [threading.main_thread().name]
    assert "Imported" in tab.form.status.value


# --- Artisan logs and names to map ---------------------------------------------------------------


def test_artisan_names_are_mapped_in_the_tab_then_imported(tab, demo_path, private_tmp):
    seen = changes(tab.ctx)
    tab.kind.value = "artisan"
    assert tab.upload.accept == ".alog" and tab.upload.multiple is True
    tab.upload.value = of(*LOGS)
    before = checksum(demo_path)
    tab.preview()
    tab.wait()
    assert checksum(demo_path) == before
    report = tab.outcome.report
    assert report.counts["roast_batches"]["created"] == 1 and len(report.rejected) == 2
    assert "is not mapped to a bean or blend yet" in tab.rejected_table.value
    assert str(private_tmp) not in shown(tab) and "themoon-import-" not in shown(tab)
    assert "fullmoon-2026-10-30-TM41.alog" in tab.rejected_table.value
    assert {n.name: n.hint for n in tab.names} == {
        FULL_MOON_TEXT: "blend:FULL-MOON",
        YIRGA_TEXT: "bean:ETH-YIRGACHEFFE",
    }
    assert not is_hidden(tab.map_card) and len(tab.map_rows.children) == 2
    assert "perhaps Full Moon" in tab.map_rows.children[0].children[0].value
    assert tab.confirm_button.disabled

    tab.map_widgets[FULL_MOON_TEXT].value = "blend:FULL-MOON"
    tab.map_widgets[YIRGA_TEXT].value = "bean:ETH-YIRGACHEFFE"
    assert tab.confirm_button.disabled  # the choices need a preview first
    tab.preview()
    tab.wait()
    assert tab.outcome.report.ok and tab.outcome.report.counts["roast_batches"]["created"] == 3
    assert len(tab.map_rows.children) == 2  # the mapped names stay listed: the confirm sends them
    assert checksum(demo_path) == before and not tab.confirm_button.disabled

    batches = count(demo_path, "SELECT COUNT(*) FROM roast_batches")
    tab.confirm()
    tab.wait()
    assert count(demo_path, "SELECT COUNT(*) FROM roast_batches") == batches + 3
    assert count(demo_path, "SELECT COUNT(*) FROM import_name_map WHERE source = 'artisan'") == 2
    assert seen == ["stock", "batches"] and is_hidden(tab.map_card)

    tab.upload.value = of(*LOGS)  # the same logs again: the stored mappings are used
    tab.preview()
    tab.wait()
    assert tab.outcome.report.counts["roast_batches"] == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert is_hidden(tab.map_card) and tab.confirm_button.disabled
    assert list(private_tmp.iterdir()) == []


def test_bad_artisan_logs_are_rejected_with_reasons(tab, demo_path):
    tab.kind.value = "artisan"
    tab.upload.value = of(*BAD_LOGS)
    before = checksum(demo_path)
    tab.preview()
    tab.wait()
    report = tab.outcome.report
    assert len(report.rejected) == len(BAD_LOGS)
    # a log whose bean text merely looks like code is only text: offered for mapping, escaped
    assert [n.name for n in tab.names] == ["__import__('os').system('echo pwned')"]
    assert "__import__(&#x27;os&#x27;)" in tab.map_rows.children[0].children[0].value
    assert "never code" in tab.rejected_table.value  # literal-only parsing, never eval
    assert "weigh the roasted coffee first" in tab.rejected_table.value
    assert tab.confirm_button.disabled and "a real import would be refused" in tab.form.status.value
    assert checksum(demo_path) == before


def test_the_roasting_workbook_asks_for_each_unknown_name(tab, demo_path):
    tab.kind.value = "workbook"
    assert not is_hidden(tab.create_missing)
    tab.upload.value = of(ROAST_LOG)
    before = checksum(demo_path)
    chosen = {"AA FAQ": "bean:KEN-MASAI-AA", "브라질": "bean:BRA-FAZENDA-CARMO", "콜롬비아": "bean:COL-HUILA"}
    asked = []
    for _ in range(3):  # a recipe stops at its first unknown bean: the next one shows after mapping
        tab.preview()
        tab.wait()
        if tab.outcome.report.ok:
            break
        asked += [n.name for n in tab.names]
        assert all(n.kind == "bean" for n in tab.names)
        for n in tab.names:
            options = [v for _, v in tab.map_widgets[n.name].options]
            assert all(v == "" or v.startswith("bean:") for v in options)  # a bean row maps to a bean
            tab.map_widgets[n.name].value = chosen[n.name]
    assert asked == ["AA FAQ", "브라질", "콜롬비아"]
    assert checksum(demo_path) == before and not tab.confirm_button.disabled
    tab.confirm()
    tab.wait()
    assert count(demo_path, "SELECT COUNT(*) FROM import_name_map WHERE source = 'workbook'") == 3
    assert "Imported" in tab.form.status.value


# --- our own Excel format --------------------------------------------------------------------------


def test_an_excel_export_is_imported(tab, demo_path, tmp_path):
    other = db.connect(tmp_path / "small.db")
    build_small_cafe(other)
    roasting.add_batch(other, product="FULL-MOON", green_g=5000, roasted_g=4150, roasted_on=date(2025, 10, 10))
    export = tmp_path / "small-export.xlsx"
    excel.export_workbook(other, export)
    other.close()
    seen = changes(tab.ctx)
    tab.kind.value = "excel"
    tab.upload.value = of(export)
    before = checksum(demo_path)
    tab.preview()
    tab.wait()
    report = tab.outcome.report
    assert report.ok, report.text()
    assert report.counts["beans"]["created"] == 4 and report.counts["roast_batches"]["created"] == 1
    assert checksum(demo_path) == before
    tab.confirm()
    tab.wait()
    assert count(demo_path, "SELECT COUNT(*) FROM beans WHERE code = 'ETH-SID'") == 1
    assert set(seen) >= {"catalog", "stock", "batches", "settings", "menu"}
    assert seen.index("catalog") < seen.index("batches")
    # the new beans are offered when names are mapped
    assert any(p.code == "ETH-SID" for p in tab.products)


def test_a_formula_in_an_excel_file_is_a_rejected_row(tab, demo_path, tmp_path):
    conn = db.connect(demo_path, migrate=False)
    export = tmp_path / "export.xlsx"
    excel.export_workbook(conn, export)
    conn.close()
    wb = openpyxl.load_workbook(export)
    wb["beans"]["B2"] = "=1+1"
    wb.save(export)
    tab.upload.value = of(export)
    before = checksum(demo_path)
    tab.preview()
    tab.wait()
    assert "export.xlsx › beans › row 2" in tab.rejected_table.value
    assert "not formulas or errors" in tab.rejected_table.value
    assert tab.confirm_button.disabled and checksum(demo_path) == before


# --- bad, oversized and hostile uploads ------------------------------------------------------------


def test_a_corrupted_file_gives_a_clear_message(tab, demo_path, private_tmp):
    tab.kind.value = "menu"
    truncated = MENU.read_bytes()[:5000]
    tab.upload.value = files(("메뉴판.xlsx", truncated))
    before = checksum(demo_path)
    tab.preview()
    tab.wait()
    assert "is not a valid .xlsx file (corrupted or truncated)" in text(tab.form.status) + text(tab.file.error)
    assert "Traceback" not in shown(tab) and tab.outcome is None and tab.confirm_button.disabled
    assert checksum(demo_path) == before and list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "name", "size", "size_shown", "limit_shown"),
    [
        ("excel", "big.xlsx", 60 * 2**20, "60.0 MB", "50.0 MB"),
        ("menu", "메뉴판.xlsx", 50 * 2**20 + 1, "52,428,801 bytes", "52,428,800 bytes"),
        ("artisan", "big.alog", 6 * 2**20, "6.0 MB", "5.0 MB"),
    ],
)
def test_an_oversized_file_is_refused_before_anything_runs(
    tab, demo_path, private_tmp, kind, name, size, size_shown, limit_shown
):
    tab.kind.value = kind
    big = files((name, b"PK" + bytes(size - 2)))
    tab.upload.value = big
    message = f"'{name}' is {size_shown}; the limit for this kind of file is {limit_shown}"
    assert message in text(tab.file.error)
    assert tab.upload.value == () and tab.uploads is None  # the bytes are not kept
    before = checksum(demo_path)
    tab.quietly(lambda: setattr(tab.upload, "value", big))  # had it stayed: Preview refuses it too
    tab.preview()
    assert tab.thread is None  # refused before a worker starts or a byte is written
    assert message in text(tab.file.error) and "Traceback" not in shown(tab)
    assert checksum(demo_path) == before and list(private_tmp.iterdir()) == []


def test_wrong_extension_several_files_and_empty_files_are_refused(tab):
    tab.upload.value = files(("notes.txt", b"hello"))
    assert "is not a .xlsx file" in text(tab.file.error)
    tab.upload.value = of(MENU, ROAST_LOG)
    assert "choose one file" in text(tab.file.error)
    tab.kind.value = "artisan"
    tab.upload.value = files(("empty.alog", b""))
    assert "is empty" in text(tab.file.error)
    crafted = dict(files(("x.alog", b"x"))[0], content="not bytes")  # what a crafted message may hold
    tab.upload.value = (crafted,)
    assert "holds no file content" in text(tab.file.error)
    tab.preview()
    assert tab.thread is None and "Traceback" not in shown(tab)


def test_a_limit_is_stated_next_to_the_upload(tab, monkeypatch):
    monkeypatch.delenv("THEMOON_UPLOAD_MAX_MB", raising=False)  # tornado's default: 10 MiB
    tab.render()
    assert "At most 50.0 MB per file, and 10.0 MB per upload" in tab.limit_note.value
    tab.kind.value = "artisan"
    assert "At most 5.0 MB per log, and 10.0 MB per upload (all files together)" in tab.limit_note.value
    monkeypatch.setenv("THEMOON_UPLOAD_MAX_MB", "64")
    tab.render()
    assert "64.0 MB per upload" in tab.limit_note.value
    monkeypatch.setenv("THEMOON_UPLOAD_MAX_MB", "lots")
    assert imports.upload_limit() == 10 * 2**20


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.alog", "passwd.alog"),
        ("..\\..\\windows\\system32.alog", "system32.alog"),
        ("/etc/shadow", "shadow.alog"),
        ("..", "upload.alog"),
        (".alog", "upload.alog"),
        (".bashrc.alog", "bashrc.alog"),
        ("a\x00b\nc.alog", "a_b_c.alog"),
        ("로스팅 기록 (1).ALOG", "로스팅 기록 (1).alog"),
        ("x" * 300 + ".alog", "x" * 80 + ".alog"),
    ],
)
def test_safe_names(raw, expected):
    assert safe_name(raw, ".alog") == expected


def test_same_safe_names_do_not_overwrite_each_other():
    taken: set[str] = set()
    assert [safe_name(n, ".alog", taken) for n in ("a/x.alog", "b/x.alog", "X.alog")] == [
        "x.alog",
        "x-2.alog",
        "X-3.alog",
    ]


def test_hostile_upload_names_are_harmless(tab, demo_path, private_tmp, tmp_path):
    victim = tmp_path / "victim.alog"
    victim.write_text("do not touch", encoding="utf-8")
    log = LOGS[1].read_bytes()  # the Kenya log: matched by name, imports cleanly
    hostile = [f"../../{victim.name}", f"{tmp_path}/victim.alog", "../../etc/passwd.alog", ".."]
    tab.kind.value = "artisan"
    tab.upload.value = files(*[(name, log) for name in hostile[:3]])
    uploads = read_upload(tab.upload.value, "artisan")
    assert [u.name for u in uploads] == ["victim.alog", "victim-2.alog", "passwd.alog"]
    tab.preview()
    tab.wait()
    report = tab.outcome.report
    assert report.ok and report.counts["roast_batches"]["created"] == 1  # three copies of one roast
    assert "the same roast as" in tab.details.value and str(private_tmp) not in shown(tab)
    assert victim.read_text(encoding="utf-8") == "do not touch"
    assert list(private_tmp.iterdir()) == []
    tab.upload.value = files(("..", log))
    assert "is not a .alog file" in text(tab.file.error)
    tab.upload.value = files(("../../etc/passwd", log))
    assert "is not a .alog file" in text(tab.file.error)


def test_an_unexpected_error_is_a_friendly_line(tab, demo_path, private_tmp, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nTraceback (most recent call last)")

    monkeypatch.setattr(imports, "run_importer", broken)
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    before = checksum(demo_path)
    tab.preview()
    tab.wait()
    assert "that did not work and nothing was saved" in text(tab.form.status)
    assert "disk on fire" not in shown(tab) and "Traceback" not in shown(tab)
    assert not tab.busy and not tab.preview_button.disabled
    assert checksum(demo_path) == before and list(private_tmp.iterdir()) == []


# --- roles and language ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", [STAFF, VIEWER])
def test_staff_and_viewer_are_refused(demo_path, who):
    app = signed_in(demo_path, who)
    assert not app.allowed("imports")
    with pytest.raises(PermissionError):
        app.tab("imports")
    tab = ImportsTab(app.ctx)  # as if a session reached the tab anyway
    assert is_hidden(tab.panel) and "Only the owner can import data." in tab.message.value
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    before = checksum(demo_path)
    tab.preview()
    assert tab.thread is None and "does not allow" in tab.form.status.value
    tab.previewed = tab._current_key()  # even a forged "previewed" state does not get past the role check
    tab.confirm()
    tab.wait()
    assert "does not allow" in tab.form.status.value and checksum(demo_path) == before


def test_a_role_taken_away_before_the_worker_runs_stops_it(tab, demo_path, monkeypatch):
    """The worker checks the role again (ctx.run with action='import') before it imports."""
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    tab.preview()
    tab.wait()
    assert not tab.confirm_button.disabled
    real_thread = threading.Thread

    class DemotedMeanwhile(real_thread):
        def start(self) -> None:
            tab.ctx.user = dict(tab.ctx.user, role="staff")
            super().start()

    monkeypatch.setattr(imports.threading, "Thread", DemotedMeanwhile)
    before = checksum(demo_path)
    tab.confirm()
    tab.wait()
    assert "does not allow" in tab.form.status.value
    assert checksum(demo_path) == before and not tab.busy


def test_korean_labels(app, tab, demo_path):
    app.set_language("ko")
    assert tab.title.value == "데이터 가져오기"
    assert tab.preview_button.description == "미리보기" and tab.confirm_button.description == "가져오기 확인"
    assert "파일당 최대" in tab.limit_note.value
    assert tab.kind.widget.options[3] == ("Artisan 로스팅 기록 (.alog)", "artisan")
    tab.kind.value = "artisan"
    assert tab.upload.description == "파일 선택"
    tab.upload.value = of(*LOGS)
    tab.preview()
    tab.wait()
    assert "미리보기 — 아무것도 저장되지 않았습니다" in tab.result_title.value
    assert "신규 1, 변경 0, 그대로 0, 거부 2" in tab.result_summary.value
    assert "로스팅 배치" in tab.counts_table.value and "이유" in tab.rejected_table.value
    assert "지정되지 않았습니다" in tab.rejected_table.value  # the importer's Korean reason
    assert "이름 연결" in tab.map_title.value and "추천: 풀문 · 블렌드" in tab.map_rows.children[0].children[0].value
    app.set_language("en")
    assert "is not mapped to a bean or blend yet" in tab.rejected_table.value


def test_the_tab_without_an_app(demo_path):
    """Built on a bare Context signed in as the owner (as app.py builds it)."""
    conn = db.connect(demo_path, migrate=False)
    owner = dict(conn.execute("SELECT id, username, display_name, role FROM users WHERE role = 'owner'").fetchone())
    conn.close()
    tab = ImportsTab(Context(demo_path, user=owner))
    assert not is_hidden(tab.panel) and tab.products and tab.message.value == ""
    assert artisan.MAX_ALOG_BYTES == imports.FILE_LIMIT["artisan"]
