"""Where a command gets a case's facts: a fresh collection from the ledger store, or the latest report's."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.facts.document import ReportFacts
from cointrail.investigation import Investigation
from cointrail.report.write import write_report


def fresh_facts(case: Case, db: str | Path | None, site: list[str] | None, **options: Any) -> ReportFacts:
    """Collect the facts now; from ``db`` (or the case's own store when there is one), else from the case alone."""
    with Investigation.open(case, db) as investigation:
        return investigation.report_facts(site, **options)


def make_report(case: Case, db: str | Path | None = None, site: list[str] | None = None, out: Path | None = None,
                pdf: bool = True, index: bool = True, **options: Any) -> dict[str, Any]:  # fmt: skip
    """Collect the facts and write the report (facts, HTML, PDF; the index unless ``index`` is false) into the
    case: ``cointrail report``."""
    started = time.perf_counter()
    facts = fresh_facts(case, db, site, **options)
    collected = time.perf_counter() - started
    result = write_report(case, facts, out, pdf, index)
    return {**result, "collect_seconds": round(collected, 3), "render_seconds": result.pop("seconds")}
