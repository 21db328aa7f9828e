"""The Import tab without a browser: upload, preview (writes nothing), confirm (writes, all or
nothing), re-run (no-op), name mapping, bad and oversized files, hostile names, roles, Korean.

The tests drive the tab's model (themoon/ui/tabs/imports/model.py) and look at the store from
another process; a few bind the view's widgets to it. Uploads are given as ipywidgets 8 gives
them: a tuple of dicts with name, type, size, content (a memoryview) and last_modified. Every run
happens in a worker thread (ui/jobs.py); `wait()` joins it and finishes the run on this thread.
"""

from __future__ import annotations

import asyncio
import html
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from browser_support import OWNER, STAFF, VIEWER, signed_in
from conftest import build_small_cafe
from outside import scalar

from themoon import db, roasting
from themoon.io import artisan, excel
from themoon.ui import jobs
from themoon.ui.context import Context
from themoon.ui.forms import is_hidden
from themoon.ui.tabs.imports import ImportsTab, runs
from themoon.ui.tabs.imports.model import ImportModel, summary
from themoon.ui.tabs.imports.runs import read_upload, safe_name

FIXTURES = Path(__file__).parent / "fixtures"  # the café's files (copies of ../shared/fixtures/legacy)
MENU = FIXTURES / "moon_menu.xlsx"
ROAST_LOG = FIXTURES / "moon_roasting_log.xlsx"
LOGS = sorted((FIXTURES / "artisan").glob("*.alog"))
BAD_LOGS = sorted((FIXTURES / "artisan" / "bad").glob("*.alog"))
FULL_MOON_TEXT = "Full Moon blend (풀문)"
YIRGA_TEXT = "Ethiopia Yirgacheffe G2 Washed"
_CHECKSUM = """
import sqlite3, sys
sys.path.insert(0, sys.argv[2])
from conftest import db_checksum
conn = sqlite3.connect(sys.argv[1], timeout=30)
try:
    print(db_checksum(conn))
finally:
    conn.close()
"""


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
    """Every row of the store, as another process reads it."""
    out = subprocess.run(
        [sys.executable, "-c", _CHECKSUM, str(path), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.strip()


def count(path: Path, sql: str) -> int:
    """As another process sees it (this one holds the app's connection and analytics engine)."""
    return scalar(path, sql)


def text(widget) -> str:
    """What an HTML widget shows, as text."""
    return html.unescape(widget.value)


def said(model: ImportModel) -> str:
    """The model's status line, in English."""
    return model.said.text("en") if model.said is not None else ""


def problem(model: ImportModel) -> str:
    """Why the model refused something: a field's error, or the status line."""
    errors = [e for e in (model.error, model.file_error) if e is not None]
    return " | ".join([e.message for e in errors] + [said(model)])


def reasons(model: ImportModel) -> list[str]:
    return [r.reason for r in model.outcome.report.rejected]


def run(model: ImportModel, upload, *, confirm: bool = False) -> None:
    (model.confirm if confirm else model.preview)(upload)
    model.wait()


@pytest.fixture()
def app(demo_path):
    return signed_in(demo_path, OWNER)


@pytest.fixture()
def tab(app):
    return app.tab("imports")


@pytest.fixture()
def model(tab):
    return tab.model


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """tempfile's directory for this test, to see what the tab leaves behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(runs.tempfile, "tempdir", str(folder))
    return folder


def changes(ctx) -> list[str]:
    seen: list[str] = []
    ctx.subscribe(lambda what, origin=None: seen.append(what))
    return seen


# --- the menu workbook: preview, confirm, re-run ----------------------------------------------------


def test_preview_writes_nothing_confirm_writes_and_a_rerun_is_a_no_op(model, demo_path, private_tmp):
    seen = changes(model.ctx)
    model.choose_kind("menu")
    assert model.set_files(of(MENU)) and [u.shown for u in model.uploads] == ["moon_menu.xlsx"]
    assert not model.can_confirm
    before = checksum(demo_path)

    assert model.preview(of(MENU))
    assert model.thread is not None and model.thread.daemon
    model.wait()
    assert checksum(demo_path) == before  # a preview writes nothing
    report = model.outcome.report
    assert report.dry_run and report.ok and report.counts["menu_items"]["created"] == 72
    assert report.source == "moon_menu.xlsx" and model.outcome_job.dry_run
    assert summary(report).text("en") == "72 new, 0 updated, 0 unchanged, 0 rejected"
    assert len(report.unmatched) == 42  # unmatched menu lines are listed, never guessed
    assert model.can_confirm and model.said.key == "imp.ready" and "Confirm import" in said(model)
    assert model.pct == 100 and model.bar == "success" and not seen
    assert list(private_tmp.iterdir()) == []  # the private copy is gone

    items = count(demo_path, "SELECT COUNT(*) FROM menu_items")
    run(model, of(MENU), confirm=True)
    assert count(demo_path, "SELECT COUNT(*) FROM menu_items") == items + 72
    assert not model.outcome_job.dry_run and "Imported: 72 new" in said(model)
    assert seen == ["menu"] and not model.can_confirm
    assert list(private_tmp.iterdir()) == []

    after = checksum(demo_path)
    run(model, of(MENU))  # the same file again
    report = model.outcome.report
    assert report.counts["menu_items"] == {"created": 0, "updated": 0, "unchanged": 72, "rejected": 0}
    assert any("already imported" in n for n in report.notes)
    assert "nothing to import" in said(model) and not model.can_confirm
    assert checksum(demo_path) == after and seen == ["menu"]


def test_confirm_needs_a_clean_preview_of_the_same_bytes(model, demo_path):
    model.choose_kind("menu")
    model.set_files(of(MENU))
    run(model, of(MENU))
    assert model.can_confirm
    other = files(("moon_menu.xlsx", MENU.read_bytes() + b"\0"))  # same name, other bytes
    model.set_files(other)
    assert not model.can_confirm and model.outcome is None
    before = checksum(demo_path)
    assert not model.confirm(other)  # a click the browser should not have allowed
    assert model.thread is None or not model.thread.is_alive()
    model.wait()
    assert "preview these files first" in problem(model)
    assert checksum(demo_path) == before
    run(model, other)  # positive control: previewed, the same bytes go in
    items = count(demo_path, "SELECT COUNT(*) FROM menu_items")
    run(model, other, confirm=True)
    assert count(demo_path, "SELECT COUNT(*) FROM menu_items") == items + 72


def test_progress_is_driven_by_the_importer_and_reaches_100(tab):
    """The view's bar follows the model's progress (told from the worker thread)."""
    values: list[int] = []
    tab.bar.observe(lambda change: values.append(change["new"]), names="value")
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    tab.preview_button.click()
    tab.wait()
    assert values[-1] == 100 and 0 < values[0] < 100  # driven step by step, not set at the end
    assert values == sorted(values)  # it never goes back
    assert tab.bar_label.value == "Done" and not is_hidden(tab.progress_row)


def test_the_kernel_stays_responsive_and_buttons_wait(tab, demo_path, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    real = runs.run_importer

    def slow(*args, **kwargs):
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "run_importer", slow)
    tab.kind.value = "menu"
    tab.upload.value = of(MENU)
    tab.preview_button.click()
    assert started.wait(30)
    model = tab.model
    assert model.busy and model.thread.is_alive() and model.thread is not threading.current_thread()
    assert tab.preview_button.disabled and tab.confirm_button.disabled and tab.upload.disabled
    assert tab.kind.widget.disabled
    assert not model.preview(of(MENU))  # a second click while running does nothing
    tab.set_language("en")  # the kernel's thread is free meanwhile
    assert "Checking" in said(model) and "Checking" in tab.form.status.value
    release.set()
    tab.wait()
    assert not model.busy and not tab.preview_button.disabled and not tab.confirm_button.disabled


def test_the_end_of_a_run_comes_back_on_the_event_loop(model):
    """In the kernel a loop runs: the worker hands the finish to it (call_soon_threadsafe)."""
    seen: list[str] = []
    model.ctx.subscribe(lambda what, origin=None: seen.append(threading.current_thread().name))
    model.choose_kind("menu")
    model.set_files(of(MENU))

    async def click_and_wait(action) -> None:
        action(of(MENU))
        for _ in range(1200):
            if not model.busy:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the run did not finish")

    asyncio.run(click_and_wait(model.preview))
    assert model.can_confirm
    asyncio.run(click_and_wait(model.confirm))
    assert model.jobs._queue == [] and seen == [threading.main_thread().name]
    assert "Imported" in said(model)


# --- Artisan logs and names to map ---------------------------------------------------------------


def test_artisan_names_are_mapped_then_imported(model, demo_path, private_tmp):
    seen = changes(model.ctx)
    model.choose_kind("artisan")
    model.set_files(of(*LOGS))
    before = checksum(demo_path)
    run(model, of(*LOGS))
    assert checksum(demo_path) == before
    report = model.outcome.report
    assert report.counts["roast_batches"]["created"] == 1 and len(report.rejected) == 2
    assert any("is not mapped to a bean or blend yet" in r for r in reasons(model))
    assert "fullmoon-2026-10-30-TM41.alog" in [r.where for r in report.rejected]
    everything = repr(report) + said(model)
    assert str(private_tmp) not in everything and "themoon-import-" not in everything
    assert {n.name: n.hint for n in model.names} == {
        FULL_MOON_TEXT: "blend:FULL-MOON",
        YIRGA_TEXT: "bean:ETH-YIRGACHEFFE",
    }
    assert [n.name for n in model.shown_names()] == [FULL_MOON_TEXT, YIRGA_TEXT]
    assert not model.can_confirm

    model.map_name(FULL_MOON_TEXT, "blend:FULL-MOON")
    model.map_name(YIRGA_TEXT, "bean:ETH-YIRGACHEFFE")
    assert not model.can_confirm and model.said.key == "imp.stale"  # the choices need a preview first
    run(model, of(*LOGS))
    assert model.outcome.report.ok and model.outcome.report.counts["roast_batches"]["created"] == 3
    assert len(model.shown_names()) == 2  # the mapped names stay listed: the confirm sends them
    assert checksum(demo_path) == before and model.can_confirm

    batches = count(demo_path, "SELECT COUNT(*) FROM roast_batches")
    run(model, of(*LOGS), confirm=True)
    assert count(demo_path, "SELECT COUNT(*) FROM roast_batches") == batches + 3
    assert count(demo_path, "SELECT COUNT(*) FROM import_name_map WHERE source = 'artisan'") == 2
    assert seen == ["stock", "batches"] and model.shown_names() == []

    model.set_files(of(*LOGS))  # the same logs again: the stored mappings are used
    run(model, of(*LOGS))
    assert model.outcome.report.counts["roast_batches"] == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert model.shown_names() == [] and not model.can_confirm
    assert list(private_tmp.iterdir()) == []


def test_the_map_card_binds_dropdowns_to_the_model(tab, demo_path):
    tab.kind.value = "artisan"
    tab.upload.value = of(*LOGS)
    tab.preview_button.click()
    tab.wait()
    assert not is_hidden(tab.map_card) and len(tab.map_rows.children) == 2
    assert "perhaps Full Moon" in tab.map_rows.children[0].children[0].value
    tab.map_widgets[FULL_MOON_TEXT].value = "blend:FULL-MOON"
    assert tab.model.mapped[FULL_MOON_TEXT] == "blend:FULL-MOON" and tab.confirm_button.disabled
    tab.map_widgets[YIRGA_TEXT].value = "bean:ETH-YIRGACHEFFE"
    tab.preview_button.click()
    tab.wait()
    assert not tab.confirm_button.disabled
    batches = count(demo_path, "SELECT COUNT(*) FROM roast_batches")
    tab.confirm_button.click()
    tab.wait()
    assert count(demo_path, "SELECT COUNT(*) FROM roast_batches") == batches + 3
    assert is_hidden(tab.map_card) and "Imported" in tab.result_title.value


def test_bad_artisan_logs_are_rejected_with_reasons(model, demo_path):
    model.choose_kind("artisan")
    model.set_files(of(*BAD_LOGS))
    before = checksum(demo_path)
    run(model, of(*BAD_LOGS))
    report = model.outcome.report
    assert len(report.rejected) == len(BAD_LOGS)
    # a log whose bean text merely looks like code is only text: offered for mapping
    assert [n.name for n in model.names] == ["__import__('os').system('echo pwned')"]
    assert any("never code" in r for r in reasons(model))  # literal-only parsing, never eval
    assert any("weigh the roasted coffee first" in r for r in reasons(model))
    assert not model.can_confirm and "a real import would be refused" in said(model)
    assert checksum(demo_path) == before


def test_a_name_that_looks_like_code_is_escaped_in_the_view(tab):
    tab.kind.value = "artisan"
    tab.upload.value = of(*BAD_LOGS)
    tab.preview_button.click()
    tab.wait()
    assert "__import__(&#x27;os&#x27;)" in tab.map_rows.children[0].children[0].value


def test_the_roasting_workbook_asks_for_each_unknown_name(model, demo_path):
    model.choose_kind("workbook")
    model.set_files(of(ROAST_LOG))
    before = checksum(demo_path)
    chosen = {"AA FAQ": "bean:KEN-MASAI-AA", "브라질": "bean:BRA-FAZENDA-CARMO", "콜롬비아": "bean:COL-HUILA"}
    asked = []
    for _ in range(3):  # a recipe stops at its first unknown bean: the next one shows after mapping
        run(model, of(ROAST_LOG))
        if model.outcome.report.ok:
            break
        asked += [n.name for n in model.names]
        assert all(n.kind == "bean" for n in model.names)
        for n in model.names:
            assert all(p.kind == "bean" for p in model.products_for(n.kind))  # a bean row maps to a bean
            model.map_name(n.name, chosen[n.name])
    assert asked == ["AA FAQ", "브라질", "콜롬비아"]
    assert checksum(demo_path) == before and model.can_confirm
    run(model, of(ROAST_LOG), confirm=True)
    assert count(demo_path, "SELECT COUNT(*) FROM import_name_map WHERE source = 'workbook'") == 3
    assert "Imported" in said(model)


# --- our own Excel format --------------------------------------------------------------------------


def test_an_excel_export_is_imported(model, demo_path, tmp_path):
    other = db.connect(tmp_path / "small.db")
    build_small_cafe(other)
    roasting.add_batch(other, product="FULL-MOON", green_g=5000, roasted_g=4150, roasted_on=date(2025, 10, 10))
    export = tmp_path / "small-export.xlsx"
    excel.export_workbook(other, export)
    other.close()
    seen = changes(model.ctx)
    model.choose_kind("excel")
    model.set_files(of(export))
    before = checksum(demo_path)
    run(model, of(export))
    report = model.outcome.report
    assert report.ok, report.text()
    assert report.counts["beans"]["created"] == 4 and report.counts["roast_batches"]["created"] == 1
    assert checksum(demo_path) == before
    run(model, of(export), confirm=True)
    assert count(demo_path, "SELECT COUNT(*) FROM beans WHERE code = 'ETH-SID'") == 1
    assert set(seen) >= {"catalog", "stock", "batches", "settings", "menu"}
    assert seen.index("catalog") < seen.index("batches")
    # the new beans are offered when names are mapped
    assert any(p.code == "ETH-SID" for p in model.products)


def test_a_formula_in_an_excel_file_is_a_rejected_row(model, demo_path, tmp_path):
    conn = db.connect(demo_path, migrate=False)
    export = tmp_path / "export.xlsx"
    excel.export_workbook(conn, export)
    conn.close()
    wb = openpyxl.load_workbook(export)
    wb["beans"]["B2"] = "=1+1"
    wb.save(export)
    model.set_files(of(export))
    before = checksum(demo_path)
    run(model, of(export))
    rejected = model.outcome.report.rejected
    assert "export.xlsx › beans › row 2" in [r.where for r in rejected]
    assert any("not formulas or errors" in r.reason for r in rejected)
    assert not model.can_confirm and checksum(demo_path) == before


# --- bad, oversized and hostile uploads ------------------------------------------------------------


def test_a_corrupted_file_gives_a_clear_message(model, demo_path, private_tmp):
    model.choose_kind("menu")
    truncated = files(("메뉴판.xlsx", MENU.read_bytes()[:5000]))
    model.set_files(truncated)
    before = checksum(demo_path)
    run(model, truncated)
    assert "is not a valid .xlsx file (corrupted or truncated)" in problem(model)
    assert "Traceback" not in problem(model) and model.outcome is None and not model.can_confirm
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
    model, demo_path, private_tmp, kind, name, size, size_shown, limit_shown
):
    model.choose_kind(kind)
    big = files((name, b"PK" + bytes(size - 2)))
    assert not model.set_files(big)
    message = f"'{name}' is {size_shown}; the limit for this kind of file is {limit_shown}"
    assert message in problem(model) and model.error.field == "file"
    assert model.uploads is None  # the bytes are not kept
    before = checksum(demo_path)
    assert not model.preview(big)  # had it stayed: Preview refuses it too
    assert model.thread is None  # refused before a worker starts or a byte is written
    assert message in problem(model) and "Traceback" not in problem(model)
    assert checksum(demo_path) == before and list(private_tmp.iterdir()) == []


def test_a_refused_upload_is_dropped_from_the_widget(tab):
    tab.kind.value = "excel"
    tab.upload.value = files(("big.xlsx", b"PK" + bytes(60 * 2**20 - 2)))
    assert tab.upload.value == () and "is 60.0 MB" in text(tab.file.error)


def test_wrong_extension_several_files_and_empty_files_are_refused(model):
    assert not model.set_files(files(("notes.txt", b"hello")))
    assert "is not a .xlsx file" in problem(model)
    assert not model.set_files(of(MENU, ROAST_LOG))
    assert "choose one file" in problem(model)
    model.choose_kind("artisan")
    assert not model.set_files(files(("empty.alog", b"")))
    assert "is empty" in problem(model)
    crafted = dict(files(("x.alog", b"x"))[0], content="not bytes")  # what a crafted message may hold
    assert not model.set_files((crafted,))
    assert "holds no file content" in problem(model)
    assert not model.preview((crafted,))
    assert model.thread is None and "Traceback" not in problem(model)
    assert model.set_files(of(*LOGS))  # positive control: real logs are taken


def test_a_limit_is_stated_next_to_the_upload(tab, monkeypatch):
    monkeypatch.delenv("THEMOON_UPLOAD_MAX_MB", raising=False)  # tornado's default: 10 MiB
    tab.render()
    assert "At most 50.0 MB per file, and 10.0 MB per upload" in tab.limit_note.value
    tab.kind.value = "artisan"
    assert tab.upload.accept == ".alog" and tab.upload.multiple is True
    assert "At most 5.0 MB per log, and 10.0 MB per upload (all files together)" in tab.limit_note.value
    monkeypatch.setenv("THEMOON_UPLOAD_MAX_MB", "64")
    tab.render()
    assert "64.0 MB per upload" in tab.limit_note.value
    monkeypatch.setenv("THEMOON_UPLOAD_MAX_MB", "lots")
    assert runs.upload_limit() == 10 * 2**20


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


def test_hostile_upload_names_are_harmless(model, demo_path, private_tmp, tmp_path):
    victim = tmp_path / "victim.alog"
    victim.write_text("do not touch", encoding="utf-8")
    log = LOGS[1].read_bytes()  # the Kenya log: matched by name, imports cleanly
    hostile = files(
        *[(name, log) for name in (f"../../{victim.name}", f"{tmp_path}/victim.alog", "../../etc/passwd.alog")]
    )
    model.choose_kind("artisan")
    assert model.set_files(hostile)
    assert [u.name for u in read_upload(hostile, "artisan")] == ["victim.alog", "victim-2.alog", "passwd.alog"]
    run(model, hostile)
    report = model.outcome.report
    assert report.ok and report.counts["roast_batches"]["created"] == 1  # three copies of one roast
    assert any("the same roast as" in n for n in report.notes + report.matched + report.unmatched)
    assert str(private_tmp) not in repr(report)
    assert victim.read_text(encoding="utf-8") == "do not touch"
    assert list(private_tmp.iterdir()) == []
    assert not model.set_files(files(("..", log)))
    assert "is not a .alog file" in problem(model)
    assert not model.set_files(files(("../../etc/passwd", log)))
    assert "is not a .alog file" in problem(model)


def test_an_unexpected_error_is_a_friendly_line(model, demo_path, private_tmp, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire\nTraceback (most recent call last)")

    monkeypatch.setattr(runs, "run_importer", broken)
    model.choose_kind("menu")
    model.set_files(of(MENU))
    before = checksum(demo_path)
    run(model, of(MENU))
    assert "that did not work and nothing was saved" in said(model)
    assert "disk on fire" not in problem(model) and "Traceback" not in problem(model)
    assert not model.busy and model.bar == "danger"
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
    model = tab.model
    model.choose_kind("menu")
    model.set_files(of(MENU))
    before = checksum(demo_path)
    assert not model.preview(of(MENU))
    assert model.thread is None and "does not allow" in said(model)
    model.previewed = model.current_key()  # even a forged "previewed" state does not get past the role check
    assert not model.confirm(of(MENU))
    model.wait()
    assert "does not allow" in said(model) and checksum(demo_path) == before


def test_a_role_taken_away_before_the_worker_runs_stops_it(model, demo_path, monkeypatch):
    """The worker checks the role again (ctx.run with action='import') before it imports."""
    model.choose_kind("menu")
    model.set_files(of(MENU))
    run(model, of(MENU))
    assert model.can_confirm
    real_thread = threading.Thread

    class DemotedMeanwhile(real_thread):
        def start(self) -> None:
            model.ctx.user = dict(model.ctx.user, role="staff")
            super().start()

    monkeypatch.setattr(jobs.threading, "Thread", DemotedMeanwhile)
    before = checksum(demo_path)
    run(model, of(MENU), confirm=True)
    assert "does not allow" in said(model)
    assert checksum(demo_path) == before and not model.busy


def test_korean_labels(app, tab, demo_path):
    app.set_language("ko")
    assert tab.title.value == "데이터 가져오기"
    assert tab.preview_button.description == "미리보기" and tab.confirm_button.description == "가져오기 확인"
    assert "파일당 최대" in tab.limit_note.value
    assert tab.kind.widget.options[3] == ("Artisan 로스팅 기록 (.alog)", "artisan")
    tab.kind.value = "artisan"
    assert tab.upload.description == "파일 선택"
    tab.upload.value = of(*LOGS)
    tab.preview_button.click()
    tab.wait()
    assert "미리보기 — 아무것도 저장되지 않았습니다" in tab.result_title.value
    assert summary(tab.model.outcome.report).text("ko") == "신규 1, 변경 0, 그대로 0, 거부 2"
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
    assert not is_hidden(tab.panel) and tab.model.products and tab.message.value == ""
    assert artisan.MAX_ALOG_BYTES == runs.FILE_LIMIT["artisan"]


# --- POS sales exports (issue #13) ----------------------------------------------------------------------

SALES = FIXTURES / "sales"
POS_CP949 = SALES / "pos_daily_cp949.csv"
POS_RECEIPTS = SALES / "pos_receipts_utf8bom.csv"
POS_BAD = SALES / "pos_bad_row.csv"
POS_XLSX = SALES / "pos_daily.xlsx"
SALES_SQL = "SELECT COUNT(*) FROM sales_daily WHERE source = 'pos'"


def test_a_cp949_pos_export_imports_and_a_second_import_changes_nothing(model, demo_path, private_tmp):
    seen = changes(model.ctx)
    model.choose_kind("sales")
    assert model.set_files(of(POS_CP949))
    before, rows = checksum(demo_path), count(demo_path, SALES_SQL)
    run(model, of(POS_CP949))
    assert checksum(demo_path) == before  # the preview wrote nothing
    report = model.outcome.report
    assert report.counts["sales_daily"]["created"] == 5 and model.can_confirm and not model.names
    assert any("CP949" in n for n in report.notes)
    assert any("skipped 1 totals rows (rows 9)" in n for n in report.notes)  # the 합계 row
    run(model, of(POS_CP949), confirm=True)
    assert "Imported: 5 new" in said(model) and seen == ["sales"]
    assert count(demo_path, SALES_SQL) == rows + 5  # as another process sees it
    assert count(demo_path, "SELECT SUM(net_won) FROM sales_daily WHERE sold_on <= '2025-11-02'") == 227_000
    assert list(private_tmp.iterdir()) == []

    after = checksum(demo_path)
    run(model, of(POS_CP949))  # the same file again: nothing to do
    assert model.outcome.report.counts["sales_daily"]["unchanged"] == 5 and not model.can_confirm
    assert "nothing to import" in said(model)
    assert checksum(demo_path) == after and seen == ["sales"]


def test_unknown_pos_names_are_mapped_to_menu_items_and_the_mapping_is_kept(tab, demo_path):
    model = tab.model
    tab.kind.value = "sales"
    assert tab.upload.accept == ".csv,.xlsx"
    tab.upload.value = of(POS_RECEIPTS)
    tab.preview_button.click()
    tab.wait()
    assert [(n.name, n.kind) for n in model.names] == [("ICE 콜드브루", "item")]
    assert model.outcome.report.rejected and not model.can_confirm and model.bar == "warning"
    assert "rows 3, 8" in model.outcome.report.rejected[0].where
    dropdown = tab.map_widgets["ICE 콜드브루"]
    assert "menu item" in text(tab.map_rows.children[0].children[0])
    codes = [value for _, value in dropdown.options]
    assert "CUP-COLD-BREW" in codes and codes[1].startswith("CUP-")  # cups first
    dropdown.value = "CUP-COLD-BREW"
    assert not model.can_confirm  # a new preview must vouch for the mapping
    before = checksum(demo_path)
    tab.preview_button.click()
    tab.wait()
    assert model.can_confirm and checksum(demo_path) == before
    assert count(demo_path, "SELECT COUNT(*) FROM sales_name_map") == 0  # the preview kept nothing
    tab.confirm_button.click()
    tab.wait()
    assert "Imported: 5 new" in said(model)
    mapped = "SELECT i.code FROM sales_name_map m JOIN menu_items i ON i.id = m.menu_item_id WHERE m.name = ?"
    assert scalar(demo_path, mapped, ["ICE 콜드브루"]) == "CUP-COLD-BREW"  # kept for the next file
    sold = (
        "SELECT SUM(qty) FROM sales_daily s JOIN menu_items i ON i.id = s.menu_item_id"
        " WHERE i.code = 'CUP-COLD-BREW' AND s.sold_on BETWEEN '2025-11-03' AND '2025-11-04'"
    )
    assert count(demo_path, sold) == 3


def test_a_pos_export_with_a_bad_row_writes_nothing_and_names_the_row(model, demo_path):
    model.choose_kind("sales")
    before = checksum(demo_path)
    run(model, of(POS_BAD))
    [rejected] = model.outcome.report.rejected
    assert rejected.where == "pos_bad_row.csv › row 4" and rejected.field == "qty"
    assert not model.can_confirm and "1 rejected rows" in said(model)
    assert not model.confirm(of(POS_BAD))  # no clean preview: no import
    model.wait()
    assert checksum(demo_path) == before
    rows = count(demo_path, SALES_SQL)
    run(model, of(POS_XLSX))  # positive control: a good file (.xlsx) goes in
    run(model, of(POS_XLSX), confirm=True)
    assert count(demo_path, SALES_SQL) == rows + 4


def test_a_pos_export_must_be_csv_or_xlsx_within_its_limit(model, monkeypatch):
    model.choose_kind("sales")
    assert not model.set_files(files(("sales.txt", b"date,item\n")))
    assert ".csv / .xlsx" in problem(model)
    monkeypatch.setitem(runs.EXTENSION_LIMIT, ("sales", ".xlsx"), 10)
    assert not model.set_files(files(("sales.xlsx", b"x" * 11)))
    assert "limit" in problem(model)
    assert model.set_files(files(("sales.csv", b"x" * 11)))  # the CSV limit is the larger one


def test_the_sales_kind_is_owner_only_and_speaks_korean(demo_path):
    for who in (STAFF, VIEWER):
        assert not signed_in(demo_path, who).allowed("imports")
    app = signed_in(demo_path, OWNER, lang="ko")
    tab = app.tab("imports")
    tab.kind.value = "sales"
    assert "POS" in tab.kind_help.value and "합계" in text(tab.kind_help)
    assert ("판매 (POS 내보내기, .csv 또는 .xlsx)", "sales") in tab.kind.widget.options
