"""What a legacy import found: counts per entity, rejected rows and the quirks of the old data with
how each was resolved, as the text the CLI prints."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from ..reference_terms import (
    LEGACY_IN,
    LEGACY_RELEASE,
    LEGACY_USE,
)
from .legacy_source import _LABELS, COUNTED


@dataclass
class Quirk:
    code: str
    found: str
    resolution: str


def _counts() -> dict[str, int]:
    return dict.fromkeys(COUNTED, 0)


@dataclass
class ImportReport:
    source: str
    created: dict[str, int] = field(default_factory=_counts)
    unchanged: dict[str, int] = field(default_factory=_counts)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)
    sha256: str = ""
    schema: str = ""
    dry_run: bool = False

    def quirk(self, code: str, found: str, resolution: str) -> None:
        self.quirks.append(Quirk(code, found, resolution))

    @property
    def quirk_codes(self) -> list[str]:
        return [q.code for q in self.quirks]

    def text(self) -> str:
        def counts(values: dict[str, int]) -> str:
            return ", ".join(f"{_LABELS[k]} {values.get(k, 0)}" for k in COUNTED)

        def wrap(text: str, first: str, rest: str) -> list[str]:
            return textwrap.wrap(
                text,
                100,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )

        lines = [f"Legacy import of {self.source}"]
        lines.append(f"  file sha256 {self.sha256[:12]}…, old app schema {self.schema}")
        if self.dry_run:
            lines.append("  DRY RUN: nothing was written; this is what the import would do.")
        verb = "Would create" if self.dry_run else "Created"
        lines.append(f"{verb}: {counts(self.created)}")
        lines.append(f"Already there (unchanged): {counts(self.unchanged)}")
        if self.rejected:
            lines.append(f"Rejected ({len(self.rejected)}):")
            for what, why in self.rejected:
                lines += wrap(f"{what}: {why}", "  - ", "    ")
        else:
            lines.append("Rejected: none")
        lines.append("Rules applied:")
        for rule in _RULES:
            lines += wrap(rule, "  - ", "    ")
        lines.append(f"Quirks of the old data ({len(self.quirks)}):")
        for number, q in enumerate(self.quirks, start=1):
            lines += wrap(f"[{q.code}] {q.found}", f"  {number:>2}. ", "      ")
            lines += wrap(q.resolution, "      → ", "        ")
        return "\n".join(lines)


_RULES = (
    "A legacy price of 0 means 'unknown': no ₩0 cost is recorded from it. Known prices (the owner's last "
    "entered green cost ₩/kg) value stock-ins that have no amount and opening balances.",
    f"{LEGACY_IN} (stock-in) becomes a purchase. {LEGACY_RELEASE}/{LEGACY_USE} (release/use) become negative stock "
    "adjustments: there is no "
    "record of consumption without a roast.",
    "A roasting log the imported stock does not cover gets an explicit opening balance dated the day before "
    "the roast (a purchase valued at the bean's last entered legacy price when one is known, otherwise a stock "
    "adjustment without value); each one is listed below. Nothing is faked silently.",
    "Rows are traced by external_id legacy:<file sha256[:12]>:<table>:<old id>; beans and blends by code. "
    "Importing the same file again changes nothing.",
)
