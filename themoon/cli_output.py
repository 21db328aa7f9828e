"""How every `themoon` command prints: JSON with --json, else an aligned table or a key: value block.

One place, so `themoon bean list`, `themoon sales list` and the ops and import commands agree on
what --json means and how a value reads in a table."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any


def wants_json(args: argparse.Namespace) -> bool:
    """Whether the command was given --json (commands without the flag never are)."""
    return bool(getattr(args, "json", False))


def print_json(data: Any) -> None:
    """`data` as indented JSON, Korean kept as text, dates and paths as strings."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def emit(args: argparse.Namespace, data: Any, columns: Sequence[str] | None = None) -> None:
    """JSON with --json, else an aligned text table (or a key: value block for one record)."""
    if wants_json(args):
        print_json(data)
        return
    if isinstance(data, dict):
        width = max(map(len, data), default=0)
        for key, value in data.items():
            print(f"{key:<{width}}  {cell(value)}")
        return
    rows = list(data)
    if not rows:
        print("(none)")
        return
    columns = list(columns or rows[0].keys())
    table = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def cell(value: Any) -> str:
    """A value as a table shows it: '-' for nothing, yes/no, thousands separators, lists joined."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)
