"""The address hash: a stored 64-bit key of each address string, which lookups by address go through (issue 20).

An index of the address strings themselves costs about 140 bytes an address, and DuckDB builds an index in memory,
whole: at a million transactions it did not fit a 192 MB budget, and it grows with the chain. An index of a BIGINT
column is a fraction of that. DuckDB does not use an index on an expression, so the hash is a stored column,
``addresses.address_hash``, and a lookup by text asks ``address_hash = ?`` and keeps the rows whose text is the
address (:func:`find`: two addresses may share a hash; the text is compared in Python because DuckDB 2.0.1 uses an
index only for a filter of one condition, and ``address_hash = ? AND address = ?`` scans the table).

The hash is defined here and nowhere else: **the first 8 bytes of the SHA-256 of the address's UTF-8 text, read
big-endian as a signed 64-bit integer** (signed, as every integer column of the Parquet export: docs/store.md).
Not DuckDB's ``hash()``, whose values are not promised from one version to the next. Three implementations give
the same values (tested): :func:`of` for one address (a lookup), :func:`column` for an Arrow column of them (the
ingest, compiled), :func:`sql` for a column in SQL (a store or an export made before the column, filled in place).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cointrail.chains.bitcoin import digests
from cointrail.store.duckdb.chainstate import binary_layout

COLUMN = "address_hash"
Rows = Callable[[str, Sequence[object]], list[tuple]]  # a query's rows, from its SQL and parameters


def of(address: str) -> int:
    """The hash of one address string."""
    return int.from_bytes(hashlib.sha256(address.encode()).digest()[:8], "big", signed=True)


def column(addresses: pa.Array | pa.ChunkedArray) -> pa.Int64Array:
    """The hash of each string of an Arrow column of addresses; NULL where the address is NULL."""
    if isinstance(addresses, pa.ChunkedArray):
        addresses = addresses.combine_chunks() if addresses.num_chunks else pa.array([], pa.string())
    data, offsets = binary_layout(addresses.cast(pa.large_binary()), copy=False)
    digest = digests.sha256_ranges(data, np.stack([offsets[:-1], offsets[1:]], axis=1))
    values = digest[:, :8].copy().view(">i8").ravel().astype(np.int64)
    hashes = pa.array(values, pa.int64())
    return pc.if_else(addresses.is_valid(), hashes, pa.scalar(None, pa.int64())) if addresses.null_count else hashes


def sql(expression: str) -> str:
    """SQL for the hash of the VARCHAR ``expression`` (NULL for NULL): ``sha256`` gives hex, whose first 16 digits
    are read as unsigned and brought into the signed range."""
    digits = f"('0x' || left(sha256({expression}), 16))::UBIGINT"
    return f"({digits}::HUGEINT - ({digits} >> 63)::HUGEINT * 18446744073709551616)::BIGINT"


def find(rows: Rows, table: str, columns: str, address: str, *, hashed: bool = True) -> list[tuple]:
    """The ``columns`` (SQL) of the rows of ``table`` (``addresses``, ``address_lookup``) whose address is
    ``address``, asked through ``rows`` (a store's ``rows``, or :func:`rows_of` a connection): by the address's hash
    through its index, or by its text where the table has no hash (``hashed`` False: a store made before it, opened
    read-only, whose index is on the text)."""
    if not hashed:
        return rows(f"SELECT {columns} FROM {table} WHERE address = ?", [address])
    found = rows(f"SELECT {columns}, address FROM {table} WHERE {COLUMN} = ?", [of(address)])
    return [row[:-1] for row in found if row[-1] == address]


def rows_of(con: duckdb.DuckDBPyConnection) -> Rows:
    """A connection's query, as :func:`find` asks it."""
    return lambda sql, params: con.execute(sql, list(params)).fetchall()


def probe(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``addresses`` has the hash, by asking for it (0.6 ms on the 1M benchmark store, against 3-30 ms for
    the catalog's column list); outside a transaction only (a failed statement would end it)."""
    try:
        con.execute(f"SELECT {COLUMN} FROM addresses LIMIT 0").fetchall()
    except duckdb.BinderException:
        return False
    return True


def has_column(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store's ``addresses`` has the hash (all but stores made before it, until opened for writing)."""
    found = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'addresses' AND column_name = ?",
                        [COLUMN]).fetchall()  # fmt: skip
    return bool(found[0][0])


def fill(con: duckdb.DuckDBPyConnection) -> int:
    """Hash the addresses that have none yet (an import of an export made before the column); how many."""
    (missing,) = con.execute(f"SELECT count(*) FROM addresses WHERE {COLUMN} IS NULL AND address IS NOT NULL"
                             ).fetchall()[0]  # fmt: skip
    if missing:
        con.execute(f"UPDATE addresses SET {COLUMN} = {sql('address')} WHERE {COLUMN} IS NULL AND address IS NOT NULL")
    return int(missing)


def upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """Give a store made before the hash its column, filled, in one transaction; whether it lacked it."""
    if has_column(con):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"ALTER TABLE addresses ADD COLUMN IF NOT EXISTS {COLUMN} BIGINT")
        fill(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True
