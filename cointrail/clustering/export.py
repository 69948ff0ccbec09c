"""Export every address with its cluster id (CSV, Parquet), for comparison with other tools and ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cointrail.errors import InputError
from cointrail.store.duckdb.store import LedgerStore


def export_clusters(
    store: LedgerStore, csv: str | Path | None = None, parquet: str | Path | None = None
) -> dict[str, Any]:
    """Write the assignment to ``csv`` and/or ``parquet``; return what was written."""
    if csv is None and parquet is None:
        raise InputError("give --csv FILE, --parquet FILE, or both")
    reads = store.cluster_reads()
    if not reads.has_clusters():
        raise InputError(f"the store {store.path} has no clusters yet: run 'cointrail cluster build --db {store.path}'")
    written = {}
    for kind, target in (("csv", csv), ("parquet", parquet)):
        if target is not None:
            path = Path(target)
            if not path.parent.is_dir():
                raise InputError(f"cannot write {path}: the folder {path.parent} does not exist")
            reads.write_assignment(kind, path)
            written[kind] = str(path)
    rows = reads.assigned_addresses()
    return {"db": str(store.path), "addresses": rows, "files": written}
