"""The Reports tab without a browser: the list of past runs from index.json, opening a report and
downloading its workbook through the widget channel (and refusing paths outside the reports
folder), running a report in a worker thread with progress, exports, roles, Korean.

Most tests drive the tab's model (themoon/ui/tabs/reports/model.py); the view's tests check what
only the view does: escaping the index's text, the sandboxed frame, the download links."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
from browser_support import DEMO_TODAY, OWNER, STAFF, VIEWER, signed_in
from openpyxl import load_workbook

from themoon import db, users
from themoon.io import excel
from themoon.reports import index, runner
from themoon.ui.forms import is_hidden
from themoon.ui.tabs.reports import model as reports_model
from themoon.ui.tabs.reports import view as reports_view

REPORT_HTML = '<html><body><h1>October "costs" & <b>margins</b></h1><script>var a = 1 < 2;</script></body></html>'
XLSX_BYTES = b"PK\x03\x04 not really a workbook \x00\xff"


def visible(widget) -> bool:
    return not is_hidden(widget)


def data_uri(link_html: str) -> tuple[str, str, bytes]:
    """(download name, mime type, bytes) of the `<a download href="data:...">` in `link_html`."""
    found = re.search(r'download="([^"]*)" href="data:([^;"]+)(?:;[^;"]*)?;base64,([A-Za-z0-9+/=]*)"', link_html)
    assert found, link_html[:300]
    return html.unescape(found.group(1)), found.group(2), base64.b64decode(found.group(3))


def srcdoc(frame_html: str) -> str:
    found = re.search(r'<iframe [^>]*sandbox="allow-scripts"[^>]*srcdoc="([^"]*)"', frame_html)
    assert found, frame_html[:300]
    return html.unescape(found.group(1))


def entry(name: str, period: str, status: str = "ok", **extra) -> dict:
    base = {
        "id": f"x-{name}-{period}",
        "name": name,
        "title": name,
        "period": period,
        "trigger": "schedule",
        "started_at": "2026-11-01T06:00:02+09:00",
        "finished_at": "2026-11-01T06:00:14+09:00",
        "duration_seconds": 11.84,
        "status": status,
        "error": None,
        "files": {},
    }
    base.update(extra)
    return base


@pytest.fixture()
def reports_root(tmp_path, monkeypatch) -> Path:
    """A tiny reports folder: a published monthly report, a failed weekly run, and two runs whose
    index entries point outside the folder (a `..` path, an absolute path, a symlink out)."""
    root = tmp_path / "reports"
    month = root / "monthly_cost" / "2026-10"
    month.mkdir(parents=True)
    (month / "monthly_cost_2026-10.html").write_text(REPORT_HTML, encoding="utf-8")
    (month / "monthly_cost_2026-10.xlsx").write_bytes(XLSX_BYTES)
    (tmp_path / "secret.html").write_text("<p>secret</p>", encoding="utf-8")
    (tmp_path / "secret.xlsx").write_bytes(b"secret")
    day = root / "inventory" / "2026-10-31"
    day.mkdir(parents=True)
    (day / "link.xlsx").symlink_to(tmp_path / "secret.xlsx")
    (day / "link.html").symlink_to(tmp_path / "secret.html")
    entries = [
        entry(
            "monthly_cost",
            "2026-10",
            files={
                "html": "monthly_cost/2026-10/monthly_cost_2026-10.html",
                "xlsx": "monthly_cost/2026-10/monthly_cost_2026-10.xlsx",
            },
        ),
        entry(
            "weekly_roasting",
            "2026-W44",
            "failed",
            trigger="manual",
            started_at="2026-11-02T07:00:00+09:00",
            duration_seconds=3.2,
            error="ValueError: the store has no batches\nTraceback (most recent call last): nope",
            files={"error": "weekly_roasting/2026-W44/weekly_roasting_2026-W44.error.txt"},
        ),
        entry(
            "inventory",
            "2026-10-30",
            started_at="2026-11-03T08:00:00+09:00",
            files={"html": "../secret.html", "xlsx": str(tmp_path / "secret.xlsx")},
        ),
        entry(
            "inventory",
            "2026-10-31",
            started_at="2026-11-04T08:00:00+09:00",
            files={"html": "inventory/2026-10-31/link.html", "xlsx": "inventory/2026-10-31/link.xlsx"},
        ),
    ]
    (root / "index.json").write_text(json.dumps(entries), encoding="utf-8")
    monkeypatch.setenv("THEMOON_REPORTS_DIR", str(root))
    return root


def reports_tab(demo_path, who=OWNER, lang="en"):
    return signed_in(demo_path, who, lang=lang).tab("reports")


@pytest.fixture()
def tab(demo_path, reports_root):
    t = reports_tab(demo_path)
    yield t
    assert t.wait(60)


@pytest.fixture()
def model(tab):
    return tab.model


def row_of(tab, name: str, period: str):
    return next(r for r in tab.rows if r.entry["name"] == name and r.entry["period"] == period)


def entry_of(model, name: str, period: str) -> dict:
    return next(e for e in model.entries if e["name"] == name and e["period"] == period)


def said(said) -> str:
    return said.text("en") if said is not None else ""


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_past_runs_newest_first(tab):
    assert tab.message.value == ""
    assert [(r.entry["name"], r.entry["period"]) for r in tab.rows] == [
        ("inventory", "2026-10-31"),
        ("inventory", "2026-10-30"),
        ("weekly_roasting", "2026-W44"),
        ("monthly_cost", "2026-10"),
    ]
    monthly = row_of(tab, "monthly_cost", "2026-10")
    for text in ("Monthly cost report", "2026-10", "2026-11-01 06:00", "11.8 s", "scheduled", "OK"):
        assert text in monthly.info.value
    assert visible(monthly.open) and visible(monthly.xlsx) and monthly.open.description == "Open"
    failed = row_of(tab, "weekly_roasting", "2026-W44")
    assert "Failed" in failed.info.value and "ValueError: the store has no batches" in failed.info.value
    assert "command line" in failed.info.value
    assert not visible(failed.open) and not visible(failed.xlsx)
    assert "Report" in tab.l_head.value and "Took" in tab.l_head.value


def test_index_entries_are_escaped(demo_path, reports_root):
    entries = json.loads((reports_root / "index.json").read_text())
    entries.append(entry("<img src=x onerror=alert(1)>", "<b>2026</b>", "failed", error="<script>x()</script>"))
    entries.append({"name": 5, "files": "nope", "duration_seconds": "slow", "started_at": None})
    entries.append("not an entry")
    (reports_root / "index.json").write_text(json.dumps(entries))
    tab = reports_tab(demo_path)
    assert tab.message.value == "" and len(tab.rows) == 6
    shown = "".join(r.info.value for r in tab.rows)
    assert "<img" not in shown and "<script>" not in shown and "&lt;script&gt;" in shown


def test_a_long_index_shows_the_newest_runs(demo_path, reports_root, monkeypatch):
    monkeypatch.setattr(reports_model, "LIST_LIMIT", 3)
    tab = reports_tab(demo_path)
    assert len(tab.model.entries) == 3 and tab.model.total == 4
    assert len(tab.rows) == 3 and "newest 3 of 4" in tab.l_note.value


def test_no_index_yet(demo_path, tmp_path, monkeypatch):
    monkeypatch.setenv("THEMOON_REPORTS_DIR", str(tmp_path / "none"))
    tab = reports_tab(demo_path)
    assert tab.rows == [] and "No report has been run yet" in tab.l_note.value and tab.message.value == ""


def test_an_unreadable_index_is_a_message(demo_path, reports_root):
    (reports_root / "index.json").write_text("{not json")
    tab = reports_tab(demo_path)
    assert tab.model.entries == [] and tab.model.index_bad
    assert tab.rows == [] and "could not be read" in tab.list_form.status.value


# --- opening and downloading -----------------------------------------------------------------------------


def test_open_shows_the_report_in_a_sandboxed_frame(tab):
    assert not visible(tab.viewer)
    tab.open_report(row_of(tab, "monthly_cost", "2026-10"))
    assert visible(tab.viewer) and "Monthly cost report · 2026-10" in tab.v_title.value
    assert srcdoc(tab.v_frame.value) == REPORT_HTML
    assert "allow-same-origin" not in tab.v_frame.value and "<script>" not in tab.v_frame.value
    tab.download_viewed_html()
    assert data_uri(tab.v_link.value) == ("monthly_cost_2026-10.html", "text/html", REPORT_HTML.encode())
    tab.close_viewer()
    assert not visible(tab.viewer) and tab.v_frame.value == "" and tab.v_link.value == ""


def test_download_turns_the_button_into_a_link_with_the_file(tab):
    r = row_of(tab, "monthly_cost", "2026-10")
    assert r.link.value == ""  # nothing is sent before the click
    tab.download_xlsx(r)
    name, mime, data = data_uri(r.link.value)
    assert (name, data) == ("monthly_cost_2026-10.xlsx", XLSX_BYTES)
    assert mime == reports_view.MIME["xlsx"]
    assert visible(r.link) and not visible(r.xlsx)


@pytest.mark.parametrize("period", ["2026-10-30", "2026-10-31"])
def test_paths_outside_the_reports_folder_are_refused(model, period):
    e = entry_of(model, "inventory", period)
    result = model.open(e)  # a click that reaches the control anyway
    assert not result.ok and result.value is None and "not in the reports folder" in said(result.said)
    assert model.viewing is None
    result = model.read(e["files"]["xlsx"], ".xlsx", reports_model.MAX_DOWNLOAD_BYTES, "test")
    assert not result.ok and "not in the reports folder" in said(result.said)
    ok = model.open(entry_of(model, "monthly_cost", "2026-10"))  # positive control
    assert ok.ok and ok.value == REPORT_HTML.encode() and model.viewing is not None


@pytest.mark.parametrize("period", ["2026-10-30", "2026-10-31"])
def test_the_view_offers_no_button_for_them(tab, period):
    r = row_of(tab, "inventory", period)
    assert not visible(r.open) and not visible(r.xlsx)  # not even offered
    tab.open_report(r)
    assert "not in the reports folder" in tab.list_form.status.value
    assert not visible(tab.viewer) and "secret" not in tab.v_frame.value
    tab.download_xlsx(r)
    assert "not in the reports folder" in tab.list_form.status.value and r.link.value == ""


@pytest.mark.parametrize(
    ("relative", "suffix", "reason"),
    [
        ("monthly_cost/2026-10/monthly_cost_2026-10.html", ".html", ""),
        ("monthly_cost/2026-10/../2026-10/monthly_cost_2026-10.html", ".html", ""),
        ("../secret.html", ".html", "refused"),
        ("monthly_cost/../../secret.html", ".html", "refused"),
        ("/etc/passwd", ".html", "refused"),
        ("monthly_cost/2026-10/monthly_cost_2026-10.html", ".xlsx", "refused"),
        ("inventory/2026-10-31/link.xlsx", ".xlsx", "refused"),
        ("monthly_cost/2026-10/gone.html", ".html", "missing"),
        (5, ".html", "refused"),
        (None, ".html", "refused"),
        ("a\x00.html", ".html", "refused"),
    ],
)
def test_locate(reports_root, relative, suffix, reason):
    path, why = reports_model.locate(reports_root.resolve(), relative, suffix)
    assert why == reason and (path is None) == bool(reason)


def test_a_file_removed_since_the_list_was_read(model, reports_root):
    relative = entry_of(model, "monthly_cost", "2026-10")["files"]["xlsx"]
    assert model.read(relative, ".xlsx", 10**6, "test").value == XLSX_BYTES  # positive control
    (reports_root / relative).unlink()
    result = model.read(relative, ".xlsx", 10**6, "test")
    assert not result.ok and "no longer there" in said(result.said)


def test_a_report_too_big_to_show_is_refused(model, monkeypatch):
    monkeypatch.setattr(reports_model, "MAX_VIEW_BYTES", 10)
    result = model.open(entry_of(model, "monthly_cost", "2026-10"))
    assert not result.ok and "too big" in said(result.said) and model.viewing is None


# --- running a report ----------------------------------------------------------------------------------------


def test_the_period_defaults_to_the_previous_one_of_the_report(model):
    assert model.report == "monthly_cost" and model.period == "2026-10"  # today is 2026-11-15
    assert model.parsed_period().describe() == "October 2026"
    model.choose_report("weekly_roasting")
    assert model.period == "2026-W45" and "week 45 of 2026" in model.parsed_period().describe()
    model.choose_report("inventory")
    assert model.period == "2026-11-14"
    model.period = "tomorrow"
    assert model.parsed_period() is None


def test_the_period_note_follows_the_fields(tab):
    assert tab.r_period.value == "2026-10" and "= October 2026" in tab.r_period_note.value
    tab.r_report.value = "weekly_roasting"
    assert tab.r_period.value == "2026-W45" and tab.model.report == "weekly_roasting"
    tab.r_report.value = "inventory"
    tab.r_period.value = "tomorrow"
    assert tab.model.period == "tomorrow" and "a day like 2026-10-31" in tab.r_period_note.value


@pytest.mark.parametrize(("text", "why"), [("2026-13", "is not a month"), ("2026-12", "has not started yet")])
def test_a_bad_period_is_refused_and_runs_nothing(model, reports_root, monkeypatch, text, why):
    calls: list = []
    monkeypatch.setattr(runner, "run_report", fake_runner(calls))
    before = (reports_root / "index.json").read_text()
    model.period = text
    assert not model.run()
    assert model.run_error.field == "period" and why in model.run_error.message
    assert model.jobs.thread is None and model.run_bar is None and not model.busy
    assert (reports_root / "index.json").read_text() == before and calls == []
    model.period = "2026-10"  # positive control: a good period runs
    assert model.run() and model.wait(30)
    assert len(calls) == 1 and (reports_root / "index.json").read_text() != before


def test_a_bad_period_shows_next_to_the_field(tab, monkeypatch):
    monkeypatch.setattr(runner, "run_report", lambda *a, **k: pytest.fail("the runner was called"))
    tab.r_period.value = "2026-13"
    tab.r_run.click()
    assert tab.run_form.errors.keys() == {"period"} and "is not a month" in tab.run_form.errors["period"]
    assert not visible(tab.r_progress) and not tab.r_run.disabled


def fake_runner(calls: list, *, status: str = "ok", gate: threading.Event | None = None):
    """A stand-in for runner.run_report: reports progress, records the run in the index, returns it."""

    def run_report(name, period, params, progress, *, db, reports_root, trigger, today):
        calls.append(
            {"name": name, "period": period, "db": db, "root": reports_root, "trigger": trigger, "today": today}
        )
        progress(0, 0)
        for done in range(1, 6):
            progress(done, 5)
        if gate is not None:
            assert gate.wait(30)
        done = entry(
            name,
            period,
            status,
            trigger=trigger,
            started_at="2026-11-15T09:00:00+09:00",
            error=None if status == "ok" else "NameError: name 'x' is not defined",
        )
        index.record_run(done, reports_root)
        return index.with_paths(done, reports_root)

    return run_report


def test_run_now_in_a_worker_thread_with_progress(model, demo_path, reports_root, monkeypatch):
    calls: list = []
    gate = threading.Event()
    monkeypatch.setattr(runner, "run_report", fake_runner(calls, gate=gate))
    model.choose_report("weekly_roasting")
    assert model.run()
    try:
        assert model.busy and model.jobs.thread.daemon  # one job at a time
        assert not model.run()  # a second click meanwhile
        assert "still running" in said(model.run_said)
        assert not model.export("csv", "beans")
        assert "still running" in said(model.export_said)
    finally:
        gate.set()
    assert model.wait(30)
    assert calls == [
        {
            "name": "weekly_roasting",
            "period": "2026-W45",
            "db": model.ctx.db_path,
            "root": reports_root.resolve(),
            "trigger": "dashboard",
            "today": DEMO_TODAY,
        }
    ]
    assert (model.run_step, model.run_bar) == ((5, 5), "success")
    assert "Weekly roasting report for 2026-W45 is ready" in said(model.run_said)
    assert not model.busy
    assert (model.entries[0]["name"], model.entries[0]["period"]) == ("weekly_roasting", "2026-W45")


def test_the_view_follows_a_run(tab, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(runner, "run_report", fake_runner([], gate=gate))
    tab.r_report.value = "weekly_roasting"
    tab.r_run.click()
    try:
        assert tab.r_run.disabled and tab.e_excel.disabled and visible(tab.r_progress)
        tab.e_csv.click()
        assert "still running" in tab.export_form.status.value
    finally:
        gate.set()
    assert tab.wait(30)
    assert (tab.r_progress.value, tab.r_progress.max, tab.r_progress.bar_style) == (5, 5, "success")
    assert "is ready" in tab.run_form.status.value and not tab.r_run.disabled and not tab.e_excel.disabled
    assert (tab.rows[0].entry["name"], tab.rows[0].entry["period"]) == ("weekly_roasting", "2026-W45")


def test_a_failed_run_shows_its_error_line(model, monkeypatch):
    monkeypatch.setattr(runner, "run_report", fake_runner([], status="failed"))
    assert model.run() and model.wait(30)
    status = said(model.run_said)
    assert "failed: NameError: name 'x' is not defined" in status and "Traceback" not in status
    assert model.run_bar == "danger" and not model.busy
    assert model.entries[0]["status"] == "failed"


def test_an_unexpected_error_in_the_worker_is_a_friendly_line(model, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("kernel died\nTraceback (most recent call last)")

    monkeypatch.setattr(runner, "run_report", broken)
    assert model.run() and model.wait(30)
    assert "nothing was saved" in said(model.run_said) and "Traceback" not in said(model.run_said)
    assert not model.busy and model.run_bar == "danger"


@pytest.mark.slow
def test_run_a_real_report_end_to_end(tab, demo_path, reports_root):
    tab.r_report.value = "weekly_roasting"
    tab.run()
    assert tab.busy
    assert tab.wait(600)
    assert "is ready" in tab.run_form.status.value, tab.run_form.status.value
    assert tab.r_progress.value == tab.r_progress.max > 3
    r = tab.rows[0]
    assert (r.entry["name"], r.entry["period"], r.entry["status"]) == ("weekly_roasting", "2026-W45", "ok")
    assert r.entry["trigger"] == "dashboard" and r.entry["parameters"]["db_path"] == str(demo_path.resolve())
    assert visible(r.open) and visible(r.xlsx)
    tab.open_report(r)
    page = srcdoc(tab.v_frame.value)
    assert "Weekly roasting report" in page and "plotly" in page.lower()
    tab.download_xlsx(r)
    name, _, data = data_uri(r.link.value)
    assert name == "weekly_roasting_2026-W45.xlsx"
    assert data == (reports_root / r.xlsx_rel).read_bytes()
    assert load_workbook(io.BytesIO(data)).sheetnames
    assert visible(r.pdf)  # the printed letter beside the workbook
    tab.download_pdf(r)
    name, _, data = data_uri(r.link.value)
    assert name == "weekly_roasting_2026-W45.pdf" and data.startswith(b"%PDF")
    assert data == (reports_root / r.pdf_rel).read_bytes()


# --- exports ---------------------------------------------------------------------------------------------------


@pytest.fixture()
def temp_dir(tmp_path, monkeypatch) -> Path:
    """Where the exports write their temp files (to see that they are removed)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(reports_model.tempfile, "tempdir", str(folder))
    return folder


