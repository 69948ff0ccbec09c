"""The DuckDB implementation of :class:`~cointrail.store.interface.LedgerArrays`, what clustering reads.

Clustering asks for columns (NumPy arrays of dense integer ids) over a range of
block heights; this module answers with set-based SQL on the ledger tables.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from cointrail.chains.bitcoin.model import ResolvedTransaction, Transaction, TxIn, TxOut
from cointrail.store.duckdb.sql import row
from cointrail.store.interface import SpendingInputs, TxOutputs


def arrow_table(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | dict[str, object]) -> pa.Table:
    """Run ``sql`` and return its rows as Arrow, without the copy a DB-API result makes.

    ``complete()`` first: a caller's ``fetchone()`` may have left a result
    open, and DuckDB refuses a relation on a connection with one.
    """
    con.complete()
    return con.sql(sql, params=params).to_arrow_table()


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


class DuckDBLedgerArrays:
    """:class:`~cointrail.store.interface.LedgerArrays` over an open DuckDB ledger store connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def tip_height(self) -> int | None:
        return row(self.con, "SELECT max(height) FROM blocks")[0]

    def address_count(self) -> int:
        return int(row(self.con, "SELECT coalesce(max(address_id) + 1, 0) FROM addresses")[0])

    def spending_inputs(self, lo: int, hi: int, types: bool = True) -> SpendingInputs:
        """The inputs with an address; their script types only with ``types`` (the change heuristics read them,
        the multi-input heuristic does not: the join to ``addresses`` was most of this read's cost)."""
        if not types:
            table = arrow_table(self.con, _SPENDING_INPUTS_UNTYPED, [lo, hi])
            return SpendingInputs(_column(table, "tx_id"), _column(table, "address_id"), _column(table, "value"),
                                  np.empty(0, object))  # fmt: skip
        table = arrow_table(self.con, _SPENDING_INPUTS, [lo, hi])
        return SpendingInputs(*(_column(table, c) for c in ("tx_id", "address_id", "value", "script_type")))

    def payment_outputs(self, lo: int, hi: int) -> TxOutputs:
        """Outputs of non-coinbase two-output transactions (what the change heuristics look at)."""
        table = arrow_table(self.con, _PAYMENT_OUTPUTS, [lo, hi])
        names = ("tx_id", "vout", "address_id", "value", "script_type", "first_tx_id")
        return TxOutputs(*(_column(table, c) for c in names))

    def coinjoin_candidates(
        self, lo: int, hi: int, min_equal: int, min_inputs: int
    ) -> list[tuple[int, ResolvedTransaction]]:
        """Transactions a CoinJoin or small-join rule could flag, prefiltered in SQL, with their spent outputs.

        Only these leave the database: a group of at least ``min_equal`` equal
        outputs; or some equal outputs, two inputs or more, and at most one other
        output per equal one plus one; or at least ``min_inputs`` inputs.
        """
        params = {"lo": lo, "hi": hi, "min_equal": min_equal, "min_inputs": min_inputs}
        ids = [tx_id for (tx_id,) in self.con.execute(_CANDIDATES, params).fetchall()]
        return list(zip(ids, self._resolved_many(ids, lo, hi), strict=True))

    def payjoin_signs(self, lo: int, hi: int, max_inputs: int) -> pa.Table:
        """Two-output payments a PayJoin could be, found in SQL alone (they are many: no transaction is read).

        Each transaction of two unequal outputs and 2..``max_inputs`` inputs of known scripts, at least two
        different, paying no input's script, whose larger output is larger than its smallest input, or whose two
        inputs of two script types are each paid back in their type:
        :class:`~cointrail.heuristics.collaborative.PayJoinRule`, set-based.
        """
        return arrow_table(self.con, _PAYJOIN, {"lo": lo, "hi": hi, "most": max_inputs})

    def resolved_transactions(self, ids: list[int], lo: int, hi: int) -> list[ResolvedTransaction]:
        """Transactions ``ids`` (mined at heights ``lo..hi``) with their inputs' spent outputs, as the CoinJoin
        rules read them; in tx_id order."""
        return self._resolved_many(sorted(ids), lo, hi)

    def _resolved_many(self, ids: list[int], lo: int, hi: int) -> list[ResolvedTransaction]:
        """The candidates with their inputs' spent outputs: three set-based queries, not three per transaction."""
        if not ids:
            return []
        self.con.register("cj_ids", pa.table({"tx_id": np.array(ids, np.int64)}))
        try:
            heads = self.con.execute(_HEADS, [lo, hi]).fetchall()
            outs = _by_tx(self.con.execute(_OUTS, [lo, hi]).fetchall())
            ins = _by_tx(self.con.execute(_INS, [lo, hi]).fetchall())
        finally:
            self.con.unregister("cj_ids")
        return [_transaction(head, outs.get(head[0], []), ins.get(head[0], [])) for head in heads]


