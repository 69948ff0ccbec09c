"""Benchmark: the web workspace's latency on the synthetic chain: the case page, an address page, one hop.

Uses the synthetic chain of :mod:`cointrail.simulation.block_files` (generated, or reused from ``--cache``, as
``raw_ingest.py`` does), ingested into a ledger store and clustered, kept as the ledger store of a case; a
generated page listing 12 of its addresses is captured into the case from 127.0.0.1 (the site) and a report
written (``make_report``, no PDF), as an investigation has them. Then the real workspace is served by uvicorn on
127.0.0.1 and, for random addresses, in one run alternated:

1. the case page (``GET /cases/<case>``: the findings first, read from the report's facts, then the evidence and
   the custody log re-checked), against the baseline of the same Python calls without HTTP or HTML
   (``case_view`` and :meth:`Investigation.headline`); its target, :data:`CASE_PAGE_TARGET_S` at the 95th
   percentile, is what a page must answer in (it was a timed bound of the web tests until 2026-12-04);
2. the address page (``GET /cases/<case>/address/<address>``: the HTML page, totals, wallet, labels, members and
   why), against the baseline of the same Python API calls without HTTP or HTML (``address_view``);
3. one hop forward from the address (``GET /api/cases/<case>/graph/expand``: JSON), against the baseline of
   :func:`cointrail.graph.expand` called directly;
4. in rounds of their own (:data:`SITE_HOPS`), one hop forward and one backward from the site's node
   (``site:captured``: the wallets of the case's captured addresses as one node), against the baseline of
   :meth:`Investigation.graph_hop` on the case opened anew, as the workspace asks it;
5. in rounds of their own, the case page and the site's hops against the same asked of a second workspace whose
   stores ask DuckDB for a table's existence on every ``has_table``, as every store did before stop 34
   (:class:`AskingStore`); DuckDB's query log counts how often each asks for the table names.

Writes the "webui" section of docs/benchmarks.md.

Run: ``.venv/bin/python -m benchmarks.web_latency [--transactions 100000] [--cache DIR] [--lookups 200] [--no-write]
[--quick]``
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks import harness
from benchmarks.address_info import build_store, sample_addresses
from benchmarks.raw_ingest import chain_for
from cointrail.capture import capture_url, served_directory
from cointrail.cases import Case, create_case, open_case
from cointrail.cases.site import captured_site_addresses
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.facts.kept import latest_facts
from cointrail.graph import expand
from cointrail.investigation import Investigation, case_store
from cointrail.report import make_report
from cointrail.store.duckdb.cluster_tables import has_clusters
from cointrail.store.duckdb.store import LedgerStore
from cointrail.web import Security, Workspace, create_app
from cointrail.web.routes.cases import case_view
from cointrail.web.routes.wallets import address_view
from cointrail.web.server import serve_in_thread

CASE = "web-bench"
SITE_ADDRESSES = 12  # addresses of the chain on the captured page: the site whose payers the report finds
SITE_HOPS = 20  # rounds of the site-node hops: each reads every site wallet's money, not one address's
CASE_PAGE_TARGET_S = 2.0  # the case page answers as a page must: it reads the report's facts, not the chain


class AskingStore(LedgerStore):
    """A store as every store was before stop 34: each ``has_table`` asks DuckDB (1-4 ms, about 12 a site hop)."""

    def has_table(self, name: str) -> bool:
        return bool(self.one("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name])[0])  # type: ignore[index]


class AskingWorkspace(Workspace):
    """The workspace with the stores of before stop 34: the baseline of the table names read once."""

    @contextmanager
    def store(self, case: Case) -> Iterator[LedgerStore]:
        with super().store(case) as store:
            yield AskingStore(store.con, store.path, store.chain, store.network, read_only=True)


def tables_asked(store: LedgerStore, action: Callable[[], Any]) -> int:
    """How often DuckDB was asked for the table names while ``action`` ran (its query log, on every cursor)."""
    count = ("SELECT count(*) FROM duckdb_logs() WHERE type = 'QueryLog' AND message ILIKE '%FROM duckdb_tables()%' "
             "AND message NOT ILIKE '%duckdb_logs()%'")  # fmt: skip
    store.con.execute("CALL enable_logging('QueryLog')")
    (before,) = store.one(count)  # type: ignore[misc]
    action()
    (after,) = store.one(count)  # type: ignore[misc]
    store.con.execute("CALL disable_logging()")
    return int(after) - int(before)


def prepared_case(n_transactions: int, cache: Path) -> tuple[Path, dict[str, float]]:
    """The cases folder holding a case whose ledger store is the clustered synthetic chain; setup times."""
    made, generated = chain_for(n_transactions, cache)
    root = cache / f"web-cases-{n_transactions}"
    if not (root / CASE).is_dir():
        create_case(CASE, root=root, operator="benchmark")
    db = case_store(open_case(CASE, root=root))
    times = {"generate": generated or 0.0}
    if not db.exists():
        times["ingest"] = build_store(made, db)[0]
    with LedgerStore.open(db) as store:
        if not has_clusters(store.con):
            times["cluster"] = harness.timed(lambda: build_clusters(store, DEFAULT_HEURISTICS, full=True))[0].wall
    return root, times | site_and_report(root, db)


def site_and_report(root: Path, db: Path) -> dict[str, float]:
    """Capture a page listing some of the chain's addresses into the case, and write its report, unless done."""
    case, times = open_case(CASE, root=root), {}
    if not captured_site_addresses(case).addresses:
        with LedgerStore.open(db, read_only=True) as store:
            site = sample_addresses(store, SITE_ADDRESSES, seed=1)
        folder = root / "site-page"
        folder.mkdir(exist_ok=True)
        (folder / "index.html").write_text("<html><body><h1>Pay here</h1><ul>" +
                                           "".join(f"<li>{a}</li>" for a in site) + "</ul></body></html>")  # fmt: skip
        with served_directory(folder) as (url, _):
            times["capture"] = harness.timed(lambda: capture_url(case, url))[0].wall
    if latest_facts(case) is None:
        times["report"] = harness.timed(lambda: make_report(case, db, pdf=False))[0].wall
    return times


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


