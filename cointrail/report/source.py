"""Where a command gets a case's facts: a fresh collection from the ledger store, or the latest report's."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from cointrail.cases import Case
from cointrail.errors import InputError
from cointrail.investigation import Investigation, case_store
from cointrail.report.build import collect_facts
from cointrail.report.write import latest_facts, write_report


def fresh_facts(case: Case, db: str | Path | None, site: list[str] | None, **options: Any) -> dict[str, Any]:
    """Collect the facts now; from ``db`` (or the case's own store when there is one), else from the case alone."""
    with Investigation.open(case, db) as investigation:
        store = investigation.store if investigation.has_store else investigation.accounts  # either family
        return collect_facts(case, store, site, **options)


def facts_for(case: Case, db: str | Path | None = None, site: list[str] | None = None,
              **options: Any) -> dict[str, Any]:  # fmt: skip
    """Facts for exports and request packs: fresh when --db or --site is given, else the latest report's."""
    if db or site:
        return fresh_facts(case, db, site, **options)
    stored = latest_facts(case)
    if stored is not None:
        return stored
    if case_store(case).exists():
        return fresh_facts(case, None, None, **options)
    raise InputError(f"the case {case.name!r} has no report yet and no ledger store in its work folder: "
                     "run 'cointrail report' first, or give --db")  # fmt: skip


def make_report(case: Case, db: str | Path | None = None, site: list[str] | None = None, out: Path | None = None,
                pdf: bool = True, **options: Any) -> dict[str, Any]:  # fmt: skip
    """Collect the facts and write the report (facts, HTML, PDF) into the case: ``cointrail report``."""
    started = time.perf_counter()
    facts = fresh_facts(case, db, site, **options)
    collected = time.perf_counter() - started
    result = write_report(case, facts, out, pdf)
    return {**result, "collect_seconds": round(collected, 3), "render_seconds": result.pop("seconds")}
