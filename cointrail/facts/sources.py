"""Where the chain data came from and how each fact can be checked again: blocks, sources, clustering runs."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from cointrail import __version__
from cointrail.chains.bitcoin.model import display_hash
from cointrail.store.duckdb import sparse
from cointrail.store.duckdb.account import AccountStore
from cointrail.store.duckdb.store import LedgerStore

LIBRARIES = ("duckdb", "pyarrow", "warcio", "httpx", "jinja2", "weasyprint", "networkx", "stix2", "followthemoney")


def block_sources(store: LedgerStore) -> list[dict[str, Any]]:
    """One row per source of blocks, with the heights it gave and whether every block was verified."""
    return [{"source": source, "blocks": blocks, "from_height": low, "to_height": high,
             "txids_recomputed": bool(recomputed), "merkle_checked": bool(merkle)}
            for source, blocks, low, high, recomputed, merkle in store.source_reads().block_sources()]  # fmt: skip


def clustering_run(store: LedgerStore) -> dict[str, Any] | None:
    """The latest clustering build: heuristics, blocks covered, tool version (None when never clustered)."""
    row = store.source_reads().last_cluster_run()
    if row is None:
        return None
    run, finished, mode, heuristics, low, high, through, links, coinjoins, tool = row
    return {"run": run, "finished_utc": f"{finished.isoformat()}Z", "mode": mode,
            "heuristics": [h for h in heuristics.split(",") if h], "from_height": low, "through_height": high,
            "through_hash": display_hash(bytes(through)), "links": links, "coinjoins": coinjoins,
            "tool_version": tool}  # fmt: skip


def light_archives(store: LedgerStore) -> list[dict[str, Any]]:
    """The archives of a crawl without a case (``<db>.archive/archive.log``): each WARC's name, SHA-256, source
    and times, so a court can have every answer the light source gave checked again (``ingest --replay``)."""
    log = Path(f"{store.path}.archive") / "archive.log"
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def ledger_facts(store: LedgerStore) -> dict[str, Any]:
    """The store's chain, tip, block sources and verification flags, and its latest clustering run; for a sparse
    store crawled from a light source (issue 15), what it holds, left out and archived."""
    tip = store.tip()
    crawl = sparse.crawl_summary(store)
    return {
        "db": store.path.name, "chain": store.chain, "network": store.network,
        "tip_height": tip[0] if tip else None, "tip_hash": display_hash(tip[1]) if tip else None,
        "sources": block_sources(store), "clustering": clustering_run(store),
        **({"crawl": crawl | {"archives": light_archives(store)}} if crawl is not None else {}),
    }  # fmt: skip


def label_sources(store: LedgerStore, cited: set[str]) -> list[dict[str, Any]]:
    """The label sources fetched into the store (``labels update``): name, URL, the reliability the report quotes
    for their labels, the latest download (SHA-256, time, kept file), and which of ``cited`` (the ``source`` the
    labels used in the findings give: a TagPack tag cites its own) came in that download; none where no source
    was fetched."""
    from cointrail.labels.update import known_sources
    from cointrail.store.duckdb.label_sources import latest_downloads, origins

    latest = latest_downloads(store)
    given = origins(store, cited)
    return [source.to_dict() | {"latest": latest[name], "cited": sorted(c for c, by in given.items() if name in by)}
            for name, source in known_sources(store).items() if name in latest]  # fmt: skip


def _coverage_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"mode": row["mode"], "from_block": row["from_block"], "to_block": row["to_block"],
            "addresses": list(row["addresses"]), "blocks_fetched": row["blocks_fetched"], "node": row["node"],
            "client_version": row["client_version"], "chain_id": row["chain_id"], "trace_style": row["trace_style"],
            "verified": row["verified"], "trusted": row["trusted"], "fetched_utc": str(row["fetched_at"])}  # fmt: skip


def account_ledger_facts(store: AccountStore) -> dict[str, Any]:
    """An account-chain store's chain, tip and block sources, and what each ingest covered (issue 16): a block
    range, or the blocks found around some addresses (a case-scoped ingest), from which node and client, what was
    verified and what taken on trust. A report must tell "not fetched" from "no payments"."""
    tip = store.tip()
    return {
        "db": store.path.name, "family": "account", "chain": store.chain, "network": store.network,
        "tip_height": store.read_to(), "tip_hash": tip["hash"] if tip else None,
        "sources": [{**row, "merkle_checked": False} for row in store.block_sources()], "clustering": None,
        "coverage": [_coverage_row(row) for row in store.coverage()],
    }  # fmt: skip


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance(parameters: dict[str, Any]) -> dict[str, Any]:
    """Tool version, platform, library versions and the parameters of this run (printed in every footer)."""
    return {"tool": f"cointrail {__version__}", "python": sys.version.split()[0], "platform": platform.platform(),
            "libraries": {name: _version(name) for name in LIBRARIES}, "parameters": parameters}  # fmt: skip


def label_conflicts(store: LedgerStore, findings: dict[str, Any], detections: list[Any] | None = None) -> list[str]:
    """Where the labels the findings rely on disagree, in sentences: labels of two services on one wallet a payer
    was funded from, and labels a detected exchange's behaviour contradicts (``services detect``'s conflicts) for
    the wallets the payers' trails reached (their services and leads). ``detections``: the store's kept
    detections, when the caller has read them already."""
    from cointrail.labels.attribution import cluster_attribution
    from cointrail.services import kept_detections
    from cointrail.services.agreement import agreements
    from cointrail.store.duckdb.address_find import find_address

    payers = (findings.get("payers") or {}).get("payers") or []
    reached = {t["service_address"] for p in payers for t in p.get("funding") or [] if t.get("service_address")}
    reads = store.cluster_reads()
    if not reads.has_clusters():
        return []
    ids = {find_address(store, address)[0] for address in reached}
    wallets = set(store.trace_reads().clusters_of(ids).values())
    sentences = [c["message"] for w in sorted(wallets) for c in cluster_attribution(reads, w)["conflicts"]]
    wallets |= {lead["wallet"] for p in payers for lead in p.get("leads") or []}
    kept = kept_detections(store) if detections is None else detections
    detections = [d for d in kept  # holding a wallet reached, or kept apart from one
                  if wallets & {d.cluster_id, *d.deposit_wallets, *(k["wallet"] for k in d.kept_apart)}]
    for wallet, agreed in sorted(agreements(store, detections).items()):
        sentences += [f"wallet {wallet}, which behaves like an exchange: {c}" for c in agreed.conflicts]
    return sentences