def measure(n_transactions: int, cache: Path, lookups: int) -> dict[str, Any]:
    root, setup = prepared_case(n_transactions, cache)
    db = case_store(open_case(CASE, root=root))
    names, transactions, addresses = sample(db, lookups)
    biggest, size = largest_wallet(db)
    workspace = Workspace(root, "benchmark")
    with serve_in_thread(lambda port: create_app(workspace, Security.for_bind("127.0.0.1", port))) as served, \
            httpx.Client(base_url=served.url, timeout=120) as client, workspace.store(workspace.case(CASE)) as store:
        client.get(f"/cases/{CASE}/address/{names[0]}").raise_for_status()  # warm: open the store, load templates
        hop = f"/api/cases/{CASE}/graph/expand"
        # Each address is asked four ways in a row: over HTTP and by the API alone, the page and the hop; the case
        # page is asked in the same rounds, over HTTP and by the calls it makes alone, on the case opened anew.
        pages, views, hops, expands = (iter(names) for _ in range(4))
        assert Investigation(store, workspace.case(CASE)).headline().source == "report"  # the path measured
        runs = harness.alternate({
            "case_page": lambda: client.get(f"/cases/{CASE}").raise_for_status(),
            "case_view": lambda: case_calls(workspace, store),
            "page": lambda: client.get(f"/cases/{CASE}/address/{next(pages)}").raise_for_status(),
            "view": lambda: address_view(Investigation(store), next(views)),
            "hop": lambda: client.get(hop, params={"node": f"address:{next(hops)}", "direction": "forward"})
            .raise_for_status(),
            "expand": lambda: expand(store, f"address:{next(expands)}", "forward"),
        }, len(names))  # fmt: skip
        def site(direction: str) -> Callable[[], Any]:
            return lambda: Investigation(store, workspace.case(CASE)).graph_hop("site:captured", direction)

        def on_site(direction: str) -> Callable[[], Any]:
            return lambda: client.get(hop, params={"node": "site:captured", "direction": direction}).raise_for_status()

        runs |= harness.alternate({"site_hop": on_site("forward"), "site_api": site("forward"),
                                   "site_hop_back": on_site("backward"), "site_api_back": site("backward")},
                                  SITE_HOPS)  # fmt: skip
        for direction, key in (("forward", "big"), ("backward", "big_back")):
            params = {"node": f"cluster:{biggest}", "direction": direction}
            runs[key] = [harness.timed(lambda p=params: client.get(hop, params=p).raise_for_status()) for _ in range(5)]
        runs |= kept_names(workspace, client, store, root)
    asked = runs.pop("asked")
    results = {k: [took.wall_ms for took, _ in v] for k, v in runs.items()}
    stats = {k: (statistics.median(v), statistics.quantiles(v, n=20, method="inclusive")[18], max(v))
             for k, v in results.items()}  # fmt: skip
    return {"transactions": transactions, "addresses": addresses, "lookups": len(names), "stats": stats,
            "largest": size, "site": site_words(db, root), "asked": asked,
            "setup": setup, "load": harness.load_average(1)}  # fmt: skip


