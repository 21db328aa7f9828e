"""How every `themoon` command prints (themoon/cli_output.py)."""

from __future__ import annotations

import argparse
import json
from datetime import date

from themoon.cli_output import cell, emit


def test_a_table_aligns_columns_and_shows_values_as_people_read_them(capsys) -> None:
    rows = [{"code": "KEN-AA", "grams": 12000, "active": True}, {"code": "X", "grams": None, "active": False}]
    emit(argparse.Namespace(json=False), rows, ["code", "grams", "active"])
    assert capsys.readouterr().out.splitlines() == [
        "code    grams   active",
        "KEN-AA  12,000  yes",
        "X       -       no",
    ]


def test_one_record_is_a_key_value_block_and_nothing_says_none(capsys) -> None:
    emit(argparse.Namespace(), {"database": "x.db", "beans": [1, 2]})
    emit(argparse.Namespace(json=False), [])
    assert capsys.readouterr().out.splitlines() == ["database  x.db", "beans     1, 2", "(none)"]


def test_json_keeps_korean_and_writes_dates_as_text(capsys) -> None:
    emit(argparse.Namespace(json=True), {"name_ko": "예가체프", "on": date(2026, 11, 15)})
    out = capsys.readouterr().out
    assert "예가체프" in out
    assert json.loads(out) == {"name_ko": "예가체프", "on": "2026-11-15"}


def test_a_dict_in_a_cell_is_key_equals_value() -> None:
    assert cell({"KEN-AA": 4, "ETH": 1_000}) == "KEN-AA=4 ETH=1,000"
