"""Generated scenarios kept between runs: one folder per family, seed and generator version.

A folder holds the node's data directory (``node/``), ``truth.json`` and the
ledger store, named by the store layout (``ledger-<fingerprint>.duckdb``): a
store of another layout is made again from the kept chain, by cointrail's own
ingest, without playing the economy again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from benchmarks.scenarios.generate import ingest, make_scenario
from cointrail.simulation import RegtestNode
from cointrail.simulation.families import FAMILIES
from cointrail.store.duckdb.schema import layout_fingerprint

# Bump when a family's generator changes: cached scenarios are then made again.
GENERATOR = "families-1"


def folder(cache: Path, family: str, seed: int) -> Path:
    return cache / f"{family}-seed{seed}-rounds{FAMILIES[family].rounds}-{GENERATOR}"


def scenario(cache: Path, family: str, seed: int) -> tuple[Path, dict[str, Any]]:
    """The store and truth of one family's seed, generated (or ingested again) when not cached."""
    out = folder(cache, family, seed)
    db = out / f"ledger-{layout_fingerprint()}.duckdb"
    if not (out / "truth.json").exists():
        shutil.rmtree(out, ignore_errors=True)  # a run that stopped half way
        make_scenario(out, seed, FAMILIES[family].rounds, family=None if family == "project-economy" else family)
        (out / "ledger.duckdb").rename(db)
    elif not db.exists():
        node = RegtestNode(out / "node").start()
        try:
            ingest(node, db)
        finally:
            node.stop()
    return db, json.loads((out / "truth.json").read_text())


def working_copy(db: Path, work: Path, name: str) -> Path:
    """A copy of the cached store to cluster and label (the cache stays as generated)."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / f"{name}.duckdb"
    shutil.copyfile(db, copy)
    return copy
