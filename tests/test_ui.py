"""The dashboard's widgets and the way it is served, without a browser."""

from __future__ import annotations

import json
import sqlite3
import sys
import types
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pytest
from browser_support import NOTEBOOK, REPO, SMALL_UNTIL, build_small_db

from themoon import db, kpis, serve
from themoon.ui import charts, i18n
from themoon.ui import format as fmt
from themoon.ui.app import build_app, build_view, setup_logging
from themoon.ui.overview import KPI_KEYS, Overview


@pytest.fixture()
def small_path(tmp_path) -> Path:
    path = tmp_path / "small.db"
    build_small_db(path).close()
    return path


@pytest.fixture()
def kernel_logging(tmp_path, monkeypatch):
    """build_app's logging set up as in a kernel, into tmp_path, and undone afterwards."""
    monkeypatch.setenv("THEMOON_LOG_DIR", str(tmp_path / "logs"))
    yield tmp_path / "logs"
    from themoon.ops import logs

    logs.reset()


@pytest.fixture()
def view(small_path) -> Overview:
    # "this month" on 2026-11-15 is the period the KPI tests worked out by hand
    return build_view(small_path, "en", today=SMALL_UNTIL)


def card_text(view: Overview, key: str) -> str:
    return view.cards[key].value


def visible(widget: widgets.Widget) -> bool:
    return widget.layout.display != "none"


# --- the overview -------------------------------------------------------------------------------


def test_cards_show_the_kpis(view, small_path):
    assert view.state == "ok"
    conn = db.connect(small_path)
    o = kpis.overview(conn, date(2026, 11, 1), SMALL_UNTIL)
    conn.close()
    assert view.data["overview"] == o
    assert "6.6 kg" in card_text(view, "roasted")
    assert "₩12,942 per roasted kg" in card_text(view, "roasted")
    assert ">3<" in card_text(view, "batches")
    assert "₩85,160" in card_text(view, "batches")
    assert "17.7%" in card_text(view, "loss")
    assert "expected 17.0% · +0.7 pt" in card_text(view, "loss")
    assert "₩40,000" in card_text(view, "stock_value")
    assert ">1<" in card_text(view, "low_stock")
    assert ">1<" in card_text(view, "alerts")
    assert "themoon-kpi--warn" in view.cards["low_stock"]._dom_classes
    assert "themoon-kpi--warn" in view.cards["alerts"]._dom_classes
    assert not visible(view.message)
    assert visible(view.body)


def test_every_part_has_its_dom_hook(view):
    for key in KPI_KEYS:
        assert {"themoon-kpi", f"themoon-kpi-{key}"} <= set(view.cards[key]._dom_classes)
    for key, card in view.chart_cards.items():
        assert {"themoon-chart", f"themoon-chart-{key}"} <= set(card._dom_classes)
    assert "themoon-app" in view.widget._dom_classes
    assert "themoon-lowstock" in view.low_stock._dom_classes


def test_charts_are_plain_figures_in_outputs(view):
    weekly, stock = view.figures["weekly"], view.figures["stock"]
    assert weekly.layout.barmode == "stack"
    assert [trace.name for trace in weekly.data] == ["Yirgacheffe", "Kenya Masai AA"]
    assert list(weekly.data[0].y) == [None, 4.15, 0.85]  # weeks of 10/26, 11/02, 11/09
    assert [trace.type for trace in stock.data] == ["bar", "bar", "scatter"]
    assert list(stock.data[2].y) == [5.0, 1.5]  # reorder points
    for key in ("weekly", "stock"):
        (output,) = view.chart_outputs[key].outputs
        assert output["output_type"] == "display_data"
        assert charts.MIME in output["data"]
        assert output["data"][charts.MIME]["config"]["displaylogo"] is False
        json.dumps(output)  # what the frontend receives must be plain JSON


def test_low_stock_list(view):
    assert "Yirgacheffe" in view.low_stock.value
    assert "1.0 kg" in view.low_stock.value  # short by


