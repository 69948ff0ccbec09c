"""Where the chain data came from and how each fact can be checked again: blocks, sources, clustering runs."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Any

from cointrail import __version__
from cointrail.chains.bitcoin.model import display_hash
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


def ledger_facts(store: LedgerStore) -> dict[str, Any]:
    """The store's chain, tip, block sources and verification flags, and its latest clustering run."""
    tip = store.tip()
    return {
        "db": store.path.name, "chain": store.chain, "network": store.network,
        "tip_height": tip[0] if tip else None, "tip_hash": display_hash(tip[1]) if tip else None,
        "sources": block_sources(store), "clustering": clustering_run(store),
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
