"""A serving index of address-info answers: one indexed point query per answer.

DuckDB is a columnar, analytical engine: every query pays a fixed cost
(parse, bind, optimize, run) of about a quarter of a millisecond, so the
chain of lookups that computes an answer from the ledger (the address, its
totals, both sides of its transactions, its counterparties' names) cannot
come under about 3 ms. ``address_lookup`` keeps each address's default answer
(totals, first and last seen, its top 20 counterparties) precomputed, as JSON,
keyed by the address string: the classic serving-index pattern, which
GraphSense uses for the same reason (its analytical store computes, keyed
tables serve the point lookups).

The table is derived: computed set-based from the stored rows and
``address_stats``, never exported to Parquet, and valid only for the tip named
by its stamp in ``meta`` (height and hash). :func:`refresh_address_lookup`
brings it to the tip in one transaction (so a kill at any moment leaves the
old valid state or the new one); a roll-back recomputes the addresses it
touched (:func:`recompute_for_rollback`). ``address_info`` reads it only when
the stamp names the current tip, which the :class:`LedgerStore` object knows
without a query (docs/store.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb

from cointrail.chains.bitcoin.model import display_hash
from cointrail.store.duckdb import schema

if TYPE_CHECKING:  # the store imports this module
    from cointrail.store.duckdb.store import LedgerStore

# How many counterparties a stored answer lists: address_info's default.
STORED_COUNTERPARTIES = 20

# Addresses per statement of a full build (see _build).
BUILD_CHUNK = 100_000

# DuckDB's memory limit while the table is computed: by default DuckDB may use 80 % of
# the machine's memory, caching every block it scans; the project's target for a 1M
# transaction ingest (which ends with this build under `ingest --address-lookup`) is 2 GB for the whole process.
BUILD_MEMORY = "1GB"

_STAMP_HEIGHT, _STAMP_HASH = "address_lookup_height", "address_lookup_hash"
# Which definition of the answers the table holds: a table of another definition (a store written by an older
# version, e.g. one whose paid_us summed the counterparty's input values) is no stamp, so a read-only open answers
# live and the next ingest or `cointrail store index` builds the table again in full.
# 3: the address hash (its index replaces the text's).
_STAMP_DEFINITION, DEFINITION = "address_lookup_definition", "3"


# The counterparties of the addresses {mine}, exactly as queries._other_sides and
# queries._ranked define and order them: for each distinct transaction paying the
# address, the addresses of its inputs, each credited once per transaction with what
# the transaction paid the address (paid_us); for each distinct one spending from it,
# its outputs (we_paid); the address itself and coinbase inputs (no address) left out;
# ranked by transactions in common (descending), then address id; the top 20.
# Rows are first summed per (address, counterparty, transaction), so that the
# count of transactions is a plain count (a DISTINCT count measured slower).
_COUNTERPARTIES = """
WITH pays AS (SELECT address_id AS me, tx_id, sum(value) AS got FROM outputs WHERE {mine} GROUP BY ALL),
spends AS (SELECT DISTINCT address_id AS me, tx_id FROM inputs WHERE address_id IS NOT NULL AND {mine}),
sides AS (
    SELECT p.me, i.address_id AS other, i.tx_id, p.got AS paid_us, 0 AS we_paid
    FROM pays p JOIN inputs i USING (tx_id) WHERE i.address_id IS NOT NULL AND i.address_id <> p.me
    UNION ALL
    SELECT s.me, o.address_id, o.tx_id, 0, o.value FROM spends s JOIN outputs o USING (tx_id)
    WHERE o.address_id <> s.me
), per_tx AS (
    -- max, not sum: every input row of one counterparty in a paying transaction carries the same payment
    SELECT me, other, max(paid_us) AS paid_us, sum(we_paid) AS we_paid FROM sides GROUP BY me, other, tx_id
), ranked AS (
    SELECT me, other, count(*)::INTEGER AS n, sum(paid_us)::BIGINT AS paid_us, sum(we_paid)::BIGINT AS we_paid
    FROM per_tx GROUP BY me, other
    QUALIFY row_number() OVER (PARTITION BY me ORDER BY n DESC, other) <= {limit}
)
SELECT r.me, to_json(list(json_array(a.address, lower(hex(a.script)), a.script_type, r.n, r.paid_us, r.we_paid)
                          ORDER BY r.n DESC, r.other)) AS parties