def test_language_toggle_relabels_at_once(view):
    view.lang_toggle.value = "ko"
    assert view.lang == "ko"
    assert "로스팅량" in card_text(view, "roasted")
    assert "로스팅 kg당 ₩12,942" in card_text(view, "roasted")
    assert "+0.7%p" in card_text(view, "loss")
    assert "미해결 손실 경고" in card_text(view, "alerts")
    assert [label for label, _ in view.period_toggle.options] == ["이번 달", "최근 30일", "최근 90일", "올해"]
    assert view.period_toggle.value == "month"
    assert "주별 로스팅량" in view.chart_titles["weekly"].value
    assert [trace.name for trace in view.figures["weekly"].data] == ["예가체프", "마사이"]
    assert "재고 부족" in view.low_stock.value
    assert "로스팅 비용 대시보드" in view.title.value
    assert view.refresh_button.description == "새로고침"
    view.lang_toggle.value = "en"
    assert "Roasted" in card_text(view, "roasted")


def test_period_change_updates_the_kpis(view):
    view.lang_toggle.value = "ko"
    view.period_toggle.value = "90d"  # 2026-08-18 … 2026-11-15: the October batch joins
    assert view.period == "90d"
    assert view.data["overview"]["batches"] == 4
    assert ">4<" in card_text(view, "batches")
    assert "7.4 kg" in card_text(view, "roasted")
    assert "로스팅량" in card_text(view, "roasted")  # the language survives the period change
    assert view.period_toggle.value == "90d"
    assert "2026-08-18" in view.footer.value


def test_period_without_roasts(small_path):
    view = build_view(small_path, "en", today=date(2026, 9, 30))
    assert view.state == "ok"
    assert ">0<" in card_text(view, "batches")
    assert "no roasts in this period" in card_text(view, "roasted")
    assert "expected 17.0%" in card_text(view, "loss")
    assert visible(view.chart_notes["weekly"])
    assert "No roasts in this period." in view.chart_notes["weekly"].value


def test_unknown_period_from_the_browser_is_ignored(view):
    view.set_period("decade")
    assert view.period == "month"
    with pytest.raises(ValueError):
        Overview(view.db_path, period="decade")


def test_empty_database(tmp_path):
    path = tmp_path / "empty.db"
    db.connect(path).close()
    view = build_view(path, "en", today=SMALL_UNTIL)
    assert view.state == "empty"
    assert visible(view.message)
    assert "No data yet" in view.message.value
    assert not visible(view.body)
    view.lang_toggle.value = "ko"
    assert "아직 데이터가 없습니다" in view.message.value


def test_missing_database_is_not_created(tmp_path):
    path = tmp_path / "nowhere" / "themoon.db"
    view = build_view(path, "en")
    assert view.state == "missing"
    assert str(path) in view.message.value
    assert "themoon init" in view.message.value
    assert not visible(view.body)
    assert not path.exists() and not path.parent.exists()


def test_database_of_another_schema_version(tmp_path):
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    view = build_view(path, "en")
    assert view.state == "upgrade"
    assert "themoon init" in view.message.value
    assert db.current_version(sqlite3.connect(path)) == 0  # the dashboard never migrates


def test_a_failure_is_a_message_not_a_traceback(view, monkeypatch, capsys, kernel_logging):
    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    setup_logging()
    monkeypatch.setattr(kpis, "dashboard", broken)
    view.refresh()
    assert view.state == "error"
    assert "OperationalError" in view.message.value
    assert "Traceback" not in view.message.value
    assert not visible(view.body)
    assert "Traceback" not in capsys.readouterr().err  # in a kernel, sys.stderr is the page
    assert "OperationalError" in (kernel_logging / "themoon.log").read_text()  # the server log has it


def test_demo_banner(small_path, monkeypatch):
    fake = types.ModuleType("themoon.demo")
    fake.is_demo = lambda conn: True
    monkeypatch.setitem(sys.modules, "themoon.demo", fake)
    view = build_view(small_path, "en", today=SMALL_UNTIL)
    assert view.is_demo
    assert visible(view.demo_banner)
    assert "Demo data" in view.demo_banner.value


def test_no_demo_banner_without_the_demo_module(small_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "themoon.demo", None)  # import fails
    view = build_view(small_path, "en", today=SMALL_UNTIL)
    assert not view.is_demo
    assert not visible(view.demo_banner)


def test_a_broken_demo_check_is_ignored(small_path, monkeypatch):
    fake = types.ModuleType("themoon.demo")
    fake.is_demo = lambda conn: 1 / 0
    monkeypatch.setitem(sys.modules, "themoon.demo", fake)
    view = build_view(small_path, "en", today=SMALL_UNTIL)
    assert view.state == "ok" and not view.is_demo


