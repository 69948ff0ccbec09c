"""The ledger store's tables: a columnar layout for analytics at scale.

One store holds one chain and network. Every entity has a dense integer id
given in chain order (transactions by height then position in the block,
addresses by first appearance), so that the same chain always gives the same
ids, whatever the source or however often the ingest was interrupted. Hashes
are BLOBs in internal byte order (see :mod:`cointrail.chains.bitcoin.model`); amounts
are BIGINTs in base units. Every row carries its chain and network, so tables
exported to Parquet can be combined with those of other stores.

The layout is documented for people in docs/store.md; keep both in step.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator

import duckdb

SCHEMA_VERSION = "1"

# addresses.address_hash is the address's 64-bit hash (cointrail.store.duckdb.address_hash), NULL where the address is:
# what lookups by address text go through. Last, as an older store gets it when first opened for writing.

# A pay-to-public-key output is stored under the P2PKH address of its key (cointrail.store.duckdb.p2pk): outputs.p2pk
# marks it, addresses.pubkey keeps the bare key of an address paid that way (NULL otherwise).

# Order matters for Parquet export/import and for comparisons in tests.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("key",),
    "blocks": ("height",),
    "transactions": ("tx_id",),
    "addresses": ("address_id",),
    "outputs": ("tx_id", "vout"),
    "inputs": ("tx_id", "vin"),
    "address_stats": ("address_id",),
}

# Hashes and address strings are stored uncompressed: they are random, so DuckDB's DICT_FSST gains little on them
# (txids nothing, addresses 23 %) and its analysis cost more than any other step of writing a batch (1M benchmark
# chain: txid and wtxid 1.1 -> 0.4 CPU s, addresses 2.1 -> 1.1 s, for 4 + 20 MB more on a store of about 700 MB).
TABLES_DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    height INTEGER NOT NULL,
    hash BLOB NOT NULL,
    prev_hash BLOB NOT NULL,
    merkle_root BLOB NOT NULL,
    version BIGINT NOT NULL,
    time BIGINT NOT NULL,
    bits BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    size INTEGER NOT NULL,
    tx_count INTEGER NOT NULL,
    mweb_size INTEGER NOT NULL,
    first_tx_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    txids_recomputed BOOLEAN NOT NULL,
    merkle_checked BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    tx_id BIGINT NOT NULL,
    txid BLOB USING COMPRESSION uncompressed NOT NULL,
    wtxid BLOB USING COMPRESSION uncompressed NOT NULL,
    block_height INTEGER NOT NULL,
    position INTEGER NOT NULL,
    version BIGINT NOT NULL,
    locktime BIGINT NOT NULL,
    size INTEGER NOT NULL,
    vsize INTEGER NOT NULL,
    input_count INTEGER NOT NULL,
    output_count INTEGER NOT NULL,
    is_coinbase BOOLEAN NOT NULL,
    has_mweb BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS addresses (
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    address_id BIGINT NOT NULL,
    script BLOB NOT NULL,
    address VARCHAR USING COMPRESSION uncompressed,
    script_type VARCHAR NOT NULL,
    first_height INTEGER NOT NULL,
    pubkey BLOB,
    address_hash BIGINT
);
CREATE TABLE IF NOT EXISTS outputs (
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    tx_id BIGINT NOT NULL,
    vout INTEGER NOT NULL,
    block_height INTEGER NOT NULL,
    value BIGINT NOT NULL,
    address_id BIGINT NOT NULL,
    spent_by_tx_id BIGINT,
    spent_by_vin INTEGER,
    spent_height INTEGER,
    p2pk BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS inputs (
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    tx_id BIGINT NOT NULL,
    vin INTEGER NOT NULL,
    block_height INTEGER NOT NULL,
    prev_tx_id BIGINT,
    prev_vout BIGINT NOT NULL,
    address_id BIGINT,
    value BIGINT,
    sequence BIGINT NOT NULL
);
"""

# Point lookups of the query API (address-info, tx, block) go through these
# ART indexes, IN lists of ids included (zone maps alone cost ~10-100 ms a query
# on a million transactions); bulk analytics scan the columns instead.
INDEXES_DDL = """
CREATE INDEX IF NOT EXISTS addresses_by_address_hash ON addresses (address_hash);
CREATE INDEX IF NOT EXISTS addresses_by_id ON addresses (address_id);
CREATE INDEX IF NOT EXISTS transactions_by_txid ON transactions (txid);
CREATE INDEX IF NOT EXISTS transactions_by_id ON transactions (tx_id);
CREATE INDEX IF NOT EXISTS outputs_by_address ON outputs (address_id);
CREATE INDEX IF NOT EXISTS outputs_by_tx ON outputs (tx_id);
CREATE INDEX IF NOT EXISTS inputs_by_address ON inputs (address_id);
CREATE INDEX IF NOT EXISTS inputs_by_tx ON inputs (tx_id);
CREATE INDEX IF NOT EXISTS blocks_by_hash ON blocks (hash);
"""

