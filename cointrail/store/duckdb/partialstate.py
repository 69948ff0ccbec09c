"""Resolve a small batch against a large store without loading the whole chain state.

:class:`~cointrail.store.duckdb.chainstate.ChainState` holds every stored txid,
script and output: about 1.6 s and 350 MB per million stored transactions to
load, paid once per ingest run. A run that adds a few blocks to a large store
(following a node, a watch on addresses) needs only the transactions its inputs
spend from and the scripts its outputs pay to. :func:`load_for` asks DuckDB for
exactly those (semi-joins on the batch's previous txids and scripts) and
builds a small ChainState of them (its local ids mapped to the store's, as
every state's are); the same compiled resolver then runs over it. The
resolution, hence the store, is the same as with the full state
(``tests/store/test_partial_state.py``).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from cointrail.chains.bitcoin.batch import TX, Batch, hash_column
from cointrail.store.duckdb.chainstate import ChainState, binary_layout, next_ids
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
_SPENT_OUTPUTS = (
    "SELECT value, address_id, spent_by_tx_id IS NOT NULL AS spent FROM outputs SEMI JOIN p_txs USING (tx_id) "
    "ORDER BY tx_id, vout"
)
_KNOWN_SCRIPTS = "SELECT address_id, script FROM addresses SEMI JOIN p_scripts USING (script) ORDER BY address_id"


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


def load_for(con: duckdb.DuckDBPyConnection, batch: Batch) -> ChainState:
    """The state of what ``batch`` (the blocks right after the stored ones) needs of the store; for that batch only."""
    spent = _query(con, _SPENT_TXS, p_txids=_prev_txids(batch))
    tx_ids = np.asarray(spent.column("tx_id").to_numpy(), np.int64)
    outputs = _query(con, _SPENT_OUTPUTS, p_txs=pa.table({"tx_id": tx_ids}))
    known = _query(con, _KNOWN_SCRIPTS, p_scripts=_scripts(batch))
    first_out = np.zeros(len(tx_ids) + 1, np.int64)
    np.cumsum(spent.column("output_count").to_numpy(), out=first_out[1:])
    if first_out[-1] != outputs.num_rows:
        raise AssertionError("the store's outputs do not add up to its transactions' output counts")
    next_tx, next_address = next_ids(con)
    return ChainState(
        KeyIndex(*binary_layout(spent.column("txid"))), tx_ids, first_out,
        np.asarray(outputs.column("value").to_numpy(), np.int64),
        np.asarray(outputs.column("address_id").to_numpy(), np.int64),
        np.asarray(outputs.column("spent").to_numpy(zero_copy_only=False), np.uint8),
        KeyIndex(*binary_layout(known.column("script"))), np.asarray(known.column("address_id").to_numpy(), np.int64),
        next_tx, next_address, compacts=False,
    )  # fmt: skip
