"""How large the two sides of each merge are, for merges of one owner and of two (issue 12's supercluster check).

For every tuning scenario (seed 1 of each family told to the detection work) in the accuracy benchmark's cache,
replays the default heuristics' links in chain order with a plain union-find and records, for each merge, the
size of the smaller side and whether the two sides held addresses of different owners. Run with CoinJoin
detection on and off. The threshold of ``cointrail.clustering.guard.HOLD_AT`` is chosen from these figures.

Run: ``.venv/bin/python -m benchmarks.merge_sides [CACHE]`` (default: the accuracy benchmark's cache folder)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import cointrail.clustering.heuristics as found
from cointrail.clustering import DEFAULT_HEURISTICS
from cointrail.simulation.families import FAMILIES
from cointrail.store.duckdb.arrays import DuckDBLedgerArrays
from cointrail.store.duckdb.store import LedgerStore


def replay(store: LedgerStore, owner_of: dict[int, str], detect: bool) -> tuple[list[int], list[int]]:
    """Smaller-side sizes of the merges of one owner, and of two owners."""
    source = DuckDBLedgerArrays(store.con)
    tip = store.tip()[0]  # type: ignore[index]
    joins, collaborative = found.find_detections(source, 0, tip, store.chain) if detect else ([], [])
    links = found.find_links(source, 0, tip, DEFAULT_HEURISTICS, joins + collaborative)
    count = source.address_count()
    parent, size = list(range(count)), [1] * count
    owners = [{owner_of[i]} if i in owner_of else set() for i in range(count)]

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    true, false = [], []
    for a, b in zip(links.a.tolist(), links.b.tolist(), strict=True):
        ra, rb = sorted((root(a), root(b)))
        if ra == rb:
            continue
        mixed = bool(owners[ra]) and bool(owners[rb]) and owners[ra] != owners[rb]
        (false if mixed else true).append(min(size[ra], size[rb]))
        parent[rb], size[ra] = ra, size[ra] + size[rb]
        owners[ra] |= owners[rb]
    return true, false


def main() -> None:
    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "cointrail-accuracy"
    told = [name for name, family in FAMILIES.items() if family.told]
    for folder in sorted(f for f in cache.glob("*-seed1-*") if f.name.split("-seed1-")[0] in told):
        dbs = list(folder.glob("ledger-*.duckdb"))
        if not dbs or not (folder / "truth.json").exists():
            continue
        truth = json.loads((folder / "truth.json").read_text())
        work = Path(tempfile.mkdtemp()) / "sides.duckdb"
        shutil.copy(dbs[0], work)
        with LedgerStore.open(work) as store:
            ids = dict(store.con.execute("SELECT address, address_id FROM addresses WHERE address IS NOT NULL")
                       .fetchall())  # fmt: skip
            owner_of = {ids[a]: w for a, w in truth["owners"].items() if a in ids and truth["roles"].get(w) != "miner"}
            for detect in (True, False):
                true, false = replay(store, owner_of, detect)
                print(f"{folder.name} detection {'on' if detect else 'off'}: {len(true)} merges of one owner "
                      f"(largest smaller side {max(true, default=0)}); {len(false)} of two owners (smaller sides "
                      f"{sorted(Counter(false).items())})")  # fmt: skip
        shutil.rmtree(work.parent)


if __name__ == "__main__":
    main()
