"""cointrail: follow the money in child-exploitation and trafficking cases.

The public Python API. The CLI, the report writer and the tests are thin
layers over what is exported here, so a notebook user can do everything they do::

    import cointrail
    info = cointrail.parse_address("ltc1q...")
    findings = cointrail.extract_addresses(open("page.html", "rb").read())
    case = cointrail.create_case("op-nightjar", operator="A. Investigator")
    summary = cointrail.capture_url(case, "http://example.onion/pay")
    with cointrail.Investigation.open("op-nightjar", db="chain.duckdb") as inv:
        result = inv.payers()          # the engine: every question of a case is one method (docs/api.md)

Each part lives in a subpackage named after its domain concept: ``addresses``,
``extraction``, ``cases``, ``capture``, ``chains``, ``store``, ``ingest``, ``labels``, ``clustering``,
``tracing``, ``prices``, ``report``, ``exports``. The heavier ones (DuckDB,
NumPy, WeasyPrint) are imported only when one of their names is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from cointrail.addresses import AddressInfo, Candidate, parse_address  # noqa: E402
from cointrail.errors import CointrailError  # noqa: E402
from cointrail.extraction import Finding, extract_addresses  # noqa: E402

# Names re-exported from subpackages on first use (PEP 562), so `import cointrail` stays light.
_LAZY: dict[str, str] = {
    "Investigation": "cointrail.investigation",
    "create_case": "cointrail.cases",
    "open_case": "cointrail.cases",
    "list_cases": "cointrail.cases",
    "verify_case": "cointrail.cases",
    "capture_url": "cointrail.capture",
    "import_warc": "cointrail.capture",
    "CaptureOptions": "cointrail.capture",
    "LedgerStore": "cointrail.store.duckdb.store",
    "ingest": "cointrail.ingest.pipeline",
    "load_labels": "cointrail.labels",
    "build_clusters": "cointrail.clustering",
    "show_cluster": "cointrail.clustering",
    "export_clusters": "cointrail.clustering",
    "trace": "cointrail.tracing",
    "payers": "cointrail.tracing",
    "detect_patterns": "cointrail.tracing",
    "make_report": "cointrail.report",
    "run_demo": "cointrail.demo",
    "create_app": "cointrail.web",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cointrail' has no attribute {name!r}")


__all__ = [
    "AddressInfo",
    "Candidate",
    "CointrailError",
    "Finding",
    "__version__",
    "extract_addresses",
    "parse_address",
    *_LAZY,
]