# Indexes earlier versions made and this one does not: opening a store for writing drops them. addresses(script)
# cost 1.3 CPU s per million transactions to build and served only a second try of address lookups, which now
# encode the script's address instead (queries.find_address); the writer's script joins are hash joins.
# addresses(address), the text, needed about 140 bytes an address and did not build within 192 MB at a million
# transactions (DuckDB builds an index whole, in memory); lookups go through addresses(address_hash) instead, which
# builds within 128 MB (cointrail.store.duckdb.address_hash).
RETIRED_INDEXES_DDL = "DROP INDEX IF EXISTS addresses_by_script; DROP INDEX IF EXISTS addresses_by_address;"

INDEX_NAMES = tuple(re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", INDEXES_DDL))
# Each index's statement, by name (a bulk load's end builds them one at a time)
INDEX_STATEMENTS = {name: line for line in INDEXES_DDL.strip().splitlines()
                    for name in re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", line)}  # fmt: skip


def missing_indexes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The lookup indexes the store lacks (a bulk load killed before its end left them out)."""
    held = {row[0] for row in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    return [name for name in INDEX_NAMES if name not in held]
# A bulk load (an ingest of more blocks than the store holds) drops them and builds them once at the end:
# maintaining ART indexes row by row cost about as much again as building them, more as the store grows.
DROP_INDEXES_DDL = "".join(f"DROP INDEX IF EXISTS {name};\n" for name in INDEX_NAMES)

# Derived, not exported (so not in TABLE_KEYS): each address's address-info answer
# with its top 20 counterparties, as JSON, for one indexed lookup per answer
# (cointrail.store.duckdb.address_lookup). The index is made after a full build's rows.
ADDRESS_LOOKUP_DDL = """
CREATE TABLE IF NOT EXISTS address_lookup (
    address VARCHAR NOT NULL,
    address_id BIGINT NOT NULL,
    answer VARCHAR NOT NULL,
    address_hash BIGINT NOT NULL
);
"""
# On the address's hash, as addresses' own lookups (cointrail.store.duckdb.address_hash): an index of the text needs
# about 140 bytes an address, built whole in memory.
ADDRESS_LOOKUP_INDEX_DDL = "CREATE INDEX IF NOT EXISTS address_lookup_by_hash ON address_lookup (address_hash);"


def layout_fingerprint() -> str:
    """A short digest of the tables' and indexes' definitions: what caches of stores (benchmarks) are keyed by,
    so that a store made by a version with another layout (compression, indexes) is not measured as this one's."""
    return hashlib.sha256((TABLES_DDL + INDEXES_DDL).encode()).hexdigest()[:10]


def tip(con: duckdb.DuckDBPyConnection) -> tuple[int, bytes] | None:
    """Height and hash of the highest stored block, or None for an empty store (``LedgerStore.tip``)."""
    rows = con.execute("SELECT height, hash FROM blocks ORDER BY height DESC LIMIT 1").fetchall()
    return (rows[0][0], bytes(rows[0][1])) if rows else None


def hash_at(con: duckdb.DuckDBPyConnection, height: int) -> bytes | None:
    """The stored block hash at ``height``, or None (``LedgerStore.hash_at``)."""
    rows = con.execute("SELECT hash FROM blocks WHERE height = ?", [height]).fetchall()
    return bytes(rows[0][0]) if rows else None


def hashes_between(con: duckdb.DuckDBPyConnection, low: int, high: int) -> dict[int, bytes]:
    """The stored block hashes at heights ``low..high`` (inclusive), by height (``LedgerStore.hashes_between``)."""
    rows = con.execute("SELECT height, hash FROM blocks WHERE height BETWEEN ? AND ?", [low, high]).fetchall()
    return {height: bytes(found) for height, found in rows}


def column_names(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns table ``table`` has (none if there is no such table): how optional columns are found."""
    return {row[0] for row in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                          [table]).fetchall()}  # fmt: skip


@contextlib.contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit set to ``limit`` (e.g. ``"1GB"``) for a large job, the connection's own put back after.

    Beyond it DuckDB's joins and aggregates spill to the store's temporary folder instead of growing.
    """
    (before,) = con.execute("SELECT current_setting('memory_limit')").fetchall()[0]
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{before}'")
