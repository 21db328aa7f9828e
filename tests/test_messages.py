"""The message catalogue read as data: every id in both languages with the same values, every id
the code uses defined (found with `ast`, not a regex), and no Korean text outside the catalogue,
the reference data and the demo's names."""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from themoon import messages
from themoon.messages import CATALOGUE, KO_OMITS, Localized, UnknownMessage
from themoon.models import ValidationError
from themoon.ui import i18n

PACKAGE = Path(messages.__file__).resolve().parents[1]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Ids computed from a prefix and a value: the family and why it is complete.
DYNAMIC_FAMILIES = {
    "report.kind.": "reports/periods.py: one per period kind (KINDS)",
    "report.metric.": "reports/builders.py: one per SUMMARY_METRICS row",
    "report.table.loss_by_": "reports/builders.py: product and operator",
    "report.col.": "reports/tables.py: one header per column key of every report table (test_reports.py)",
    "report.value.": "reports/tables.py: the domain's words in table cells, shown when known",
    "report.section.": "reports/tables.py: section titles the notebooks name (test_reports.py)",
    "sales.class.": "reports/builders.py and ui/tabs/sales: the advice of each menu-engineering class",
    # the dashboard's (themoon/ui/)
    "alert.": "ui/tabs (overview, roasting): loss-alert levels and directions",
    "auth.ended.": "ui/app.py: why a session ended",
    "channel.": "ui/tabs (costs, settings): menu channels",
    "chart.": "ui/tabs/overview: chart titles",
    "chart.cost.x.": "ui/charts.py: cost-chart axes",
    "costs.channel.": "ui/tabs/costs: menu channels",
    "f.status.": "ui/tabs/beans: product status",
    "imp.help.": "ui/tabs/imports: one help text per import kind",
    "imp.kind.": "ui/tabs/imports: import kinds",
    "kpi.": "ui/tabs/overview: KPI cards",
    "ledger.": "ui/tabs/inventory: ledger entry kinds",
    "status.": "ui/tabs/inventory: stock status (ok, low, out)",
    "period.": "ui/tabs/overview: period choices",
    "reports.": "ui/tabs/reports: report-tab words",
    "reports.period_": "ui/tabs/reports: period kinds",
    "reports.table_": "ui/tabs/reports: export table names",
    "reports.trigger_": "ui/tabs/reports: what started a report run",
    "role.": "ui: user roles",
    "tab.": "ui/app.py: tab names",
    "term.": "ui/tabs/settings: term kinds (country, process, roast level)",
    "sp.class.": "ui (sales tab, charts): menu-engineering classes (costing.MENU_CLASSES)",
    "sp.chart.": "ui/charts.py: the weekly sales chart's series (revenue, profit)",
    "sp.kpi.": "ui/tabs/sales: the tab's cards",
}

# Keys passed through a variable: (file, the expression). Each variable holds ids written as
# literals elsewhere in the same module (a table of ids, a field's label key, a message key).
INDIRECT = {
    ("messages/__init__.py", "key"),
    ("models.py", "key"),
    ("models.py", "self.key"),
    ("ui/remote_reads.py", "key"),  # a ValidationError's id, as the shared engine sent it back
    ("reports/periods.py", "key"),
    ("server_guard.py", "title_key"),
    ("reports/charts.py", "title_key"),
    ("reports/builders.py", "title"),
    ("reports/tables.py", "self.note"),
    ("reports/letter.py", "key"),
    ("server_guard.py", "body_key"),
    ("ui/i18n.py", "key"),
    ("io/sales.py", "message_id"),
    ("ui/base.py", "key"),
    ("ui/base.py", "blank_key"),
    ("ui/forms.py", "self.label_key"),
    ("ui/forms.py", "self.hint_key"),
    ("ui/forms.py", "denied.message_key"),
    ("ui/forms.py", "c.key"),
    ("ui/results.py", "self.key"),
    ("ui/tabs/beans/view.py", "key"),
    ("ui/tabs/imports/view.py", "key"),
    ("ui/tabs/imports/view.py", "limit_key"),
    ("ui/tabs/imports/view.py", "KIND_LABEL[item.kind]"),
    ("ui/tabs/roasting/html.py", "said.key"),
    ("ui/tabs/roasting/view.py", "k"),
    ("ui/tabs/roasting/view.py", "key"),
    ("ui/tabs/settings/view.py", "key"),
}

# Files allowed to hold Korean text: the catalogue, the reference data, the demo's names.
HANGUL_ALLOWED = {
    "messages/__init__.py",
    "messages/ui_common.py",
    "messages/ui_tabs.py",
    "messages/ui_jobs.py",
    "messages/ui_forms.py",
    "messages/sales.py",
    "messages/ui_sales.py",
    "messages/errors_core.py",
    "messages/errors_io.py",
    "messages/reports.py",
    "messages/cli.py",
    "messages/terms.py",
    "reference.py",
    "reference_terms.py",
    "demo.py",
}


