"""The reports there are, their notebooks, and the parameters each notebook declares.

A notebook's `parameters` cell is the one place its parameters are defined: typed, commented
defaults, one per line (`name: type = default  # what it means`), read here without papermill
(`notebook_parameters`) so the CLI and the dashboard can validate `-p key value` before a kernel
starts.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..messages import pair
from ..models import ValidationError, truth

# Set by the runner, never by hand (`--db`, `--period` and the staging workbook).
RESERVED = ("db_path", "period", "xlsx_path")


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    title_ko: str
    period_kind: str  # month | week | day
    description: str
    aliases: tuple[str, ...] = ()

    @property
    def notebook(self) -> Path:
        return notebooks_dir() / f"{self.name}.ipynb"


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "monthly_cost",
            *pair("report.title.monthly_cost"),
            "month",
            "costs per product and their parts, loss and anomalies, purchases and stock value, menu margins, "
            "each against the previous month",
            ("monthly", "monthly-cost", "cost"),
        ),
        ReportSpec(
            "weekly_roasting",
            *pair("report.title.weekly_roasting"),
            "week",
            "every batch with loss and cost, roasting per day, loss per product and operator, alerts",
            ("weekly", "weekly-roasting", "roasting"),
        ),
        ReportSpec(
            "inventory",
            *pair("report.title.inventory"),
            "day",
            "green stock and value, run-out dates, reorder suggestions, stock value over time",
            ("stock",),
        ),
    )
}


def notebooks_dir() -> Path:
    return config.project_dir() / "notebooks" / "reports"


def resolve(name: Any) -> ReportSpec:
    """The report called `name` (or one of its aliases); ValidationError otherwise."""
    key = str(name or "").strip().lower().replace("-", "_")
    for spec in REPORTS.values():
        if key == spec.name or key in (a.replace("-", "_") for a in spec.aliases):
            return spec
    names = ", ".join(REPORTS)
    raise ValidationError("report", "report.no_report_called_there_are", name=name, names=names)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # str | int | float | bool
    default: Any
    help: str


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """The parameters a notebook's `parameters`-tagged cell declares, in order."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            return parse_parameter_cell(source)
    raise ValueError(f"{path} has no cell tagged 'parameters'")


def parse_parameter_cell(source: str) -> dict[str, Parameter]:
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    found: dict[str, Parameter] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            kind = ast.unparse(node.annotation)
            value = ast.literal_eval(node.value)
            found[node.target.id] = Parameter(node.target.id, kind, value, comments.get(node.lineno, ""))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = ast.literal_eval(node.value)
            name = node.targets[0].id
            found[name] = Parameter(name, type(value).__name__, value, comments.get(node.lineno, ""))
    return found


def coerce(parameter: Parameter, value: Any) -> Any:
    """A CLI / widget value as the parameter's declared type; ValidationError if it is not one."""
    field = parameter.name
    if parameter.type == "bool":
        answer = truth(value)
        if answer is None:
            raise ValidationError(field, "report.must_be_true_or_false")
        return answer
    if parameter.type == "int":
        try:
            if isinstance(value, bool):
                raise ValueError
            number = int(str(value).strip().replace("_", "").replace(",", ""))
        except ValueError:
            raise ValidationError(field, "report.is_not_a_whole_number", value=value) from None
        if abs(number) > 10**9:
            raise ValidationError(field, "report.is_out_of_range")
        return number
    if parameter.type == "float":
        try:
            number = float(str(value).strip().replace("_", "").replace(",", ""))
        except ValueError:
            raise ValidationError(field, "report.is_not_a_number", value=value) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValidationError(field, "report.must_be_a_finite_number")
        return number
    text = str(value)
    if len(text) > 200 or any(ord(ch) < 32 for ch in text):
        raise ValidationError(field, "report.must_be_one_line_of_at")
    return text


def check_parameters(spec: ReportSpec, given: dict[str, Any] | None) -> dict[str, Any]:
    """`given` validated against the notebook's declared parameters (reserved names refused)."""
    declared = notebook_parameters(spec.notebook)
    clean: dict[str, Any] = {}
    for key, value in (given or {}).items():
        name = str(key).strip().replace("-", "_")
        if name in RESERVED:
            flag = {"db_path": "--db", "period": "--period"}.get(name)
            hint = f" (use {flag})" if flag else ""
            raise ValidationError(name, "report.is_set_by_the_runner", hint=hint)
        if name not in declared:
            known = ", ".join(k for k in declared if k not in RESERVED) or "none"
            raise ValidationError(
                name,
                "report.is_not_a_parameter_of_it",
                report=spec.name,
                known=known,
            )
        clean[name] = coerce(declared[name], value)
    return clean


def available_reports() -> list[dict[str, Any]]:
    """What the dashboard's "run now" form needs: each report with its period kind and the
    parameters one may change (name, type, default, help)."""
    result = []
    for spec in REPORTS.values():
        declared = notebook_parameters(spec.notebook)
        result.append(
            {
                "name": spec.name,
                "title": spec.title,
                "title_ko": spec.title_ko,
                "period_kind": spec.period_kind,
                "default_period": "previous",
                "description": spec.description,
                "aliases": list(spec.aliases),
                "parameters": [
                    {"name": p.name, "type": p.type, "default": p.default, "help": p.help}
                    for p in declared.values()
                    if p.name not in RESERVED
                ],
            }
        )
    return result
