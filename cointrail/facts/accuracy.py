"""The measured error rates of the heuristics, read from docs/accuracy.md.

The figures table sits between ``<!-- accuracy:start -->`` and
``<!-- accuracy:end -->`` (written by benchmarks/accuracy.py). Reports quote
it rather than copying numbers into code, so a re-measurement reaches every
new report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cointrail

START, END = "<!-- accuracy:start -->", "<!-- accuracy:end -->"
# The section benchmarks/payers_accuracy.py writes: how well `payers` finds customers and their exchanges.
PAYERS_START, PAYERS_END = "<!-- payers:start -->", "<!-- payers:end -->"
# The section benchmarks/evm_payers_accuracy.py writes: the same on Ethereum (issue 16).
EVM_PAYERS_START, EVM_PAYERS_END = "<!-- evm-payers:start -->", "<!-- evm-payers:end -->"
_LINKS = re.compile(r"([\w-]+): (\d+)/(\d+)")


def accuracy_file() -> Path:
    """docs/accuracy.md of the source tree cointrail runs from."""
    return Path(cointrail.__file__).resolve().parent.parent / "docs" / "accuracy.md"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_figures(text: str, start: str = START, end: str = END) -> dict[str, Any]:
    """A figures section as data: the sentence saying how it was measured, and one dict per table row."""
    if start not in text or end not in text:
        return {"measured": None, "rows": []}
    section = text.split(start, 1)[1].split(end, 1)[0]
    lines = [line for line in section.splitlines() if line.strip() and not line.startswith("#")]
    table = [line for line in lines if line.lstrip().startswith("|")]
    measured = next((line.strip() for line in lines if not line.lstrip().startswith("|")), None)
    if len(table) < 3:
        return {"measured": measured, "rows": []}
    header = [name.lower() for name in _cells(table[0])]
    rows = [dict(zip(header, _cells(line), strict=False)) for line in table[2:]]
    return {"measured": measured, "rows": rows}


def load_figures(path: Path | None = None, start: str = START, end: str = END) -> dict[str, Any]:
    """Parsed figures of docs/accuracy.md; empty rows when the file is not there (an installed copy)."""
    path = path or accuracy_file()
    if not path.is_file():
        return {"measured": None, "rows": [], "file": None}
    return {**parse_figures(path.read_text(encoding="utf-8"), start, end), "file": str(path)}


def link_counts(figures: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per heuristic, (links right, links made), from the row where it was measured alone."""
    counts: dict[str, tuple[int, int]] = {}
    for row in figures["rows"]:
        for name, right, made in _LINKS.findall(row.get("links right/made, per heuristic", "")):
            if row.get("heuristics") == name or name not in counts:
                counts[name] = (int(right), int(made))
    return counts


def error_rate(figures: dict[str, Any], heuristic: str) -> dict[str, Any] | None:
    """The measured error of one heuristic: wrong links / links made, with the row's pairwise precision."""
    counts = link_counts(figures).get(heuristic)
    if counts is None:
        return None
    right, made = counts
    alone: dict[str, str] = next((row for row in figures["rows"] if row.get("heuristics") == heuristic), {})
    return {
        "heuristic": heuristic, "links_right": right, "links_made": made,
        "link_error_rate": round((made - right) / made, 4) if made else None,
        "pairwise_precision": alone.get("pairwise precision"), "pairwise_recall": alone.get("pairwise recall"),
        "false_merges": alone.get("false merges (addresses)"),
    }  # fmt: skip


def set_figures(figures: dict[str, Any], heuristics: list[str]) -> dict[str, Any] | None:
    """The row that measured exactly this set of heuristics together, if there is one."""
    wanted = set(heuristics)
    for row in figures["rows"]:
        names = {name for name, _, _ in _LINKS.findall(row.get("links right/made, per heuristic", ""))}
        if names == wanted:
            return row
    return None


# The section benchmarks/services_accuracy.py writes: exchanges recognised by behaviour, and payers' leads.
SERVICES_START, SERVICES_END = "<!-- services:start -->", "<!-- services:end -->"


def detection_reliability(path: Path | None = None) -> dict[str, Any] | None:
    """What the exchange detection was measured to get right (docs/accuracy.md, services section): detections
    right of made, exchanges found of those there, and payers' leads right of made; None where not measured."""
    figures = load_figures(path, SERVICES_START, SERVICES_END)
    rows = figures["rows"]
    if not rows:
        return None

    def total(name: str) -> int:
        return sum(int(str(r.get(name, "0")).split()[0] or 0) for r in rows)

    leads = [re.match(r"(\d+) \((\d+)\)", str(r.get("payers' leads (right)", ""))) for r in rows]
    return {"seeds": len(rows), "detected": total("detected"), "right": total("right"),
            "exchanges": total("exchanges"), "named": total("exchanges named"),
            "leads": sum(int(m.group(1)) for m in leads if m), "leads_right": sum(int(m.group(2)) for m in leads if m),
            "measured": figures["measured"]}  # fmt: skip