def test_export_a_table_as_csv(model, demo_path, temp_dir, tmp_path):
    assert model.export("csv", "roast_batches") and model.wait(60)
    made = model.export_file
    assert (made.name, made.kind) == ("themoon-roast_batches-2026-11-15.csv", "csv")
    conn = db.connect(demo_path, migrate=False)
    try:
        expected = tmp_path / "expected.csv"
        rows = excel.export_csv(conn, "roast_batches", expected)
    finally:
        conn.close()
    assert made.data == expected.read_bytes() and made.data.startswith("\ufeff".encode())
    assert made.rows == rows > 10 and f"({rows:,} rows)" in said(model.export_said)
    assert list(temp_dir.iterdir()) == []


def test_export_everything_as_an_excel_workbook(tab, temp_dir):
    tab.e_excel.click()
    assert tab.wait(120)
    name, mime, data = data_uri(tab.e_link.value)
    assert name == "themoon-2026-11-15.xlsx" and mime == reports_view.MIME["xlsx"]
    assert data == tab.model.export_file.data and zipfile.is_zipfile(io.BytesIO(data))
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert set(excel.SHEETS) <= set(book.sheetnames)
    assert tab.e_progress.bar_style == "success" and "ready" in tab.export_form.status.value
    assert list(temp_dir.iterdir()) == []


