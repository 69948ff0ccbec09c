"""The ``labels`` table: its layout, the one upgrade of older stores' tables to it, and its writes and reads.

Stores made before issue 22 have ``label_sha256`` as a PRIMARY KEY and an index
on ``address``; both are gone (why: :data:`LABELS_DDL`). An older table is
rebuilt once, when a store is next written to by ``labels import`` or
``label add``, keeping every row. Readers (clustering, tracing, ``labels list``)
need no index and read both layouts alike.

What a label is, its identity and its chain check are :mod:`cointrail.labels.store`'s; this module holds the
SQL (moved from ``cointrail/labels/`` in issue 14): rows in, rows out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cointrail.errors import InputError
from cointrail.store.duckdb import schema

if TYPE_CHECKING:
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


_BATCH_SCHEMA = pa.schema([*COLUMNS.items(), ("seq", pa.int64())])


def _batch(rows: list[tuple[Any, ...]]) -> pa.Table:
    columns = map(list, zip(*rows, strict=True))
    return pa.table(dict(zip(_BATCH_SCHEMA.names, columns, strict=True)), schema=_BATCH_SCHEMA)


STAGING = "labels_staging"  # the unindexed table an import's labels wait in; never read as labels


def _stage(store: LedgerStore, rows: Iterator[tuple[Any, ...]], batch_rows: int) -> None:
    """Append the rows to the staging table, a batch at a time, numbered in file order.

    Each batch is committed on its own: DuckDB holds the rows a transaction
    appends in memory until it commits (measured: about 400 bytes a row, even
    past the memory limit), so one transaction for the whole file would grow
    with it. The ``labels`` table is not touched until :func:`add_labels`'s
    final transaction, so a file found broken midway still stores nothing.
    """
    con = store.con
    # A table of the store, not a TEMP one (a TEMP table stays in memory). One left by an import that was killed
    # holds no stored labels: it is dropped.
    con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    con.execute(f"CREATE TABLE {STAGING} AS SELECT *, 0::BIGINT AS seq FROM labels LIMIT 0")
    while batch := list(itertools.islice(rows, batch_rows)):
        con.register("label_batch", _batch(batch))
        try:
            con.execute(f"INSERT INTO {STAGING} BY NAME SELECT * FROM label_batch")
        finally:
            con.unregister("label_batch")


_STAGED_COUNTS = ("SELECT count(*), count(DISTINCT label_sha256), count(DISTINCT label_sha256) FILTER (on_chain) "
                  f"FROM {STAGING}")  # fmt: skip
# Set-based, once at the end: the first of each label given more than once (lowest seq), unless a label of that
# SHA-256 is stored already (NOT EXISTS: a hash anti-join, no index needed).
_ADD_NEW = f"""
INSERT INTO labels BY NAME
SELECT i.* EXCLUDE (seq) FROM {STAGING} i
WHERE i.seq IN (SELECT min(seq) FROM {STAGING} GROUP BY label_sha256)
  AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.label_sha256 = i.label_sha256)
"""


def add_labels(store: LedgerStore, rows: Iterator[tuple[Any, ...]], batch_rows: int,
               memory_limit: str) -> tuple[int, int, int, int]:  # fmt: skip
    """Add label rows (in :data:`COLUMNS` order, then their ``seq``) not stored yet, all or none.

    The rows may be a stream of any length: read ``batch_rows`` at a time into an
    unindexed staging table, then added to ``labels`` with one set-based insert in
    one transaction, under DuckDB memory limit ``memory_limit``. Returns (rows
    given, distinct labels, distinct labels on this chain, labels added).
    """
    ensure_table(store)
    con = store.con
    with schema.memory_limit(con, memory_limit):
        try:
            _stage(store, rows, batch_rows)
            con.execute("BEGIN TRANSACTION")
            try:
                given, distinct, on_chain = con.execute(_STAGED_COUNTS).fetchone()  # type: ignore[misc]
                added = int(con.execute(_ADD_NEW).fetchone()[0])  # type: ignore[index]
                con.execute(f"DROP TABLE {STAGING}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    return given, distinct, on_chain, added


def stored_labels(store: LedgerStore, address: str | None) -> list[tuple[Any, ...]]:
    """Stored label rows in :data:`COLUMNS` order (of one address, or all), by address, most confident first;
    none in a store without labels."""
    if not store.has_table("labels"):
        return []
    where, params = ("WHERE address = ?", [address]) if address else ("", [])
    return store.rows(f"SELECT {', '.join(COLUMNS)} FROM labels {where} "
                      "ORDER BY address, confidence_value DESC, label, source", params)  # fmt: skip


def labels_of(store: LedgerStore, addresses: Iterable[str]) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """(label, actor, category) of each of ``addresses`` that a stored label names, most confident first."""
    wanted = sorted(set(addresses))
    if not wanted or not store.has_table("labels"):
        return {}
    found: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for address, label, actor, category in store.rows(
            "SELECT address, label, actor, category FROM labels WHERE list_contains(?, address) "
            "ORDER BY address, confidence_value DESC, label", [wanted]):  # fmt: skip
        found.setdefault(address, []).append((label, actor, category))
    return found


def matching_labels(store: LedgerStore, text: str, limit: int) -> list[tuple[str, str, str | None, str | None]]:
    """(address, label, actor, category) of the labels whose text or actor contains ``text`` (any case), by how
    confident, at most ``limit``; none in a store without labels."""
    if not text.strip() or not store.has_table("labels"):
        return []
    wanted = text.strip().lower()  # a plain substring (contains), so % and _ in a label's text mean themselves
    rows = store.rows("SELECT address, label, actor, category FROM labels "
                      "WHERE contains(lower(label), ?) OR contains(lower(coalesce(actor, '')), ?) "
                      "ORDER BY confidence_value DESC, label, address LIMIT ?", [wanted, wanted, limit])  # fmt: skip
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def labelled_addresses(store: LedgerStore, categories: Iterable[str]) -> set[str]:
    """The addresses a stored label puts in one of ``categories`` (lower case); none in a store without labels."""
    if not store.has_table("labels"):
        return set()
    return {a for (a,) in store.rows("SELECT DISTINCT address FROM labels WHERE list_contains(?, lower(category))",
                                     [list(categories)])}  # fmt: skip