def test_build_app_reads_the_environment(small_path, monkeypatch, kernel_logging):
    monkeypatch.setenv("THEMOON_DB", str(small_path))
    monkeypatch.setenv("THEMOON_LANG", "ko")
    app = build_app()
    assert isinstance(app, widgets.Widget)
    assert "themoon-app" in app._dom_classes
    view = build_view()
    assert view.db_path == small_path and view.lang == "ko"


def test_the_notebook_is_thin_and_has_no_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) <= 2
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert "build_app()" in "".join(code[-1]["source"])
    assert nb["metadata"]["title"] == "The Moon Drip BAR"


# --- words and numbers --------------------------------------------------------------------------


def test_both_languages_have_every_string():
    assert set(i18n.STRINGS["en"]) == set(i18n.STRINGS["ko"])


def test_t():
    assert i18n.t("refresh", "ko") == "새로고침"
    assert i18n.t("refresh", "ko-KR") == "새로고침"
    assert i18n.t("refresh", "fr") == "Refresh"
    assert i18n.t("kpi.alerts.sub", "en", critical=2) == "2 critical"
    assert i18n.t("no.such.key", "ko") == "no.such.key"


@pytest.mark.parametrize(
    ("value", "text"),
    [(12942, "₩12,942"), (1234567.5, "₩1,234,568"), (0, "₩0"), (-1500, "−₩1,500"), (None, "—")],
)
def test_won(value, text):
    assert fmt.won(value) == text


def test_numbers_round_half_up():
    assert fmt.number(2.5) == "3"
    assert fmt.number(0.125, 2) == "0.13"
    assert fmt.pct(17.666) == "17.7%"
    assert fmt.pct(17.25) == "17.3%"
    assert fmt.kg(6.58) == "6.6 kg"
    assert fmt.kg(1234.56) == "1,234.6 kg"
    assert fmt.grams_as_kg(6580) == "6.6 kg"
    assert fmt.pct(None) == "—"


def test_points():
    assert fmt.points(0.67) == "+0.7 pt"
    assert fmt.points(-3.25, "ko") == "−3.3%p"
    assert fmt.points(-0.04) == "±0.0 pt"


# --- serving ----------------------------------------------------------------------------------------


def test_voila_command():
    command = serve.voila_command(NOTEBOOK, port=9123)
    assert command[:3] == [sys.executable, "-m", "voila"]
    assert str(NOTEBOOK) in command
    for flag in (
        "--no-browser",
        "--template=themoon",
        "--Voila.ip=127.0.0.1",
        "--Voila.port=9123",
        "--Voila.port_retries=0",
        "--show_tracebacks=False",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
    ):
        assert flag in command
    assert not any("token" in part.lower() for part in command)
    assert not any("preheat" in part for part in command)


def test_voila_command_token_and_preheat():
    command = serve.voila_command(NOTEBOOK, token="s3cret", preheat=2)
    assert "--Voila.auto_token=True" in command
    assert not any("s3cret" in part for part in command)  # the token travels in the environment
    assert "--preheat_kernel=True" in command and "--pool_size=2" in command


@pytest.mark.parametrize("port", [0, 70000, "8866"])
def test_voila_command_rejects_bad_ports(port):
    with pytest.raises(serve.ServeError):
        serve.voila_command(NOTEBOOK, port=port)


def test_env_for_voila(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JUPYTER_TOKEN", "leftover")
    monkeypatch.delenv("THEMOON_DATA_DIR", raising=False)
    monkeypatch.setenv("THEMOON_LOG_DIR", "var/logs")
    env = serve.env_for_voila("data/x.db")
    assert env["THEMOON_DB"] == str(tmp_path / "data" / "x.db")
    assert env["THEMOON_DATA_DIR"] == str(tmp_path / "data")  # kernels run in notebooks/
    assert env["THEMOON_LOG_DIR"] == str(tmp_path / "var" / "logs")
    first = Path(env["JUPYTER_PATH"].split(":")[0])
    assert (first / "voila" / "templates" / "themoon" / "conf.json").is_file()
    assert "JUPYTER_TOKEN" not in env
    assert serve.env_for_voila("x.db", token="s3cret")["JUPYTER_TOKEN"] == "s3cret"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.1.1", True), ("0.0.0.0", False), ("", False)],
)
def test_is_loopback(host, loopback):
    assert serve.is_loopback(host) is loopback


