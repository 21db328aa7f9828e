"""The owner's Korean names for stored words (themoon.terms) and where the dashboard shows them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from browser_support import DEMO_TODAY, build_small_db, demo_copy, signed_in

from themoon import db, terms
from themoon.models import ValidationError
from themoon.ui.i18n import term


def names_seen_by_another_process(path) -> dict:
    code = (
        "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
        "print(json.dumps(c.execute('SELECT kind, value, name_ko FROM term_names ORDER BY 1, 2').fetchall()))"
    )
    return json.loads(subprocess.check_output([sys.executable, "-c", code, str(path)], text=True))


def test_the_owner_names_a_roast_level_and_can_take_it_back(tmp_path):
    path = tmp_path / "t.db"
    conn = build_small_db(path)
    assert term("roast_level", "Pb", "ko") == "피베리"  # built in
    terms.set_korean_name(conn, "roast_level", "Pb", " 피베리 (소량) ", user="owner")
    assert names_seen_by_another_process(path) == [["roast_level", "Pb", "피베리 (소량)"]]
    assert term("roast_level", "Pb", "ko", terms.korean_names(conn)) == "피베리 (소량)"
    assert term("roast_level", "Pb", "en", terms.korean_names(conn)) == "Pb"  # English shows the code
    terms.set_korean_name(conn, "roast_level", "Pb", "", user="owner")  # back to the built-in name
    assert names_seen_by_another_process(path) == []
    assert term("roast_level", "Pb", "ko", terms.korean_names(conn)) == "피베리"
    audit = conn.execute("SELECT action FROM audit_log WHERE entity = 'term_name' ORDER BY id").fetchall()
    assert [r[0] for r in audit] == ["update", "delete"]


@pytest.mark.parametrize(
    ("kind", "value", "name", "field"),
    [
        ("colour", "W", "흰색", "kind"),
        ("roast_level", "", "워시드", "value"),
        ("roast_level", "W", "x" * 61, "name_ko"),
        ("process", "Washed", "워시드\x00", "name_ko"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(tmp_path, kind, value, name, field):
    path = tmp_path / "t.db"
    conn = build_small_db(path)
    with pytest.raises(ValidationError) as error:
        terms.set_korean_name(conn, kind, value, name)
    assert error.value.field == field
    assert names_seen_by_another_process(path) == []
    terms.set_korean_name(conn, "process", "Washed", "수세식")  # positive control
    assert names_seen_by_another_process(path) == [["process", "Washed", "수세식"]]


def test_unknown_words_show_as_stored():
    assert term("country", "Atlantis", "ko") == "Atlantis"
    assert term("country", "ethiopia", "ko") == "에티오피아"
    assert term("country", "Ethiopia", "en") == "Ethiopia"


def test_the_settings_card_saves_a_name_the_catalog_shows(tmp_path):
    path = demo_copy(tmp_path)
    app = signed_in(path, lang="ko", today=DEMO_TODAY)
    settings = app.tab("settings")
    app.open_tab("settings")
    assert "roast_level|Pb" in [v for _, v in settings.t_word.widget.options]
    settings.t_word.widget.value = "roast_level|Pb"
    settings.t_name.widget.value = "피베리 특선"
    settings._save_term()
    assert "피베리 특선" in settings.t_form.status.value
    assert names_seen_by_another_process(path) == [["roast_level", "Pb", "피베리 특선"]]
    app.open_tab("catalog")
    assert "피베리 특선" in app.tab("catalog").beans_table.value
    conn = db.connect(path, migrate=False)
    try:
        assert terms.korean_names(conn)["roast_level"] == {"Pb": "피베리 특선"}
    finally:
        conn.close()


def test_staff_cannot_name_words(tmp_path):
    path = demo_copy(tmp_path)
    app = signed_in(path, ("staff", "moon"), lang="ko", today=DEMO_TODAY)
    settings = app.tab("settings")
    settings.t_word.widget.value = "roast_level|W"
    settings.t_name.widget.value = "물"
    settings._save_term()
    assert names_seen_by_another_process(path) == []
