"""Parquet export and import of a ledger store: one file per table.

Parquet is what the scale-out engine (Spark) reads, and a portable way to hand
a store to a partner. Rows are written in key order so that the same store
always gives the same files. The derived ``address_lookup`` is not exported:
an import computes it from the imported rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from cointrail.errors import InputError
from cointrail.store.duckdb import address_hash, address_lookup, address_stats, p2pk, schema
from cointrail.store.duckdb.address_lookup import refresh_address_lookup
from cointrail.store.duckdb.store import LedgerStore


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def export_parquet(store: LedgerStore, directory: str | Path) -> dict[str, Any]:
    """Write every table to ``directory/<table>.parquet``; return the row counts."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, keys in schema.TABLE_KEYS.items():
        target = directory / f"{table}.parquet"
        store.con.execute(
            f"COPY (SELECT * FROM {table} ORDER BY {', '.join(keys)}) TO '{_sql_path(target)}' (FORMAT parquet)"
        )
        counts[table] = store.one(f"SELECT count(*) FROM {table}")[0]  # type: ignore[index]
    return {"directory": str(directory), "chain": store.chain, "network": store.network, "rows": counts}


def _identity(directory: Path) -> tuple[str, str]:
    meta_file = directory / "meta.parquet"
    if not meta_file.is_file():
        raise InputError(f"{directory} holds no exported ledger store (meta.parquet is missing)")
    with duckdb.connect() as con:
        rows = dict(con.execute(f"SELECT key, value FROM read_parquet('{_sql_path(meta_file)}')").fetchall())
    if "chain" not in rows or "network" not in rows:
        raise InputError(f"{meta_file} does not name the chain and network of the export")
    return rows["chain"], rows["network"]


def _columns_of(con: duckdb.DuckDBPyConnection, source: Path) -> list[str]:
    """The column names of a Parquet file, in order."""
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_sql_path(source)}')").fetchall()]


def import_parquet(directory: str | Path, db: str | Path) -> dict[str, Any]:
    """Create the store ``db`` from an export directory (``db`` must not exist yet)."""
    directory, db = Path(directory), Path(db)
    if db.exists():
        raise InputError(f"{db} already exists: import into a new file")
    chain, network = _identity(directory)
    with LedgerStore.open(db, chain, network) as store:
        store.con.execute("BEGIN TRANSACTION")
        for table in schema.TABLE_KEYS:
            source = directory / f"{table}.parquet"
            if not source.is_file():
                store.con.execute("ROLLBACK")
                raise InputError(f"{source} is missing from the export")
            if table == "meta":
                store.con.execute("DELETE FROM meta")
            if table == "address_stats" and _columns_of(store.con, source) != address_stats.columns(store.con):
                address_stats.rebuild(store.con, chain, network)  # an older version's export: derived from the rows
                continue
            # By name: an earlier version's export lacks the newest columns, which take their defaults.
            store.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet('{_sql_path(source)}')")
        try:
            p2pk.merge_legacy(store.con, chain, network)  # an export of the earlier P2PK layout
            address_hash.fill(store.con)  # an export made before the address hash (or of that layout) lacks it
        except InputError:
            store.con.execute("ROLLBACK")
            raise
        store.con.execute("COMMIT")
        if address_lookup.was_built(store.con):  # the exported store had the (opt-in) serving index:
            refresh_address_lookup(store)  # derived, never exported, so computed from the imported rows
        return {"db": str(db), "chain": chain, "network": network, "rows": store.counts()}