def kept_names(workspace: Workspace, client: httpx.Client, store: LedgerStore, root: Path) -> dict[str, Any]:
    """The case page and the site's hops, over HTTP and in-process, against the same on a workspace of
    :class:`AskingStore` (before stop 34), alternated in a new order each round; and how often each asks DuckDB for
    the table names in one site hop."""
    before = AskingWorkspace(root, "benchmark")
    hop = f"/api/cases/{CASE}/graph/expand"
    with serve_in_thread(lambda port: create_app(before, Security.for_bind("127.0.0.1", port))) as served, \
            httpx.Client(base_url=served.url, timeout=120) as asking, before.store(before.case(CASE)) as old:
        asking.get(f"/cases/{CASE}").raise_for_status()  # warm: open the store, load templates

        def site_hop(http: httpx.Client, direction: str) -> Callable[[], Any]:
            return lambda: http.get(hop, params={"node": "site:captured", "direction": direction}).raise_for_status()

        def case_page(http: httpx.Client) -> Callable[[], Any]:
            return lambda: http.get(f"/cases/{CASE}").raise_for_status()

        def site_api(on: LedgerStore, ws: Workspace) -> Callable[[], Any]:
            return lambda: Investigation(on, ws.case(CASE)).graph_hop("site:captured", "forward")

        steps: dict[str, Callable[[], Any]] = {}
        for suffix, http, on, ws in (("", client, store, workspace), ("_before", asking, old, before)):
            steps |= {f"kept_case_page{suffix}": case_page(http),
                      f"kept_site_hop{suffix}": site_hop(http, "forward"),
                      f"kept_site_hop_back{suffix}": site_hop(http, "backward"),
                      f"kept_site_api{suffix}": site_api(on, ws)}  # fmt: skip
        runs: dict[str, Any] = harness.alternate(steps, SITE_HOPS, shuffle=34)
        runs["asked"] = {"after": tables_asked(store, site_hop(client, "forward")),
                         "before": tables_asked(old, site_hop(asking, "forward"))}  # fmt: skip
    before.close()
    return runs


def site_words(db: Path, root: Path) -> str:
    """What the site's node holds: its caption."""
    with LedgerStore.open(db, read_only=True) as store:
        return Investigation(store, open_case(CASE, root=root)).site_group().caption


def case_calls(workspace: Workspace, store: LedgerStore) -> dict[str, Any]:
    """What the case page asks, without HTTP or HTML: the case opened, its evidence and log checked, the headline."""
    case = workspace.case(CASE)
    return {**case_view(case), "headline": Investigation(store, case).headline().to_json()}