def test_serve_refuses_an_open_network_address(tmp_path, monkeypatch):
    monkeypatch.delenv("THEMOON_TOKEN", raising=False)
    monkeypatch.delenv("THEMOON_PASSWORD_HASH", raising=False)
    monkeypatch.setattr(serve.os, "execve", lambda *a: pytest.fail("must not start voila"))
    with pytest.raises(serve.ServeError, match="token"):
        serve.serve(db_path=tmp_path / "x.db", host="0.0.0.0")


def test_serve_execs_voila(small_path, monkeypatch):
    calls = []
    monkeypatch.delenv("THEMOON_TOKEN", raising=False)
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve.serve(db_path=small_path, port=9124)
    ((program, argv, env),) = calls
    assert program == sys.executable and argv == serve.voila_command(serve.default_notebook(), port=9124)
    assert env["THEMOON_DB"] == str(small_path)


def test_serve_on_the_network_with_a_token(small_path, monkeypatch):
    calls = []
    monkeypatch.setenv("THEMOON_TOKEN", "s3cret")
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve.serve(db_path=small_path, host="0.0.0.0")
    ((_, argv, env),) = calls
    assert "--Voila.ip=0.0.0.0" in argv and env["JUPYTER_TOKEN"] == "s3cret"


def test_template_is_offline():
    root = REPO / "share" / "jupyter" / "voila" / "templates" / "themoon"
    assert json.loads((root / "conf.json").read_text())["base_template"] == "lab"
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text, path


def test_today_can_be_pinned_for_demos(small_path, monkeypatch):
    monkeypatch.setenv("THEMOON_TODAY", "2026-11-15")
    assert build_view(small_path, "en").bounds() == (date(2026, 11, 1), date(2026, 11, 15))
    monkeypatch.setenv("THEMOON_TODAY", "someday")
    assert build_view(small_path, "en").bounds()[1] == date.today()


def test_weekly_chart_groups_small_products_as_other():
    week = date(2026, 11, 2)
    rows = [
        {"week": week, "product": f"P{i:02d}", "name_en": f"Product {i}", "name_ko": f"제품 {i}", "roasted_g": 1000 * i}
        for i in range(1, 11)
    ]
    order = [f"P{i:02d}" for i in range(1, 11)]
    fig = charts.weekly_figure(rows, week, date(2026, 11, 8), "ko", order)
    names = [trace.name for trace in fig.data]
    assert len(names) == charts.MAX_STACKED
    assert names[-1] == "기타"
    assert list(fig.data[-1].y) == [(1 + 2 + 3 + 4) * 1.0]  # the four smallest
    assert "제품 10" in names
    colours = [trace.marker.color for trace in fig.data]
    assert len(set(colours)) == len(colours)  # no two products share a colour
    # a product keeps its colour from one period to the next
    alone = charts.weekly_figure(rows[-1:], week, date(2026, 11, 8), "en", order)
    assert alone.data[0].marker.color == fig.data[names.index("제품 10")].marker.color


def test_env_for_voila_passes_the_dotenv_on(tmp_path, monkeypatch):
    """Kernels start in notebooks/ and would not find ./.env: its settings travel in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("THEMOON_DB", "THEMOON_LANG"):  # set, then delete: restored after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    (tmp_path / ".env").write_text("THEMOON_DB=cafe/moon.db\nTHEMOON_LANG=ko\n", encoding="utf-8")
    env = serve.env_for_voila()
    assert env["THEMOON_DB"] == str(tmp_path / "cafe" / "moon.db")
    assert env["THEMOON_LANG"] == "ko"


def test_serve_reads_the_token_from_dotenv(small_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEMOON_TOKEN", "")
    monkeypatch.delenv("THEMOON_TOKEN")
    (tmp_path / ".env").write_text("THEMOON_TOKEN=from-dotenv\n", encoding="utf-8")
    calls = []
    monkeypatch.setattr(serve.os, "execve", lambda *args: calls.append(args))
    serve.serve(db_path=small_path, host="0.0.0.0")
    assert calls[0][2]["JUPYTER_TOKEN"] == "from-dotenv"