def _by_tx(rows: list[tuple]) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for r in rows:
        grouped.setdefault(r[0], []).append(r[1:])
    return grouped


def _transaction(head: tuple, outs: list[tuple], ins: list[tuple]) -> ResolvedTransaction:
    _, txid, wtxid, version, locktime, size, vsize, coinbase = head
    tx = Transaction(
        txid=bytes(txid), wtxid=bytes(wtxid), version=version, locktime=locktime, size=size, vsize=vsize,
        inputs=tuple(TxIn(bytes(p), vout, b"", seq) for p, vout, seq, _, _ in ins),
        outputs=tuple(TxOut(value, bytes(script)) for value, script in outs),
    )  # fmt: skip
    spent = () if coinbase else tuple(TxOut(value, bytes(script)) for _, _, _, value, script in ins)
    return ResolvedTransaction(tx, spent)


_HEADS = """
SELECT tx_id, txid, wtxid, version, locktime, size, vsize, is_coinbase FROM transactions
WHERE block_height BETWEEN ? AND ? AND tx_id IN (SELECT tx_id FROM cj_ids) ORDER BY tx_id
"""

_OUTS = """
SELECT o.tx_id, o.value, a.script FROM outputs o JOIN addresses a USING (address_id)
WHERE o.block_height BETWEEN ? AND ? AND o.tx_id IN (SELECT tx_id FROM cj_ids) ORDER BY o.tx_id, o.vout
"""

_INS = """
SELECT i.tx_id, coalesce(p.txid, ''::BLOB), i.prev_vout, i.sequence, coalesce(i.value, 0), coalesce(a.script, ''::BLOB)
FROM inputs i LEFT JOIN transactions p ON p.tx_id = i.prev_tx_id LEFT JOIN addresses a ON a.address_id = i.address_id
WHERE i.block_height BETWEEN ? AND ? AND i.tx_id IN (SELECT tx_id FROM cj_ids) ORDER BY i.tx_id, i.vin
"""

# The cheap prefilter (issue 12): equal-output groups are counted once per (tx, value).
_CANDIDATES = """
WITH t AS (
    SELECT tx_id, input_count, output_count FROM transactions
    WHERE block_height BETWEEN $lo AND $hi AND NOT is_coinbase
), eq AS (
    SELECT tx_id, max(n) AS largest, sum(n) AS equal FROM (
        SELECT tx_id, count(*) AS n FROM outputs WHERE block_height BETWEEN $lo AND $hi
        GROUP BY tx_id, value HAVING count(*) >= 2
    ) GROUP BY tx_id
)
SELECT tx_id FROM eq JOIN t USING (tx_id)
WHERE eq.largest >= $min_equal OR (t.input_count >= 2 AND t.output_count <= 2 * eq.equal + 1)
UNION
SELECT tx_id FROM t WHERE input_count >= $min_inputs
ORDER BY tx_id
"""

