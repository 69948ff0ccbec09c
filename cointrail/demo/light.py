"""The demo's no-node leg (issue 15): the same site's payers found from an Esplora server, without a full node.

Most units have no node: they read what a case needs from a server that indexes the chain. Here that server is the
Esplora stand-in (:mod:`cointrail.simulation.esplora_standin`) over the demo's own regtest node, on loopback. The
leg imports the exchanges' labels into a new sparse store (so the walk stops at them, as it would after
``cointrail labels update``), crawls 2 hops around the case's captured addresses (``cointrail ingest --esplora URL
--case CASE``: every answer proven, every request and answer kept as WARC evidence in the case), clusters the
sparse store as the full one is clustered, finds the payers on it, and compares them with the full store's: the
same payments, the same paying wallets, the same funding exchanges, or what differs and why. What the crawl did
not reach is said: addresses not followed, inputs whose funding transactions were not fetched.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cointrail.cases import Case
from cointrail.demo import scenario
from cointrail.store.duckdb.store import LedgerStore

if TYPE_CHECKING:
    from cointrail.demo.investigation import Steps
    from cointrail.simulation import RegtestNode

HOPS = 2  # what payers needs to reach the exchange that funded a payer (README, "Start a real case")
STORE = "light.duckdb"


def crawl_leg(steps: Steps, node: RegtestNode, case: Case, root: Path, tagpack: Path) -> dict[str, Any]:
    """Serve the node as Esplora on loopback, label, crawl around the case's site addresses, cluster; plain data."""
    from cointrail.cases.site import captured_site_addresses
    from cointrail.chains.bitcoin.sources.esplora import EsploraSource
    from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
    from cointrail.ingest.light import archived_crawl
    from cointrail.labels.store import import_label_file
    from cointrail.simulation.esplora_standin import running

    db = root / STORE
    for old in (db, db.with_name(db.name + ".wal")):  # a previous run's store: the chain starts again
        old.unlink(missing_ok=True)
    seeds = captured_site_addresses(case, scenario.CHAIN, scenario.NETWORK).addresses
    # One store open for the crawl and the clustering: an open and a close cost about 0.1 s, a third of a step here.
    with LedgerStore.open(db, scenario.CHAIN, scenario.NETWORK) as store:
        with ExitStack() as serving:
            with steps.step("start esplora", "Serving the node's chain as an Esplora explorer would (loopback "
                                             "only), for the investigator without a node."):  # fmt: skip
                standin = serving.enter_context(running(node))
            with steps.step("crawl", f"Crawling {HOPS} hops around the site's captured addresses from the Esplora "
                                     "server into a separate sparse store, every answer proven and archived in the "
                                     "case."):  # fmt: skip
                labels = import_label_file(store, tagpack, "tagpack", case)  # first: the walk stops at exchanges
                source = EsploraSource(standin.url, scenario.CHAIN, scenario.NETWORK)
                report = archived_crawl(store, source, seeds, case=case, db=db, hops=HOPS).to_dict()
                for archive in report["archives"]:  # named as the custody log names it, inside the case
                    archive["path"] = case.relative(Path(archive["path"]))
        with steps.step("cluster sparse", "Grouping the crawled addresses into wallets, as on the full store."):
            clusters = build_clusters(store, DEFAULT_HEURISTICS)
    return {"db": str(db), "source": "Esplora (the stand-in over the demo's node, on loopback)",
            "crawl": report, "labels": labels["label_count"], "clusters": clusters}


def payers_leg(steps: Steps, case: Case, leg: dict[str, Any], full: dict[str, Any]) -> dict[str, Any]:
    """The payers on the sparse store, compared with ``full`` (the full store's payers, as ``--json`` gives them)."""
    from cointrail.investigation import Investigation
    from cointrail.store.duckdb import sparse

    with (steps.step("light payers", "Finding who paid the site from the sparse store alone, and comparing."),
          Investigation.open(case, leg["db"]) as investigation):  # fmt: skip
        found = investigation.payers().to_json()
        assert investigation.store is not None  # the crawl made it
        summary = sparse.crawl_summary(investigation.store)
    return {"payers": found, "summary": summary, "same": compare(full, found)}


def _funders(payers: dict[str, Any]) -> dict[str, str | None]:
    """Each payment's txid and the exchange its payer was traced to (None: none)."""
    return {txid: payer["funded_by"] for payer in payers["payers"] for txid in payer["txids"]}


def compare(full: dict[str, Any], light: dict[str, Any]) -> dict[str, Any]:
    """What the sparse store's payers share with the full store's: payments, paying wallets, funding exchanges.

    Paying wallets are compared by the payments they made (the two stores number their clusters apart)."""
    on_full, on_light = _funders(full), _funders(light)
    wallets = {frozenset(p["txids"]): p["funded_by"] for p in full["payers"]}
    same = [p for p in light["payers"] if frozenset(p["txids"]) in wallets]
    return {
        "payments": len(on_full), "payments_found": len(on_full.keys() & on_light.keys()),
        "payments_missed": sorted(on_full.keys() - on_light.keys()),
        "payments_extra": sorted(on_light.keys() - on_full.keys()),
        "wallets": len(full["payers"]), "wallets_light": len(light["payers"]), "same_wallets": len(same),
        "funded": sum(1 for p in full["payers"] if p["funded_by"]),
        "funded_light": sum(1 for p in light["payers"] if p["funded_by"]),
        "same_funder": sum(1 for p in same if p["funded_by"] and wallets[frozenset(p["txids"])] == p["funded_by"]),
        "other_funder": sorted(t for t, name in on_light.items() if t in on_full and on_full[t] != name),
        "cut_short": _cut_short(full, light),
    }  # fmt: skip


def _cut_short(full: dict[str, Any], light: dict[str, Any]) -> list[dict[str, Any]]:
    """The sparse store's payers whose money goes back past what was fetched, with where the full store ends it."""
    ends = {txid: payer["unresolved"] for payer in full["payers"] for txid in payer["txids"]}
    return [{"payer_addresses": p["payer_addresses"], "not_fetched": p["unresolved"]["not_fetched"],
             "funded_by": p["funded_by"], "on_full": ends.get(p["txids"][0], {})}
            for p in light["payers"] if p["unresolved"].get("not_fetched")]  # fmt: skip