FROM ranked r JOIN addresses a ON a.address_id = r.other GROUP BY r.me
"""

# The answers of the addresses {mine} that have an address string: a JSON array of
# the fields of address_info that are not known before the lookup, in ANSWER_FIELDS
# order, the counterparties as arrays of PARTY_FIELDS. Arrays, not objects, and the
# txids in internal byte order: about half the bytes to store and build (address_info
# names the fields and reverses the txids, in microseconds).
_ROWS = """
INSERT INTO address_lookup
WITH parties AS ({counterparties})
SELECT a.address, a.address_id, json_array(
    lower(hex(a.script)), a.script_type, s.received, s.sent, s.outputs_received, s.outputs_spent, s.tx_count,
    lower(hex(f.txid)), s.first_height, s.first_time, lower(hex(l.txid)), s.last_height, s.last_time,
    coalesce(p.parties, '[]'::JSON), lower(hex(a.pubkey))
)::VARCHAR, a.address_hash
FROM (SELECT * FROM address_stats WHERE {mine}) s JOIN addresses a ON a.address_id = s.address_id
JOIN transactions f ON f.tx_id = s.first_tx_id JOIN transactions l ON l.tx_id = s.last_tx_id
LEFT JOIN parties p ON p.me = s.address_id
WHERE a.address IS NOT NULL
"""

ANSWER_FIELDS = (
    "script_pubkey", "type", "received", "sent", "outputs_received", "outputs_spent", "tx_count",
    "first_txid", "first_height", "first_time", "last_txid", "last_height", "last_time", "counterparties",
    "pubkey",  # the bare key of an address paid to one (cointrail.store.duckdb.p2pk), else null
)  # fmt: skip
PARTY_FIELDS = ("address", "script_pubkey", "type", "transactions", "paid_us", "we_paid")


def _insert_answers(con: duckdb.DuckDBPyConnection, mine: str) -> None:
    """Insert the answers of the addresses matching ``mine`` (a condition on ``address_id``, unqualified)."""
    counterparties = _COUNTERPARTIES.format(mine=mine, limit=STORED_COUNTERPARTIES)
    con.execute(_ROWS.format(counterparties=counterparties, mine=mine))


def exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has the table (built once by request; every later ingest keeps it up)."""
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'address_lookup'").fetchall()
    return bool(found[0][0])


def was_built(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``meta`` carries a stamp, table or not: an imported export of a store that had the table."""
    (count,) = con.execute("SELECT count(*) FROM meta WHERE key = ?", [_STAMP_HEIGHT]).fetchall()[0]
    return bool(count)


def stamp(con: duckdb.DuckDBPyConnection) -> tuple[int, bytes] | None:
    """The height and hash of the tip the table describes, or None (never built, or invalidated).

    A stamp without the table (meta imported from an export, which leaves the
    derived table out) is no stamp.
    """
    if not exists(con):
        return None
    keys = [_STAMP_HEIGHT, _STAMP_HASH, _STAMP_DEFINITION]
    values = dict(con.execute("SELECT key, value FROM meta WHERE key IN (?, ?, ?)", keys).fetchall())
    if len(values) < 3 or values[_STAMP_DEFINITION] != DEFINITION:
        return None
    return int(values[_STAMP_HEIGHT]), bytes.fromhex(values[_STAMP_HASH])


def _set_stamp(con: duckdb.DuckDBPyConnection, tip: tuple[int, bytes] | None) -> None:
    con.execute("DELETE FROM meta WHERE key IN (?, ?, ?)", [_STAMP_HEIGHT, _STAMP_HASH, _STAMP_DEFINITION])
    if tip is not None:
        con.executemany("INSERT INTO meta VALUES (?, ?)", [
            [_STAMP_HEIGHT, str(tip[0])], [_STAMP_HASH, tip[1].hex()], [_STAMP_DEFINITION, DEFINITION]])  # fmt: skip


def invalidate(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the stamp: the next refresh builds the table in full (a store upgraded in place)."""
    _set_stamp(con, None)


def is_valid(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the table describes the stored tip (a read-only store of an older version has no stamp)."""
    tip = schema.tip(con)
    return tip is not None and stamp(con) == tip


def _build(con: duckdb.DuckDBPyConnection) -> None:
    """The whole table again, a range of addresses at a time; the index is made after the rows.

    On the one-million-transaction benchmark store (1.85 million addresses),
    one statement over every address peaked at about 5 GB, mostly aggregate
    states outside DuckDB's memory limit (the lists of counterparties being
    built); ranges of 250,000 addresses at 2.6 GB, of 100,000 at 1.4 GB, within
    the project's 2 GB target, for scans of the ledger's tables per range.
    """
    con.execute("DROP TABLE IF EXISTS address_lookup")
    con.execute(schema.ADDRESS_LOOKUP_DDL)
    (top,) = con.execute("SELECT coalesce(max(address_id), -1) FROM address_stats").fetchall()[0]
    for lo in range(0, top + 1, BUILD_CHUNK):
        _insert_answers(con, f"address_id BETWEEN {lo} AND {lo + BUILD_CHUNK - 1}")
    con.execute(schema.ADDRESS_LOOKUP_INDEX_DDL)


def _touched_above(con: duckdb.DuckDBPyConnection, height: int) -> int:
    """The addresses of every output and input above ``height``, as the temp table ``lookup_touched``; how many."""
    above = f"block_height > {int(height)}"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lookup_touched AS SELECT DISTINCT address_id FROM ("
        f"SELECT address_id FROM outputs WHERE {above} UNION ALL "
        f"SELECT address_id FROM inputs WHERE address_id IS NOT NULL AND {above})"
    )
    return int(con.execute("SELECT count(*) FROM lookup_touched").fetchall()[0][0])


def _recompute_touched(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the answers of the addresses in ``lookup_touched`` by ones computed from their whole history."""
    mine = "address_id IN (SELECT address_id FROM lookup_touched)"
    con.execute(f"DELETE FROM address_lookup WHERE {mine}")
    _insert_answers(con, mine)
    con.execute("DROP TABLE lookup_touched")


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], str]) -> str:
    """Run ``work`` in one transaction, under BUILD_MEMORY (the connection's own limit restored after)."""
    with schema.memory_limit(con, BUILD_MEMORY):
        con.execute("BEGIN TRANSACTION")
        try:
            done = work()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return done