# One pass over the candidates' outputs, then one over their inputs, grouped by transaction on the inputs' own
# columns before the per-transaction facts are joined back (a transaction has two outputs here, so "pays an input's
# script" is a comparison with two ids). Grouping with those facts carried along (any_value of six columns) was 15 %
# slower on the 1M chain.
_PAYJOIN = """
WITH pj AS (
    SELECT tx_id, input_count FROM transactions
    WHERE block_height BETWEEN $lo AND $hi AND NOT is_coinbase AND output_count = 2 AND input_count BETWEEN 2 AND $most
), o AS (
    SELECT o.tx_id, min(o.value) AS smallest, max(o.value) AS largest, min(o.address_id) AS a1,
           max(o.address_id) AS a2, min(a.script_type) AS k1, max(a.script_type) AS k2
    FROM outputs o JOIN addresses a USING (address_id)
    WHERE o.block_height BETWEEN $lo AND $hi AND o.tx_id IN (SELECT tx_id FROM pj) GROUP BY o.tx_id
    HAVING min(o.value) < max(o.value)
), ia AS (
    SELECT i.tx_id, i.address_id, i.value, o.a1, o.a2 FROM inputs i JOIN o USING (tx_id)
    WHERE i.block_height BETWEEN $lo AND $hi
), g AS (
    SELECT ia.tx_id, min(ia.value) AS smallest, count(DISTINCT ia.address_id) AS scripts,
           count(a.address_id) AS known, list_sort(list(DISTINCT a.script_type)) AS kinds,
           bool_or(ia.address_id IN (ia.a1, ia.a2)) AS back
    FROM ia LEFT JOIN addresses a ON a.address_id = ia.address_id GROUP BY ia.tx_id
), i AS (
    SELECT g.tx_id, pj.input_count AS n, g.smallest, g.scripts, g.known, g.kinds, o.smallest AS out_smallest,
           o.largest AS out_largest, o.k1 AS out_k1, o.k2 AS out_k2, g.back
    FROM g JOIN o USING (tx_id) JOIN pj USING (tx_id)
), signs AS (
    SELECT *, coalesce(n = 2 AND len(kinds) = 2 AND out_k1 = kinds[1] AND out_k2 = kinds[2], false) AS paired FROM i
    WHERE scripts >= 2 AND known = n AND NOT back
)
SELECT tx_id, n, scripts, kinds, out_smallest, out_largest, smallest, paired FROM signs
WHERE out_largest > smallest OR paired
ORDER BY tx_id
"""

_PAYMENT_OUTPUTS = """
WITH o AS (
    SELECT o.tx_id, o.vout, o.address_id, o.value FROM outputs o JOIN transactions t USING (tx_id)
    WHERE o.block_height BETWEEN ? AND ? AND NOT t.is_coinbase AND t.output_count = 2
), f AS (
    SELECT address_id, min(tx_id) AS first_tx_id FROM outputs
    WHERE address_id IN (SELECT address_id FROM o) GROUP BY address_id
)
SELECT o.tx_id, o.vout, o.address_id, o.value, a.script_type, f.first_tx_id
FROM o JOIN addresses a USING (address_id) JOIN f USING (address_id)
ORDER BY o.tx_id, o.vout
"""

# An input's address_id is always one of ``addresses`` (ids are given there first): the same rows without the join.
_SPENDING_INPUTS_UNTYPED = """
SELECT tx_id, address_id, value FROM inputs
WHERE block_height BETWEEN ? AND ? AND address_id IS NOT NULL ORDER BY tx_id, vin
"""

_SPENDING_INPUTS = """
SELECT i.tx_id, i.address_id, i.value, a.script_type FROM inputs i JOIN addresses a USING (address_id)
WHERE i.block_height BETWEEN ? AND ? AND i.address_id IS NOT NULL ORDER BY i.tx_id, i.vin
"""
