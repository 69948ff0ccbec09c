"""Writing an export to a file and logging it in the case's custody log: what was shared is part of the story."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.exports import EXPORTERS, export
from cointrail.facts.document import ReportFacts

# The reports for the bodies that act (issue 18), as the demo writes them.
REPORT_FORMATS = ("cybertip", "cybertip-sheet", "goaml", "sar-sheet")


def written(case: Case, fmt: str, text: str, out: Path | None) -> dict[str, Any]:
    """Write ``text`` to ``out`` (when given) and log it as ``export.FMT`` with its SHA-256; what was written."""
    data = text.encode("utf-8")
    result: dict[str, Any] = {"case": case.name, "format": fmt, "out": str(out) if out else None, "bytes": len(data),
              "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    if out is not None:
        out.write_bytes(data)
        # Logged, not stored: what was shared with whom is part of the custody story; the file can be made again.
        case.record(f"export.{fmt}", f"export:{out.name}", result["sha256"])
    return result


def write_exports(case: Case, facts: ReportFacts, folder: Path,
                  formats: tuple[str, ...] = REPORT_FORMATS) -> list[dict[str, Any]]:  # fmt: skip
    """Each of ``formats`` written into ``folder`` as ``CASE<suffix>`` and logged; what was written, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    return [written(case, fmt, export(facts, fmt), folder / f"{case.name}{EXPORTERS[fmt].suffix}")
            for fmt in formats]  # fmt: skip
