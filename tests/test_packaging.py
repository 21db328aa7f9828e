"""The front door stays true: pinned versions match, the two commands exist, files agree."""

import re
import sqlite3
import tomllib
from pathlib import Path

import duckdb
import yaml

from themoon.analytics import snapshot as duck

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_duckdb_and_sqlite_scanner_versions_match_exactly():
    deps = _pyproject()["project"]["dependencies"]
    pins = {_name(d): d.split("==")[1] for d in deps if "==" in d}
    assert pins["duckdb"] == pins["duckdb-extension-sqlite-scanner"] == duckdb.__version__


def test_sqlite_scanner_loads_offline_from_the_wheel(tmp_path):
    path = tmp_path / "x.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    weird = tmp_path / "it's here"
    source = sqlite3.connect(path)
    engine = duck.connect()
    with duck.attached_snapshot(engine, source, weird) as snapshot:
        assert engine.execute("SELECT SUM(a) FROM store.t").fetchone()[0] == 3
    assert not snapshot.exists() and not list(weird.iterdir())


def test_environment_yml_lists_the_same_packages_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        names |= {_name(i.replace("python-duckdb", "duckdb")) for i in items}
    project = _pyproject()["project"]
    wanted = {_name(d) for d in project["dependencies"] + project["optional-dependencies"]["test"]}
    assert wanted <= names, wanted - names


def test_makefile_has_the_two_commands_and_ci_calls_make_test():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("\n## ", 2)[:2]
    assert "make run" in "".join(head) and "make test" in "".join(head)


def test_every_file_of_our_voila_template_is_installed():
    """A file of the template missing from data-files works from a checkout and breaks when installed."""
    template = ROOT / "share" / "jupyter" / "voila" / "templates" / "themoon"
    listed = {f for files in _pyproject()["tool"]["setuptools"]["data-files"].values() for f in files}
    vendor = template / "static" / "vendor"  # fetched by `make install`, git-ignored (themoon.serve.PLOTLY_BUNDLE)
    present = {str(p.relative_to(ROOT)) for p in template.rglob("*") if p.is_file() and vendor not in p.parents}
    assert present - listed == set()


def test_the_connection_banner_says_what_i18n_says():
    """The template's script (it runs when the kernel is gone, so it cannot ask Python) holds the
    same texts as themoon/ui/i18n.py, in both languages."""
    from themoon.ui.i18n import t

    script = (ROOT / "share/jupyter/voila/templates/themoon/static/themoon-connection.js").read_text(encoding="utf-8")
    for key in ("conn.lost", "conn.reload"):
        for lang in ("en", "ko"):
            assert f'"{t(key, lang)}"' in script, (key, lang)
    template = (ROOT / "share/jupyter/voila/templates/themoon/index.html.j2").read_text(encoding="utf-8")
    assert 'include_js("static/themoon-connection.js")' in template
