"""The analyst's own actions in the workspace, from the custody log (issue 18): what a person chose to do, apart
from what the tool did by itself. A court can then see who saved which graph, added which label, applied which
link by hand, and shared what with whom."""

from __future__ import annotations

from typing import Any

# Custody-log action → what it means, in words; actions not listed (captures, reports, verification) are the
# tool's own work, shown in the custody section.
KINDS = {
    "graph.save": "saved a graph of the investigation",
    "graph.export": "exported a view of the graph (PNG, SVG or GraphML)",
    "label.add": "added a label by hand",
    "labels.source": "kept a label file as evidence",
    "labels.import": "imported labels into the ledger store",
    "cluster.apply-link": "applied a clustering link by hand",
    "request-pack.csv": "wrote a request pack (CSV) for an exchange",
    "request-pack.letter": "wrote a request pack (letter) for an exchange",
}


def _meaning(action: str) -> str | None:
    if action.startswith("export."):
        return f"exported the findings as {action.split('.', 1)[1]} (shared outside the case)"
    return KINDS.get(action)


def analyst_actions(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The custody-log entries that are a person's choices, oldest first, each with what it means."""
    found = []
    for entry in entries:
        meaning = _meaning(str(entry["action"]))
        if meaning:
            found.append({"seq": entry["seq"], "time_utc": entry["time_utc"], "operator": entry["operator"],
                          "action": entry["action"], "object": entry["object"], "meaning": meaning})  # fmt: skip
    return found
