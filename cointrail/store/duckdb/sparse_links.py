"""A sparse store's links between its transactions, made once at a crawl's end (issue 15).

A crawl writes transactions as it fetches them, in any order: an input whose funding transaction is fetched later
is linked to it (its address and value, and the funder's output marked spent) by :func:`link`, and the per-address
totals (``address_stats``) are computed from those links. Both read the whole store, so doing them at every commit
made a crawl quadratic in its size: 15 of them cost 0.30 s of a 1.7 s crawl of 57 transactions
(docs/benchmarks.md). A crawl therefore defers them (:func:`defer`) and links once, in its last commit.

Until then the store is stale, and says so: the meta row written by :func:`defer` is committed with the crawl's
first write that is not its last and deleted in the transaction that links. A crawl killed half way leaves the
row; every open mends such a store before anything reads it (:meth:`cointrail.store.duckdb.store.LedgerStore.open`),
so no query ever sees a half-linked store (an output shown unspent whose spender is stored, an input without its
value).
"""

from __future__ import annotations

import duckdb

from cointrail.store.duckdb import address_stats

DEFERRED_KEY = "sparse_links_deferred"

# Inputs whose funding transaction is stored get its proven output (address, value): verified; that output is
# marked spent by them; each address's first height is its first output's. Each statement touches only rows not
# linked yet, so linking once after many writes gives the same rows as linking after each.
_LINK = """
UPDATE inputs SET prev_tx_id = t.tx_id, address_id = o.address_id, value = o.value
FROM sparse_outpoints p, transactions t, outputs o
WHERE inputs.prev_tx_id IS NULL AND inputs.tx_id = p.tx_id AND inputs.vin = p.vin AND t.txid = p.prev_txid
  AND o.tx_id = t.tx_id AND o.vout = p.prev_vout;
UPDATE sparse_outpoints SET verified = true FROM inputs i
WHERE NOT sparse_outpoints.verified AND i.tx_id = sparse_outpoints.tx_id AND i.vin = sparse_outpoints.vin
  AND i.prev_tx_id IS NOT NULL;
UPDATE outputs SET spent_by_tx_id = i.tx_id, spent_by_vin = i.vin, spent_height = i.block_height FROM inputs i
WHERE outputs.spent_by_tx_id IS NULL AND i.prev_tx_id = outputs.tx_id AND i.prev_vout = outputs.vout;
UPDATE addresses SET first_height = f.height
FROM (SELECT address_id, min(block_height) AS height FROM outputs GROUP BY address_id) f
WHERE addresses.address_id = f.address_id AND addresses.first_height <> f.height;
"""


def link(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> None:
    """Link every input to its stored funder and compute the address totals again, in the caller's transaction."""
    con.execute(_LINK)
    address_stats.rebuild(con, chain, network)  # a sparse store's rows lie at any height: all of it, not a range


def defer(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the store as holding writes not linked yet, in the transaction of the first such write (or before)."""
    con.execute("INSERT INTO meta VALUES (?, 'true') ON CONFLICT (key) DO NOTHING", [DEFERRED_KEY])


def undefer(con: duckdb.DuckDBPyConnection) -> None:
    """Clear the mark, in the transaction that links (:func:`link`)."""
    con.execute("DELETE FROM meta WHERE key = ?", [DEFERRED_KEY])


def deferred(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether writes since :func:`defer` are not linked yet (a crawl under way, or one killed half way)."""
    return bool(con.execute("SELECT count(*) FROM meta WHERE key = ?", [DEFERRED_KEY]).fetchall()[0][0])


def mend(con: duckdb.DuckDBPyConnection, chain: str, network: str) -> bool:
    """Make the links a deferring crawl left out, in one transaction; whether there were any to make."""
    if not deferred(con):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        link(con, chain, network)
        undefer(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True
