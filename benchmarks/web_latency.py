"""Benchmark: the web workspace's latency on the synthetic chain: opening an address page, expanding one hop.

Uses the synthetic chain of ``benchmarks/synthetic_chain.py`` (generated, or reused from ``--cache``, as
``raw_ingest.py`` does), ingested into a ledger store and clustered, kept as the ledger store of a case. Then the
real workspace is served by uvicorn on 127.0.0.1 and, for random addresses, in one run side by side:

1. the address page (``GET /cases/<case>/address/<address>``: the HTML page, totals, wallet, labels, members and
   why), against the baseline of the same Python API calls without HTTP or HTML (``address_view``);
2. one hop forward from the address (``GET /api/cases/<case>/graph/expand``: JSON), against the baseline of
   :func:`cointrail.graph.expand` called directly.

Writes the "webui" section of docs/benchmarks.md.

Run: ``.venv/bin/python benchmarks/web_latency.py [--transactions 100000] [--cache DIR] [--lookups 200] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from address_info import build_store, sample_addresses  # noqa: E402
from doc_sections import replace_section  # noqa: E402
from raw_ingest import chain_for  # noqa: E402

from cointrail.cases import create_case, open_case  # noqa: E402
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters  # noqa: E402
from cointrail.clustering.tables import has_clusters  # noqa: E402
from cointrail.graph import expand  # noqa: E402
from cointrail.ledger.store import LedgerStore  # noqa: E402
from cointrail.report.source import default_store  # noqa: E402
from cointrail.web import Security, Workspace, create_app  # noqa: E402
from cointrail.web.routes.wallets import address_view  # noqa: E402
from cointrail.web.server import serve_in_thread  # noqa: E402

CASE = "web-bench"


def prepared_case(n_transactions: int, cache: Path) -> tuple[Path, dict[str, float]]:
    """The cases folder holding a case whose ledger store is the clustered synthetic chain; setup times."""
    made, generated = chain_for(n_transactions, cache)
    root = cache / f"web-cases-{n_transactions}"
    if not (root / CASE).is_dir():
        create_case(CASE, root=root, operator="benchmark")
    db = default_store(open_case(CASE, root=root))
    times = {"generate": generated or 0.0}
    if not db.exists():
        times["ingest"] = build_store(made, db)[0]
    with LedgerStore.open(db) as store:
        if not has_clusters(store.con):
            began = time.perf_counter()
            build_clusters(store, DEFAULT_HEURISTICS, full=True)
            times["cluster"] = time.perf_counter() - began
    return root, times


def sample(db: Path, lookups: int) -> tuple[list[str], int, int]:
    """Random addresses that appear on the chain, and the store's transaction and address counts."""
    with LedgerStore.open(db, read_only=True) as store:
        (addresses,) = store.one("SELECT count(*) FROM addresses WHERE address IS NOT NULL")  # type: ignore[misc]
        (transactions,) = store.one("SELECT count(*) FROM transactions")  # type: ignore[misc]
        names = sample_addresses(store, lookups)
    return names, transactions, addresses


def largest_wallet(db: Path) -> tuple[int, int]:
    """The id and size of the biggest cluster: the worst case for one hop."""
    with LedgerStore.open(db, read_only=True) as store:
        found = store.one("SELECT cluster_id, count(*) AS n FROM address_clusters GROUP BY cluster_id "
                          "ORDER BY n DESC, cluster_id LIMIT 1")  # fmt: skip
    assert found is not None
    return int(found[0]), int(found[1])


