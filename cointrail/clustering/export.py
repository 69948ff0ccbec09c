"""Export every address with its cluster id (CSV, Parquet), for comparison with other tools and ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cointrail.errors import InputError
from cointrail.store.duckdb import cluster_tables
from cointrail.store.duckdb.sql import row
from cointrail.store.duckdb.store import LedgerStore

_EXPORT = """
SELECT a.chain, a.network, a.address_id, a.address, a.script_type, c.cluster_id, c.base_cluster_id,
       count(*) OVER (PARTITION BY c.cluster_id) AS cluster_size
FROM addresses a JOIN address_clusters c USING (address_id) ORDER BY a.address_id
"""


def export_clusters(
    store: LedgerStore, csv: str | Path | None = None, parquet: str | Path | None = None
) -> dict[str, Any]:
    """Write the assignment to ``csv`` and/or ``parquet``; return what was written."""
    if csv is None and parquet is None:
        raise InputError("give --csv FILE, --parquet FILE, or both")
    if not cluster_tables.has_clusters(store.con):
        raise InputError(f"the store {store.path} has no clusters yet: run 'cointrail cluster build --db {store.path}'")
    store.con.complete()  # a caller's fetchone() may have left a result open
    relation = store.con.sql(_EXPORT)
    written = {}
    for kind, target in (("csv", csv), ("parquet", parquet)):
        if target is not None:
            path = Path(target)
            if not path.parent.is_dir():
                raise InputError(f"cannot write {path}: the folder {path.parent} does not exist")
            relation.write_csv(str(path)) if kind == "csv" else relation.write_parquet(str(path))
            written[kind] = str(path)
    rows = row(store.con, "SELECT count(*) FROM address_clusters")[0]
    return {"db": str(store.path), "addresses": rows, "files": written}
