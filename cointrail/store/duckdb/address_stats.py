"""Per-address totals kept up to date by the writer, so address-info reads them in one lookup.

``address_stats`` holds, for every address (script) seen, what it received
and sent, how many outputs and transactions, and its first and last
transaction with where they are (height and block time): address-info but
the txids and the counterparties, in one row. The writer adds each batch's
share inside the batch's own transaction (so an interrupted ingest resumes
exactly), a roll-back recomputes the addresses it touched from the rows that
remain, and a store made before the table (or before its first/last-seen
columns) gets it computed in full when first opened for writing. A bulk load
adds its blocks' totals once at its end instead (:func:`defer`, :func:`catch_up`), as
:mod:`cointrail.store.duckdb.address_totals` added them up in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from cointrail.store.duckdb.address_totals import AddressTotals

# One batch's (or a set of addresses') totals, from the outputs and resolved inputs,
# with the height and block time of the first and last transaction. Heights come
# with the rows (tx_id order is height order); times from the blocks named by
# {blocks}: the batch's alone when adding a batch. Txids are left out on purpose:
# joining them in and storing two BLOBs per row cost about 0.3 s more per batch of
# 50,000 transactions (measured on the 1M benchmark chain: 0.53 s against 0.25 s),
# for one indexed lookup (~0.5 ms) fewer per address-info answer (docs/store.md).
_TOTALS = """
WITH totals AS (
    SELECT address_id, sum(received)::BIGINT AS received, sum(sent)::BIGINT AS sent,
           sum(n_out)::INTEGER AS n_out, sum(n_in)::INTEGER AS n_in, count(DISTINCT tx_id)::INTEGER AS n_tx,
           min(tx_id) AS first_tx_id, max(tx_id) AS last_tx_id,
           min(block_height) AS first_height, max(block_height) AS last_height
    FROM (
        SELECT address_id, tx_id, block_height, value AS received, 0 AS sent, 1 AS n_out, 0 AS n_in
        FROM outputs WHERE {outputs}
        UNION ALL
        SELECT address_id, tx_id, block_height, 0, value, 0, 1 FROM inputs WHERE address_id IS NOT NULL AND {inputs}
    ) GROUP BY address_id
), times AS (
    SELECT height, time FROM blocks WHERE {blocks}
)
SELECT ? AS chain, ? AS network, s.address_id, s.received, s.sent, s.n_out, s.n_in, s.n_tx,
       s.first_tx_id, s.last_tx_id, s.first_height, f.time, s.last_height, l.time
FROM totals s JOIN times f ON f.height = s.first_height JOIN times l ON l.height = s.last_height
"""

# A transaction lies wholly in one batch, so per-batch distinct counts add up
# exactly; the first and last seen move only when the batch's are earlier/later.
_MERGE = """
ON CONFLICT (address_id) DO UPDATE SET
    received = received + excluded.received, sent = sent + excluded.sent,
    outputs_received = outputs_received + excluded.outputs_received,
    outputs_spent = outputs_spent + excluded.outputs_spent, tx_count = tx_count + excluded.tx_count,
    first_tx_id = least(first_tx_id, excluded.first_tx_id), last_tx_id = greatest(last_tx_id, excluded.last_tx_id),
    first_height = CASE WHEN excluded.first_tx_id < first_tx_id THEN excluded.first_height ELSE first_height END,
    first_time = CASE WHEN excluded.first_tx_id < first_tx_id THEN excluded.first_time ELSE first_time END,
    last_height = CASE WHEN excluded.last_tx_id > last_tx_id THEN excluded.last_height ELSE last_height END,
    last_time = CASE WHEN excluded.last_tx_id > last_tx_id THEN excluded.last_time ELSE last_time END