def test_an_export_link_expires(tab, temp_dir, monkeypatch):
    """The file is removed once read; its link (the bytes, in the page) is dropped after LINK_TTL_S."""
    monkeypatch.setattr(reports_view, "LINK_TTL_S", 0.5)
    tab.e_table.value = "beans"
    tab.e_csv.click()
    assert tab.wait(60)
    assert data_uri(tab.e_link.value)[0].endswith(".csv") and not is_hidden(tab.e_link)
    assert list(temp_dir.iterdir()) == []
    deadline = time.monotonic() + 10
    while tab.e_link.value and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tab.e_link.value == "" and is_hidden(tab.e_link)


def test_an_export_too_big_to_send_is_refused(model, temp_dir, monkeypatch):
    monkeypatch.setattr(reports_model, "MAX_DOWNLOAD_BYTES", 100)
    assert model.export("csv", "beans") and model.wait(60)
    assert "too big" in said(model.export_said) and model.export_file is None and model.export_bar == "danger"
    assert list(temp_dir.iterdir()) == []


def test_a_table_that_is_not_offered_is_refused(model):
    assert not model.export("csv", "users")  # a value from the browser: never trusted
    assert model.jobs.thread is None and model.export_error.field == "table"
    assert model.export("csv", "beans") and model.wait(60)  # positive control
    assert model.export_file is not None


