"""Per-address totals kept up to date by the writer, so address-info is one lookup.

``address_stats`` holds, for every address (script) seen, what it received
and sent, how many outputs and transactions, and its first and last
transaction. The writer adds each batch's share inside the batch's own
transaction (so an interrupted ingest resumes exactly), a roll-back recomputes
the addresses it touched from the rows that remain, and a store made before the
table existed gets it computed in full when first opened for writing.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

# One batch's (or a set of addresses') totals, from the outputs and resolved inputs.
_TOTALS = """
SELECT ? AS chain, ? AS network, address_id, sum(received)::BIGINT, sum(sent)::BIGINT,
       sum(n_out)::INTEGER, sum(n_in)::INTEGER, count(DISTINCT tx_id)::INTEGER, min(tx_id), max(tx_id)
FROM (
    SELECT address_id, tx_id, value AS received, 0 AS sent, 1 AS n_out, 0 AS n_in FROM outputs WHERE {outputs}
    UNION ALL
    SELECT address_id, tx_id, 0, value, 0, 1 FROM inputs WHERE address_id IS NOT NULL AND {inputs}
) GROUP BY address_id
"""

# A transaction lies wholly in one batch, so per-batch distinct counts add up exactly.
_ADD = (
    "INSERT INTO address_stats " + _TOTALS + """
ON CONFLICT (address_id) DO UPDATE SET
    received = received + excluded.received, sent = sent + excluded.sent,
    outputs_received = outputs_received + excluded.outputs_received,
    outputs_spent = outputs_spent + excluded.outputs_spent, tx_count = tx_count + excluded.tx_count,
    first_tx_id = least(first_tx_id, excluded.first_tx_id), last_tx_id = greatest(last_tx_id, excluded.last_tx_id)
"""
)

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
    last_tx_id BIGINT NOT NULL
);
"""


def add_heights(con: duckdb.DuckDBPyConnection, chain: str, network: str, lo: int, hi: int) -> None:
    """Add the totals of blocks ``lo``..``hi`` (just written, in the caller's transaction)."""
    heights = f"block_height BETWEEN {int(lo)} AND {int(hi)}"
    con.execute(_ADD.format(outputs=heights, inputs=heights), [chain, network])


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
    con.execute("INSERT INTO address_stats " + _TOTALS.format(outputs=mine, inputs=mine), [chain, network])
    con.execute("DROP TABLE touched")


def ensure(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> None:
    """Create the table in a store made before it existed, computed from every row."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "address_stats" in tables:
        return
    con.execute("BEGIN TRANSACTION")
    con.execute(DDL)
    con.execute("INSERT INTO address_stats " + _TOTALS.format(outputs="true", inputs="true"), [chain, network])
    con.execute("COMMIT")