"""
_ADD = "INSERT INTO address_stats " + _TOTALS + _MERGE

DDL = """
CREATE TABLE IF NOT EXISTS address_stats (
    chain VARCHAR NOT NULL,
    network VARCHAR NOT NULL,
    address_id BIGINT PRIMARY KEY,
    received BIGINT NOT NULL,
    sent BIGINT NOT NULL,
    outputs_received INTEGER NOT NULL,
    outputs_spent INTEGER NOT NULL,
    tx_count INTEGER NOT NULL,
    first_tx_id BIGINT NOT NULL,
    last_tx_id BIGINT NOT NULL,
    first_height INTEGER NOT NULL,
    first_time BIGINT NOT NULL,
    last_height INTEGER NOT NULL,
    last_time BIGINT NOT NULL
);
"""

# The newest column: a store whose address_stats lacks it was made by an older version.
_NEWEST_COLUMN = "last_time"


def add_heights(con: duckdb.DuckDBPyConnection, chain: str, network: str, lo: int, hi: int) -> None:
    """Add the totals of blocks ``lo``..``hi`` (just written, in the caller's transaction)."""
    heights = f"block_height BETWEEN {int(lo)} AND {int(hi)}"
    con.execute(_ADD.format(outputs=heights, inputs=heights, blocks=f"height BETWEEN {int(lo)} AND {int(hi)}"),
                [chain, network])


def recompute_above(con: duckdb.DuckDBPyConnection, chain: str, network: str, height: int,
                    delete_rows: Sequence[tuple[str, list[object]]]) -> None:  # fmt: skip
    """Run ``delete_rows`` (a roll-back to ``height``) and recompute every address it touched."""
    above = f"block_height > {int(height)}"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT address_id FROM ("
        f"SELECT address_id FROM outputs WHERE {above} UNION ALL "
        f"SELECT address_id FROM inputs WHERE address_id IS NOT NULL AND {above})"
    )
    con.execute("DELETE FROM address_stats WHERE address_id IN (SELECT address_id FROM touched)")
    for statement, params in delete_rows:
        con.execute(statement, params)
    mine = "address_id IN (SELECT address_id FROM touched)"
    # Their first transactions can lie anywhere below the fork point: every block is a candidate.
    totals = _TOTALS.format(outputs=mine, inputs=mine, blocks="true")
    con.execute("INSERT INTO address_stats " + totals, [chain, network])
    con.execute("DROP TABLE touched")


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store's address_stats exists with every column of this version."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'address_stats' AND column_name = ?", [_NEWEST_COLUMN]
    ).fetchall()
    return bool(row[0][0])


def ensure(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> None:
    """Create the table in a store made before it (or before its newest columns), computed from every row.

    An older table is dropped and computed again rather than altered: every
    column is derived from the stored rows, and the result is then exactly what
    the writer would have kept.
    """
    if is_current(con):
        return
    con.execute("BEGIN TRANSACTION")
    con.execute("DROP TABLE IF EXISTS address_stats")
    con.execute(DDL)
    rebuild(con, chain, network)
    con.execute("COMMIT")


def rebuild(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> None:
    """Compute the whole table again from the stored rows, in the caller's transaction."""
    con.execute("DELETE FROM address_stats")
    totals = _TOTALS.format(outputs="true", inputs="true", blocks="true")
    con.execute("INSERT INTO address_stats " + totals, [chain, network])
    con.execute("DELETE FROM meta WHERE key = ?", [_DEFERRED_KEY])  # nothing is left to add


# A bulk load adds the totals of all its blocks at its end, set-based, instead of per batch: on the 1M benchmark
# chain, bulk loads interleaved in one run, 3.9 against 4.8 CPU s for address_stats, 25.4 against 27.6 s in all
# (best of 2 each, a loaded machine; docs/benchmarks.md has the breakdown). This meta row, committed before its
# first batch, says from which height the table lacks them: until they are added (by the load's end, or by the next
# open for writing after a kill), the table is not to be read (:func:`is_usable`).
_DEFERRED_KEY = "address_stats_deferred_from"


def defer(con: duckdb.DuckDBPyConnection, height: int) -> None:
    """Note (committed, outside any transaction) that the totals of blocks from ``height`` on will be added later."""
    con.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [_DEFERRED_KEY, str(int(height))])


def deferred_from(con: duckdb.DuckDBPyConnection) -> int | None:
    """The first height whose totals the table lacks, or None when it is up to date."""
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [_DEFERRED_KEY]).fetchall()
    return int(rows[0][0]) if rows else None


def catch_up(con: duckdb.DuckDBPyConnection, chain: str, network: str, totals: AddressTotals | None = None) -> None:
    """Add the totals a bulk load deferred (also one killed midway), in one transaction.

    ``totals``, when the load added them up itself from the height it deferred
    from, are inserted as they are; otherwise they are computed from the rows.
    """
    lo = deferred_from(con)
    if lo is None:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        if totals is not None and totals.first_height == lo:
            _insert_totals(con, chain, network, totals, merge=lo > 0)
        elif lo == 0:  # the store was empty: one plain INSERT, no merge
            rebuild(con, chain, network)
        else:
            add_heights(con, chain, network, lo, 2**31 - 1)
        con.execute("DELETE FROM meta WHERE key = ?", [_DEFERRED_KEY])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_totals(con: duckdb.DuckDBPyConnection, chain: str, network: str, totals: AddressTotals,
                   merge: bool) -> None:  # fmt: skip
    """Insert totals added up in memory; ``merge`` adds them to rows already there (a load onto a non-empty store)."""
    con.register("b_totals", totals.table())
    try:
        con.execute(f"INSERT INTO address_stats SELECT ?, ?, * FROM b_totals {_MERGE if merge else ''}",
                    [chain, network])  # fmt: skip
    finally:
        con.unregister("b_totals")


def is_usable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether queries may read the table: of this version, and with no bulk load's totals still to add."""
    return is_current(con) and deferred_from(con) is None


def columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """This version's columns of the table, in order (what an export of it holds)."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'address_stats' ORDER BY column_index"
    ).fetchall()
    return [r[0] for r in rows]