def fields(template: str) -> set[str]:
    """The value names a template uses ('{start.year}' and '{n:,}' → 'start', 'n')."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def sources() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        if func.attr in ("text", "pair") and owner != "messages":
            return None  # grid.text, error.text(lang): not the catalogue
        return func.attr
    return None


LOOKUPS = {"t", "tr", "text", "pair"}


def key_uses() -> list[tuple[str, int, ast.expr]]:
    """(file, line, key expression) of every catalogue lookup and ValidationError in themoon/."""
    uses = []
    for name, tree in sources():
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(("messages", "i18n"))
            for alias in node.names
        }
        local = {"t", "tr", "text", "pair"} & (imported | {"tr"}) | (
            {"text", "pair"} if name == "messages/__init__.py" else set()
        )
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            callee = _callee(node)
            is_attr = isinstance(node.func, ast.Attribute)
            if callee in LOOKUPS and (is_attr or callee in local):
                uses.append((name, node.lineno, node.args[0]))
            elif callee == "ValidationError" and len(node.args) >= 2:
                if len(node.args) == 3:
                    assert name.startswith("ui/") or name == "models.py", (
                        f"{name}:{node.lineno}: an inline (English, Korean) pair; raise a message id"
                    )
                    continue
                uses.append((name, node.lineno, node.args[1]))
    return uses


def keys_of(expr: ast.expr) -> list[tuple[str, str]]:
    """('id', key) for a literal id, ('family', prefix) for a computed one, ('indirect', source)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [("id", expr.value)]
    if isinstance(expr, ast.Starred) and isinstance(expr.value, ast.Call) and expr.value.args:
        return keys_of(expr.value.args[0])  # ValidationError(field, *self._both("id"))
    if isinstance(expr, ast.IfExp):
        return keys_of(expr.body) + keys_of(expr.orelse)
    if isinstance(expr, ast.JoinedStr) and expr.values and isinstance(expr.values[0], ast.Constant):
        return [("family", str(expr.values[0].value))]
    if isinstance(expr, ast.BinOp) and isinstance(expr.left, ast.Constant):
        return [("family", str(expr.left.value))]
    return [("indirect", ast.unparse(expr))]


def test_every_id_has_both_languages_and_the_same_values():
    assert len(CATALOGUE) > 700
    for key, (en, ko) in CATALOGUE.items():
        assert en.strip() and ko.strip(), key
        if key in KO_OMITS:
            assert fields(ko) < fields(en), f"{key}: listed in KO_OMITS but leaves out nothing"
        else:
            assert fields(en) == fields(ko), key


def test_the_catalogue_is_split_into_files_under_700_lines():
    for path in Path(messages.__file__).parent.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 700, path.name


def test_every_id_the_code_uses_is_defined():
    families = set()
    missing = []
    for name, line, expr in key_uses():
        for kind, value in keys_of(expr):
            if kind == "id" and value not in CATALOGUE:
                missing.append(f"{name}:{line}: {value!r}")
            elif kind == "family":
                assert value in DYNAMIC_FAMILIES, f"{name}:{line}: computed id '{value}…' is not a listed family"
                families.add(value)
            elif kind == "indirect":
                assert (name, value) in INDIRECT, f"{name}:{line}: id passed as {value!r} is not listed"
    assert missing == []
    for prefix in families:
        assert any(key.startswith(prefix) for key in CATALOGUE), prefix
    assert set(DYNAMIC_FAMILIES) == families, "a listed family no code uses"


def test_the_families_of_the_domain_are_complete():
    from themoon.reports import builders, periods

    assert all(f"report.kind.{k}" in CATALOGUE for k in periods.KINDS)
    assert all(f"report.metric.{k}" in CATALOGUE for k, _ in builders.SUMMARY_METRICS)
    assert {"report.table.loss_by_product", "report.table.loss_by_operator"} <= set(CATALOGUE)


def test_no_korean_outside_the_catalogue_the_reference_data_and_the_demo():
    found = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if HANGUL.search(path.read_text(encoding="utf-8"))
    }
    assert found - HANGUL_ALLOWED == set()


def test_an_unknown_id_raises_in_tests_and_shows_itself_in_production(monkeypatch, caplog):
    with pytest.raises(UnknownMessage):
        i18n.t("no.such.key", "ko")
    monkeypatch.setenv("THEMOON_STRICT_MESSAGES", "0")
    assert i18n.t("no.such.key", "ko") == "no.such.key"
    assert "no.such.key" in caplog.text


def test_the_test_suite_runs_strict():
    assert messages.strict()
    # a process started by a test (the CLI, a server) inherits it
    out = subprocess.check_output([sys.executable, "-c", "from themoon import messages; print(messages.strict())"])
    assert out.strip() == b"True"


def test_a_validation_error_carries_its_id_and_values():
    error = ValidationError("grams", "error.must_be_at_least", minimum=1200)
    assert error.key == "error.must_be_at_least" and error.values == {"minimum": 1200}
    assert error.message == "must be at least 1,200"
    assert error.message_ko == "1,200 이상이어야 합니다"
    assert error.text("ko") == "grams: 1,200 이상이어야 합니다"
    assert error.as_dict() == {
        "field": "grams",
        "message": "must be at least 1,200",
        "message_ko": "1,200 이상이어야 합니다",
    }
    moved = error.for_field("row 3 grams")
    assert (moved.field, moved.key, moved.message_ko) == ("row 3 grams", error.key, error.message_ko)
    # the literal form still reads as written (dashboard modules not yet on ids)
    assert ValidationError("x", "went wrong", "잘못되었습니다").message_ko == "잘못되었습니다"


def test_a_localized_value_is_shown_in_the_language_rendered():
    reason = Localized("is required", "필수 입력입니다")
    assert (
        messages.text("io.rejected_and_more", "en", reason=reason, more=2) == "is required (and 2 more rejected rows)"
    )
    assert messages.text("io.rejected_and_more", "ko", reason=reason, more=2) == "필수 입력입니다 (외 2건)"