# --- roles and language -------------------------------------------------------------------------------------------


def test_permissions_for_reports():
    assert users.can("owner", "report") and users.can("staff", "report") and not users.can("viewer", "report")
    assert users.can("owner", "export") and not users.can("staff", "export") and not users.can("viewer", "export")


def test_viewer_reads_reports_but_cannot_run_or_export(demo_path, reports_root, monkeypatch):
    monkeypatch.setattr(runner, "run_report", lambda *a, **k: pytest.fail("the runner was called"))
    tab = reports_tab(demo_path, VIEWER)
    assert not visible(tab.run_card) and not visible(tab.export_card) and visible(tab.readonly_note)
    model = tab.model
    relative = entry_of(model, "monthly_cost", "2026-10")["files"]["xlsx"]
    assert model.read(relative, ".xlsx", 10**6, "test").value == XLSX_BYTES  # reading is for everyone
    assert not model.run()  # controls reached anyway: the role is checked first
    assert "does not allow" in said(model.run_said) and model.jobs.thread is None
    assert not model.export("xlsx")
    assert "does not allow" in said(model.export_said) and model.jobs.thread is None


def test_the_viewer_downloads_through_the_view(demo_path, reports_root):
    tab = reports_tab(demo_path, VIEWER)
    r = row_of(tab, "monthly_cost", "2026-10")
    tab.download_xlsx(r)
    assert data_uri(r.link.value)[2] == XLSX_BYTES