def timed(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def measure(n_transactions: int, cache: Path, lookups: int) -> dict[str, Any]:
    root, setup = prepared_case(n_transactions, cache)
    db = default_store(open_case(CASE, root=root))
    names, transactions, addresses = sample(db, lookups)
    results: dict[str, list[float]] = {"page": [], "view": [], "hop": [], "expand": [], "big": [], "big_back": []}
    biggest, size = largest_wallet(db)
    workspace = Workspace(root, "benchmark")
    with serve_in_thread(lambda port: create_app(workspace, Security.for_bind("127.0.0.1", port))) as served, \
            httpx.Client(base_url=served.url, timeout=120) as client, workspace.store(workspace.case(CASE)) as store:
        client.get(f"/cases/{CASE}/address/{names[0]}").raise_for_status()  # warm: open the store, load templates
        for name in names:
            page = f"/cases/{CASE}/address/{name}"
            hop = f"/api/cases/{CASE}/graph/expand"
            results["page"].append(timed(lambda: client.get(page).raise_for_status()))  # noqa: B023
            results["view"].append(timed(lambda: address_view(store, name)))  # noqa: B023
            params = {"node": f"address:{name}", "direction": "forward"}
            results["hop"].append(timed(lambda: client.get(hop, params=params).raise_for_status()))  # noqa: B023
            results["expand"].append(timed(lambda: expand(store, f"address:{name}", "forward")))  # noqa: B023
        for direction, key in (("forward", "big"), ("backward", "big_back")):
            params = {"node": f"cluster:{biggest}", "direction": direction}
            for _ in range(5):
                results[key].append(timed(lambda: client.get(hop, params=params).raise_for_status()))  # noqa: B023
    stats = {k: (statistics.median(v), statistics.quantiles(v, n=20, method="inclusive")[18], max(v))
             for k, v in results.items()}  # fmt: skip
    return {"transactions": transactions, "addresses": addresses, "lookups": len(names), "stats": stats,
            "largest": size,
            "setup": setup, "load": os.getloadavg()[0]}  # fmt: skip


def render(r: dict[str, Any]) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    s = r["stats"]
    rows = "".join(f"| {what} | {s[k][0]:.1f} ms | {s[k][1]:.1f} ms | {s[k][2]:.1f} ms |\n" for what, k in (
        ("baseline: the Python API alone (`address_info` + `show_cluster` + members' why), no HTTP", "view"),
        ("the address page over HTTP (`GET /cases/…/address/…`, rendered HTML)", "page"),
        ("baseline: `cointrail.graph.expand()` one hop forward, no HTTP", "expand"),
        ("one hop forward over HTTP (`GET /api/cases/…/graph/expand`, JSON)", "hop"),
    ))  # fmt: skip
    rows += "".join(f"| {what} | {s[k][0]:.1f} ms | {s[k][1]:.1f} ms | {s[k][2]:.1f} ms |\n" for what, k in (
        (f"one hop forward from the largest wallet of the chain ({r['largest']:,} addresses), over HTTP", "big"),
        (f"one hop backward into the largest wallet of the chain ({r['largest']:,} addresses), over HTTP", "big_back"),
    ))  # fmt: skip
    setup = ", ".join(f"{k} {v:.0f} s" for k, v in r["setup"].items() if v)
    prepared = setup or "store reused from an earlier run of this benchmark"
    return f"""## Web workspace latency

`benchmarks/web_latency.py`, run {today} on a machine with {os.cpu_count()} cores shared with other work
({platform.python_implementation()} {platform.python_version()}; load average {r["load"]:.1f}). The synthetic chain of
`raw_ingest.py` with **{r["transactions"]:,} transactions** ({r["addresses"]:,} addresses), ingested and clustered
with the default heuristics ({prepared}), served by `cointrail serve`'s app (uvicorn, 127.0.0.1) and asked over
HTTP with keep-alive, for {r["lookups"]} random addresses (and five times for the largest wallet); each baseline is the
same Python API call on an open store in the same run.

| what | median | 95th percentile | slowest |
|---|---|---|---|
{rows}
The HTTP figures include the request, the FastAPI route, opening a cursor on the case's store and, for the page,
rendering the HTML; the difference to the baseline is what the web layer costs.

"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-web-bench")
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="Print the section instead of writing it.")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    section = render(measure(args.transactions, args.cache, args.lookups))
    print(section)
    if not args.no_write:
        replace_section("webui", section)


if __name__ == "__main__":
    main()
