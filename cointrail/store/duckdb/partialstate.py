"""Resolve a small batch against a large store without loading the whole chain state.

:class:`~cointrail.store.duckdb.chainstate.ChainState` holds every stored txid,
script and output: about 1.6 s and 350 MB per million stored transactions to
load, paid once per ingest run. A run that adds a few blocks to a large store
(following a node, a watch on addresses) needs only the transactions its inputs
spend from and the scripts its outputs pay to. :func:`load_for` asks DuckDB for
exactly those (semi-joins on the batch's previous txids and scripts) and
builds a small ChainState of them, with local ids 0, 1, 2, …; the same
compiled resolver then runs over it, and :class:`PartialChainState` maps its
local ids back to the store's. The resolution, hence the store, is the same
as with the full state (``tests/store/test_partial_state.py``).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from cointrail.chains.bitcoin.batch import TX, Batch, hash_column
from cointrail.store.duckdb.chainstate import I64, ChainState, Resolution, binary_layout
from cointrail.store.duckdb.keyindex import KeyIndex

_FIRST_OUT, _N_OUT, _COINBASE, _FIRST_IN, _N_IN = (
    TX.index(c) for c in ("first_output", "output_count", "is_coinbase", "first_input", "input_count")
)

# A run resolves its batches this way while the store holds at least this many times the transactions they hold
# together; beyond, loading the full state once is cheaper. Measured on the benchmark chain stored to 750,000
# transactions (docs/benchmarks.md, "Small ingests onto a large store"): fetch + resolve against load + resolve,
# 0.68 against 0.98 CPU s for a batch of 100,000 transactions (store/batch 7.5), 1.47 against 1.11 for 200,000 (3.8).
STORE_TO_BATCH_CROSSOVER = 5

# The stored transactions the batch's inputs name (of two with one txid, BIP 30's duplicate coinbases, both:
# the index keeps the later, as the full state does), their outputs, and the stored scripts the batch pays to.
_SPENT_TXS = "SELECT tx_id, txid, output_count FROM transactions SEMI JOIN p_txids USING (txid) ORDER BY tx_id"
_SPENT_OUTPUTS = "SELECT value, address_id FROM outputs SEMI JOIN p_txs USING (tx_id) ORDER BY tx_id, vout"
_KNOWN_SCRIPTS = "SELECT address_id, script FROM addresses SEMI JOIN p_scripts USING (script) ORDER BY address_id"
_NEXT_IDS = (
    "SELECT (SELECT coalesce(max(tx_id) + 1, 0) FROM transactions), "
    "(SELECT coalesce(max(address_id) + 1, 0) FROM addresses)"
)


class PartialChainState(ChainState):
    """A ChainState of some stored transactions and scripts, under local ids; it resolves in the store's ids.

    ``tx_ids`` and ``address_ids`` are the store's ids of the local ones;
    the batch's own transactions and new addresses follow at ``first_tx_id``
    and ``first_address_id``. Resolves one batch: load another for the next.
    """

    def __init__(self, state: ChainState, tx_ids: I64, address_ids: I64, first_tx_id: int, first_address_id: int):
        super().__init__(state.txids, state.scripts, state.first_out, state.out_value, state.out_address)
        self.tx_ids, self.address_ids = tx_ids, address_ids
        self.first_tx_id, self.first_address_id = first_tx_id, first_address_id

    def resolve(self, batch: Batch) -> Resolution:
        """Resolve ``batch`` over the loaded rows, in the store's ids (see :meth:`ChainState.resolve`)."""
        local = super().resolve(batch)
        if local.unresolved is not None:
            return local  # the writer refuses the batch: its columns are not needed
        stored_spend = (local.inputs[:, 0] >= 0) & (local.inputs[:, 0] < len(self.tx_ids))
        inputs = np.column_stack([
            self._tx(local.inputs[:, 0]),
            np.where(stored_spend, local.inputs[:, 1], self._address(local.inputs[:, 1])),  # stored: the store's id
            local.inputs[:, 2],
        ])  # fmt: skip
        outputs = np.column_stack([self._address(local.outputs[:, 0]), self._tx(local.outputs[:, 1]),
                                   local.outputs[:, 2]])  # fmt: skip
        earlier = local.earlier_spends.copy()
        earlier[:, 0], earlier[:, 2] = self._tx(earlier[:, 0]), self._tx(earlier[:, 2])
        return Resolution(self.first_tx_id, self.first_address_id, inputs.reshape(-1, 3), outputs.reshape(-1, 3),
                          local.new_outputs, earlier, local.scripts, None)  # fmt: skip

    def _tx(self, local: I64) -> I64:
        """The store's tx ids of local ones (-1 stays -1)."""
        return _to_store(local, self.tx_ids, self.first_tx_id)

    def _address(self, local: I64) -> I64:
        return _to_store(local, self.address_ids, self.first_address_id)


