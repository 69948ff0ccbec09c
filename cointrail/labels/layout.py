"""The ``labels`` table's layout, and the one upgrade of older stores' tables to it.

Stores made before issue 22 have ``label_sha256`` as a PRIMARY KEY and an index
on ``address``; both are gone (why: :data:`LABELS_DDL`). An older table is
rebuilt once, when a store is next written to by ``labels import`` or
``label add``, keeping every row. Readers (clustering, tracing, ``labels list``)
need no index and read both layouts alike.
"""

from __future__ import annotations

import pyarrow as pa

from cointrail.errors import InputError
from cointrail.store.duckdb import schema
from cointrail.store.duckdb.store import LedgerStore

# No primary key and no index (issue 22): DuckDB keeps an ART index in memory and grows it with every row a
# transaction adds, about 1.5 KB a label on a 1 M-row import. Labels are unique by ``label_sha256`` because
# :func:`write_labels` only adds those not stored yet (an anti-join), and lookups by address are joins or scans
# that DuckDB's zone maps and hash joins serve without one. Older stores are rebuilt once (:func:`_unindex`).
LABELS_DDL = """
CREATE TABLE IF NOT EXISTS labels (
    label_sha256 VARCHAR NOT NULL,
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    address VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    category VARCHAR,
    actor VARCHAR,
    abuse VARCHAR,
    confidence VARCHAR NOT NULL,
    confidence_value INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    importer VARCHAR NOT NULL,
    imported_utc VARCHAR NOT NULL,
    lastmod DATE,
    currency VARCHAR NOT NULL,
    label_chains VARCHAR[] NOT NULL,
    label_network VARCHAR NOT NULL,
    on_chain BOOLEAN NOT NULL,
    chain_note VARCHAR,
    tx_hash VARCHAR,
    is_cluster_definer BOOLEAN NOT NULL,
    tag_type VARCHAR,
    notes VARCHAR[] NOT NULL,
    case_name VARCHAR
)
"""
OLD_INDEX = "labels_address"  # the index older stores had on labels (address), dropped by _unindex

# Columns in table order, with their Arrow types (the batch is inserted BY NAME).
COLUMNS: dict[str, pa.DataType] = {
    "label_sha256": pa.string(), "chain": pa.string(), "network": pa.string(), "address": pa.string(),
    "label": pa.string(), "category": pa.string(), "actor": pa.string(), "abuse": pa.string(),
    "confidence": pa.string(), "confidence_value": pa.int32(), "source": pa.string(), "source_sha256": pa.string(),
    "importer": pa.string(), "imported_utc": pa.string(), "lastmod": pa.date32(), "currency": pa.string(),
    "label_chains": pa.list_(pa.string()), "label_network": pa.string(), "on_chain": pa.bool_(),
    "chain_note": pa.string(), "tx_hash": pa.string(), "is_cluster_definer": pa.bool_(), "tag_type": pa.string(),
    "notes": pa.list_(pa.string()), "case_name": pa.string(),
}  # fmt: skip


def ensure_table(store: LedgerStore) -> None:
    """Create the ``labels`` table if the store has none; refuse one that cointrail did not make."""
    store.con.execute(LABELS_DDL)
    have = schema.column_names(store.con, "labels")
    if missing := set(COLUMNS) - have:
        raise InputError(f"the store {store.path} has a labels table without the columns {', '.join(sorted(missing))}; "
                         "it was not made by 'cointrail labels import'")  # fmt: skip
    if have == set(COLUMNS) and _indexed(store):
        _unindex(store)


def _indexed(store: LedgerStore) -> bool:
    """Whether the labels table is of the older layout: a primary key on label_sha256 and an index on address."""
    keys = store.rows("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'labels' "
                      "AND constraint_type = 'PRIMARY KEY'")  # fmt: skip
    indexes = store.rows("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'labels'")
    return bool(keys[0][0] or indexes[0][0])


def _unindex(store: LedgerStore) -> None:
    """Rebuild an older store's labels table without its primary key and index, keeping every row (one transaction).

    DuckDB cannot drop a primary key in place, so the rows move to a table of the
    current layout, which then takes the old one's name.
    """
    con = store.con
    columns = ", ".join(COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DROP TABLE IF EXISTS labels_rebuilt")
        con.execute(LABELS_DDL.replace("EXISTS labels", "EXISTS labels_rebuilt"))
        con.execute(f"INSERT INTO labels_rebuilt ({columns}) SELECT {columns} FROM labels")
        con.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
        con.execute("DROP TABLE labels")
        con.execute("ALTER TABLE labels_rebuilt RENAME TO labels")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