def test_staff_runs_reports_but_does_not_export(demo_path, reports_root, monkeypatch):
    calls: list = []
    monkeypatch.setattr(runner, "run_report", fake_runner(calls))
    tab = reports_tab(demo_path, STAFF)
    assert visible(tab.run_card) and not visible(tab.export_card) and not visible(tab.readonly_note)
    assert not tab.model.export("csv", "beans")
    assert "does not allow" in said(tab.model.export_said) and tab.model.jobs.thread is None
    assert tab.model.run() and tab.model.wait(30) and len(calls) == 1  # positive control: staff runs


def test_owner_sees_run_and_export(tab):
    assert visible(tab.run_card) and visible(tab.export_card) and not visible(tab.readonly_note)


def test_korean_labels(demo_path, reports_root):
    tab = reports_tab(demo_path, OWNER, lang="ko")
    assert tab.r_run.description == "보고서 실행" and "지난 보고서" in tab.l_title.value
    assert "= 2026년 10월" in tab.r_period_note.value
    assert tab.e_excel.description == "엑셀 통합 문서 (전체 데이터)"
    assert dict(tab.r_report.widget.options)["월간 원가 보고서"] == "monthly_cost"
    assert dict(tab.e_table.widget.options)["로스팅 배치"] == "roast_batches"
    monthly = row_of(tab, "monthly_cost", "2026-10")
    assert (
        "월간 원가 보고서" in monthly.info.value and "예약" in monthly.info.value and monthly.open.description == "열기"
    )
    assert "소요" in tab.l_head.value


def test_switching_language_relabels_without_reading_again(demo_path, reports_root, monkeypatch):
    app = signed_in(demo_path, OWNER)
    app.open_tab("reports")
    tab = app.tabs["reports"]
    tab.r_report.value = "weekly_roasting"
    tab.r_period.value = "2026-W40"
    rows = list(tab.rows)
    monkeypatch.setattr(index, "read_index", lambda *a, **k: pytest.fail("read again"))
    app.set_language("ko")
    assert tab.message.value == "" and tab.rows == rows
    assert tab.r_run.description == "보고서 실행"
    assert (tab.r_report.value, tab.r_period.value) == ("weekly_roasting", "2026-W40")
    assert dict(tab.r_report.widget.options)["주간 로스팅 보고서"] == "weekly_roasting"
    assert "2026년 40주차" in tab.r_period_note.value
    assert "월간 원가 보고서" in row_of(tab, "monthly_cost", "2026-10").info.value
    assert "지난 보고서" in tab.l_title.value and "데이터 내보내기" in tab.e_title.value