def render(r: dict[str, Any]) -> str:
    s = r["stats"]
    target = CASE_PAGE_TARGET_S * 1000
    met = "met" if s["case_page"][1] < target else "**not met**"
    rows = "".join(f"| {what} | {s[k][0]:.1f} ms | {s[k][1]:.1f} ms | {s[k][2]:.1f} ms |\n" for what, k in (
        ("baseline: what the case page asks, no HTTP (`case_view` + `Investigation.headline`, from the report)",
         "case_view"),
        (f"the case page over HTTP (`GET /cases/…`, rendered HTML); target under {target:.0f} ms at the 95th "
         f"percentile: {met}", "case_page"),
        ("baseline: the Python API alone (`address_info` + `show_cluster` + members' why), no HTTP", "view"),
        ("the address page over HTTP (`GET /cases/…/address/…`, rendered HTML)", "page"),
        ("baseline: `cointrail.graph.expand()` one hop forward, no HTTP", "expand"),
        ("one hop forward over HTTP (`GET /api/cases/…/graph/expand`, JSON)", "hop"),
        (f"baseline: `Investigation.graph_hop('site:captured')` forward, no HTTP ({SITE_HOPS} rounds)", "site_api"),
        ("one hop forward from the site's node over HTTP (`…/graph/expand?node=site:captured`)", "site_hop"),
        ("baseline: the same backward, no HTTP", "site_api_back"),
        ("one hop backward from the site's node over HTTP", "site_hop_back"),
    ))  # fmt: skip
    rows += "".join(f"| {what} | {s[k][0]:.1f} ms | {s[k][1]:.1f} ms | {s[k][2]:.1f} ms |\n" for what, k in (
        (f"one hop forward from the largest wallet of the chain ({r['largest']:,} addresses), over HTTP", "big"),
        (f"one hop backward into the largest wallet of the chain ({r['largest']:,} addresses), over HTTP", "big_back"),
    ))  # fmt: skip
    kept = "".join(
        f"| {what} | {s[k + '_before'][0]:.1f} ms | {s[k][0]:.1f} ms | {s[k + '_before'][0] / s[k][0]:.2f}× | "
        f"{s[k + '_before'][1]:.1f} ms | {s[k][1]:.1f} ms |\n"
        for what, k in (("the case page over HTTP", "kept_case_page"),
                        ("one hop forward from the site's node over HTTP", "kept_site_hop"),
                        ("one hop backward from the site's node over HTTP", "kept_site_hop_back"),
                        ("`Investigation.graph_hop('site:captured')` forward, no HTTP", "kept_site_api")))  # fmt: skip
    setup = ", ".join(f"{k} {v:.0f} s" for k, v in r["setup"].items() if v)
    prepared = setup or "store reused from an earlier run of this benchmark"
    return f"""## Web workspace latency

{harness.machine("web_latency.py")}; load average {r["load"]:.1f}. The synthetic chain of
`raw_ingest.py` with **{r["transactions"]:,} transactions** ({r["addresses"]:,} addresses), ingested and clustered
with the default heuristics ({prepared}), served by `cointrail serve`'s app (uvicorn, 127.0.0.1) and asked over
HTTP with keep-alive, for {r["lookups"]} random addresses (and five times for the largest wallet), the case page as
often (its case holds a capture of a page listing {SITE_ADDRESSES} of the chain's addresses and a report on them),
and {SITE_HOPS} times each way for the site's node ({r["site"]});
each baseline is the same Python API call on an open store in the same run, alternated with it.

| what | median | 95th percentile | slowest |
|---|---|---|---|
{rows}
The HTTP figures include the request, the FastAPI route, opening a cursor on the case's store and, for the page,
rendering the HTML; the difference to the baseline is what the web layer costs.

**A store's table names read once** (stop 34): since then a read-only store asks DuckDB for its table names once
and the workspace's requests share them (`LedgerStore.has_table`, `on_cursor`). Before, every `has_table` asked: in
one site hop forward DuckDB's query log counts {r["asked"]["before"]} such questions before and
{r["asked"]["after"]} now (the store had read its names already; what is left is asked by modules that read
`duckdb_tables()`
themselves on a connection: price_table, cluster_tables, sparse, address_lookup). The same run,
{SITE_HOPS} rounds in a new order each,
against a second workspace whose stores ask as before (`AskingStore`):

| what | median before | median now | | 95th percentile before | now |
|---|---|---|---|---|---|
{kept}
"""


def main() -> None:
    parser = harness.arguments(__doc__, quick={"transactions": 20_000, "lookups": 20})
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "cointrail-web-bench")
    parser.add_argument("--lookups", type=int, default=200)
    args = harness.parse(parser)
    args.cache.mkdir(parents=True, exist_ok=True)
    harness.publish(args, "webui", render(measure(args.transactions, args.cache, args.lookups)))


if __name__ == "__main__":
    main()