def refresh(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> str:
    """Bring the table to the stored tip in one transaction; say how: ``full``, ``incremental`` or ``current``.

    In full when asked, when never built or when its stamp is no longer on
    the stored chain; otherwise only the addresses of transactions above the
    stamp (an untouched address's transactions, and so its counterparties, are
    unchanged), unless they are more than a range of the full build: then in
    full, which bounds the memory the same way.
    """
    tip, mark = schema.tip(con), stamp(con)
    if not full and tip is not None and mark == tip:
        return "current"
    on_chain = mark is not None and schema.hash_at(con, mark[0]) == mark[1]
    how = "incremental" if not full and on_chain else "full"

    def work() -> str:
        if how == "incremental" and _touched_above(con, mark[0]) <= BUILD_CHUNK:  # type: ignore[index]
            _recompute_touched(con)
            done = "incremental"
        else:
            con.execute("DROP TABLE IF EXISTS lookup_touched")
            _build(con)
            done = "full"
        _set_stamp(con, tip)
        return done

    return _in_transaction(con, work)


def recompute_for_rollback(con: duckdb.DuckDBPyConnection, height: int, roll_back: Callable[[], None]) -> None:
    """Run ``roll_back`` (to ``height``, in the caller's transaction) and keep the table exact for what remains.

    A stamp at or below the fork point still describes its height. Above it,
    the addresses of the rows being removed are recomputed from what remains,
    and the stamp moves to the fork point: every other address's answer is the
    same at both heights.
    """
    mark = stamp(con)
    if mark is None or mark[0] <= height:
        roll_back()
        return
    _touched_above(con, height)
    roll_back()
    _recompute_touched(con)
    fork = schema.hash_at(con, height)
    _set_stamp(con, (height, fork) if fork is not None else None)


def refresh_address_lookup(store: LedgerStore, *, full: bool = False) -> dict[str, Any]:
    """Bring ``address_lookup`` to the store's tip (see :func:`refresh`); what was done, as plain data.

    ``refresh`` is ``full``, ``incremental`` or ``current`` (nothing to do);
    ``tip`` the height and block hash the table now describes (null for an
    empty store).
    """
    began = time.perf_counter()
    how = refresh(store.con, full=full)
    store.lookup_refreshed()
    mark = stamp(store.con)
    (rows,) = store.con.execute("SELECT count(*) FROM address_lookup").fetchall()[0]
    return {"db": str(store.path), "chain": store.chain, "network": store.network, "refresh": how,
            "tip": None if mark is None else {"height": mark[0], "hash": display_hash(mark[1])},
            "addresses": rows, "seconds": round(time.perf_counter() - began, 3)}  # fmt: skip