def _to_store(local: I64, loaded: I64, first_new: int) -> I64:
    """Local ids below ``len(loaded)`` name loaded rows; those above, the batch's own, numbered from ``first_new``."""
    n = len(loaded)
    mapped = np.where(local < n, loaded[np.clip(local, 0, max(n - 1, 0))] if n else -1, local - n + first_new)
    return np.where(local < 0, local, mapped).astype(np.int64)


def _prev_txids(batch: Batch) -> pa.Table:
    """The distinct previous txids of the batch's inputs (coinbases' left out)."""
    tx = batch.tx
    spending = np.repeat(tx[:, _COINBASE] == 0, tx[:, _N_IN])
    starts = batch.inputs[spending, 0]
    txids = batch.data[starts[:, None] + np.arange(32)] if len(starts) else np.zeros((0, 32), np.uint8)
    return pa.table({"txid": hash_column(np.unique(txids, axis=0))})


def _scripts(batch: Batch) -> pa.Table:
    outs = batch.outputs
    data = batch.data.tobytes()
    scripts = {data[start : start + length] for start, length in zip(outs[:, 1].tolist(), outs[:, 2].tolist(),
                                                                       strict=True)}  # fmt: skip
    return pa.table({"script": pa.array(sorted(scripts), pa.binary())})




def _query(con: duckdb.DuckDBPyConnection, sql: str, **tables: pa.Table) -> pa.Table:
    for name, table in tables.items():
        con.register(name, table)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        for name in tables:
            con.unregister(name)


def load_for(con: duckdb.DuckDBPyConnection, batch: Batch) -> PartialChainState:
    """The state of what ``batch`` (the blocks right after the stored ones) needs of the store."""
    spent = _query(con, _SPENT_TXS, p_txids=_prev_txids(batch))
    tx_ids = np.asarray(spent.column("tx_id").to_numpy(), np.int64)
    outputs = _query(con, _SPENT_OUTPUTS, p_txs=pa.table({"tx_id": tx_ids}))
    known = _query(con, _KNOWN_SCRIPTS, p_scripts=_scripts(batch))
    first_out = np.zeros(len(tx_ids) + 1, np.int64)
    np.cumsum(spent.column("output_count").to_numpy(), out=first_out[1:])
    if first_out[-1] != outputs.num_rows:
        raise AssertionError("the store's outputs do not add up to its transactions' output counts")
    state = ChainState(
        KeyIndex(*binary_layout(spent.column("txid"))), KeyIndex(*binary_layout(known.column("script"))), first_out,
        np.asarray(outputs.column("value").to_numpy(), np.int64),
        np.asarray(outputs.column("address_id").to_numpy(), np.int64),
    )  # fmt: skip
    next_tx, next_address = con.execute(_NEXT_IDS).fetchall()[0]
    return PartialChainState(state, tx_ids, np.asarray(known.column("address_id").to_numpy(), np.int64),
                             int(next_tx), int(next_address))  # fmt: skip
