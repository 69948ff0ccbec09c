"""What the writer must know of the stored chain to resolve a new batch, held in memory.

Every input names the output it spends by (txid, vout); the store wants the
spent output's ids, address and value, and the output wants to know who spent
it. Joining each batch against the stored tables in DuckDB costs a scan of
them per batch; instead, :class:`ChainState` keeps the stored txids and scripts
in compiled hash indexes (:mod:`cointrail.store.duckdb.keyindex`) and every output's
address and value in arrays indexed by output number, and resolves a batch in
one compiled pass in chain order (an input sees only earlier transactions; of
two with the same txid, BIP 30's duplicate coinbases, the later one).

It is loaded from the store when a writer first needs it, so it always
describes exactly what is committed: the writer drops it whenever a batch
fails or the store is rolled back, and the next batch loads it again. Memory
(with the tables' headroom): about 120 bytes per transaction, 100 per address
and 25 per output, some 350 MB for a million transactions of fresh addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numba
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cointrail.chains.bitcoin.batch import TX, Batch
from cointrail.store.duckdb.keyindex import KeyIndex, find, key_hash

I64 = npt.NDArray[np.int64]
NONE = -1
_N_IN, _N_OUT, _FIRST_IN, _FIRST_OUT, _COINBASE = (
    TX.index(c) for c in ("input_count", "output_count", "first_input", "first_output", "is_coinbase")
)


@numba.njit(cache=True, nogil=True)
def _append_key(slots: I64, hashes: npt.NDArray[np.uint64], arena: npt.NDArray[np.uint8], offsets: I64,
                count: int, buf: npt.NDArray[np.uint8], start: int, length: int, slot: int,
                h: np.uint64) -> None:  # fmt: skip
    at = offsets[count]
    arena[at : at + length] = buf[start : start + length]
    offsets[count + 1] = at + length
    slots[slot] = count
    hashes[slot] = h


@numba.njit(cache=True, nogil=True)
def _resolve(data: npt.NDArray[np.uint8], txids: npt.NDArray[np.uint8], tx: I64, ins: I64, outs: I64,
             t_slots: I64, t_hashes: npt.NDArray[np.uint64], t_arena: npt.NDArray[np.uint8], t_offsets: I64,
             s_slots: I64, s_hashes: npt.NDArray[np.uint64], s_arena: npt.NDArray[np.uint8], s_offsets: I64,
             base_tx: int, base_out: int, base_address: int, first_out: I64, out_value: I64, out_address: I64,
             in_cols: I64, out_cols: I64, new_outputs: I64, earlier: I64) -> tuple[int, int, int, int]:  # fmt: skip
    """Resolve a batch in chain order, adding its txids, scripts and outputs to the state.

    ``in_cols`` gets per input: previous tx id, address id, value (-1: none,
    a coinbase); ``out_cols`` per output: address id, spending tx id, vin (-1:
    unspent); ``new_outputs`` the output that first paid each new address;
    ``earlier`` the spends of outputs stored before this batch (prev tx id,
    vout, tx id, vin). Returns (transaction of the first unresolvable input or
    -1, that input, new addresses, earlier spends).
    """
    n_address = 0
    n_earlier = 0
    out_cols[:, 1] = NONE
    out_cols[:, 2] = NONE
    for t in range(len(tx)):
        tx_id = base_tx + t
        first_in, n_in = tx[t, _FIRST_IN], tx[t, _N_IN]
        if tx[t, _COINBASE]:
            in_cols[first_in : first_in + n_in] = NONE
        else:
            for vin in range(n_in):
                i = first_in + vin
                start = ins[i, 0]
                prev, _slot = find(t_slots, t_hashes, t_arena, t_offsets, data, start, 32, key_hash(data, start, 32))
                vout = ins[i, 1]
                if prev == NONE or vout >= first_out[prev + 1] - first_out[prev]:
                    return t, vin, n_address, n_earlier
                spent = first_out[prev] + vout
                in_cols[i, 0], in_cols[i, 1], in_cols[i, 2] = prev, out_address[spent], out_value[spent]
                if spent >= base_out:
                    out_cols[spent - base_out, 1], out_cols[spent - base_out, 2] = tx_id, vin
                else:
                    earlier[n_earlier, 0], earlier[n_earlier, 1] = prev, vout
                    earlier[n_earlier, 2], earlier[n_earlier, 3] = tx_id, vin
                    n_earlier += 1
        first_o = tx[t, _FIRST_OUT]
        for o in range(first_o, first_o + tx[t, _N_OUT]):
            start, length = outs[o, 1], outs[o, 2]
            h = key_hash(data, start, length)
            address, slot = find(s_slots, s_hashes, s_arena, s_offsets, data, start, length, h)
            if address == NONE:
                address = base_address + n_address
                _append_key(s_slots, s_hashes, s_arena, s_offsets, address, data, start, length, slot, h)
                new_outputs[n_address] = o
                n_address += 1
            out_cols[o, 0] = address
            out_value[base_out + o] = outs[o, 0]
            out_address[base_out + o] = address
        first_out[tx_id + 1] = base_out + first_o + tx[t, _N_OUT]
        h = key_hash(txids, 32 * t, 32)
        _known, slot = find(t_slots, t_hashes, t_arena, t_offsets, txids, 32 * t, 32, h)
        _append_key(t_slots, t_hashes, t_arena, t_offsets, tx_id, txids, 32 * t, 32, slot, h)
    return NONE, NONE, n_address, n_earlier


@dataclass
class Resolution:
    """A batch resolved against the store: see :func:`_resolve` for the columns."""

    first_tx_id: int
    first_address_id: int
    inputs: I64  # prev tx id, address id, value; -1 for none
    outputs: I64  # address id, spending tx id, spending vin; -1 for none
    new_outputs: I64  # the output that first paid each new address, in order of their ids
    earlier_spends: I64  # prev tx id, prev vout, tx id, vin
    scripts: pa.BinaryArray  # of the new addresses
    unresolved: tuple[int, int] | None  # (transaction in the batch, vin) of an input that spends nothing stored


class ChainState:
    """The stored txids, scripts and outputs, indexed for resolving the next batch."""

    def __init__(self, txids: KeyIndex, scripts: KeyIndex, first_out: I64, out_value: I64, out_address: I64):
        self.txids, self.scripts = txids, scripts
        self.first_out, self.out_value, self.out_address = first_out, out_value, out_address

    @property
    def tx_count(self) -> int:
        return self.txids.count

    @property
    def output_count(self) -> int:
        return int(self.first_out[self.tx_count])

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> ChainState:
        """The state of what the store holds now."""
        txids = _binary(con, "SELECT txid FROM transactions ORDER BY tx_id")
        counts = con.execute("SELECT output_count FROM transactions ORDER BY tx_id").fetchnumpy()["output_count"]
        outputs = con.execute("SELECT value, address_id FROM outputs ORDER BY tx_id, vout").fetchnumpy()
        first_out = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=first_out[1:])
        if first_out[-1] != len(outputs["value"]):
            raise AssertionError("the store's outputs do not add up to its transactions' output counts")
        scripts = _binary(con, "SELECT script FROM addresses ORDER BY address_id")
        return cls(KeyIndex(*txids), KeyIndex(*scripts), first_out,
                   np.asarray(outputs["value"], np.int64), np.asarray(outputs["address_id"], np.int64))  # fmt: skip

    def _reserve(self, batch: Batch) -> None:
        n_tx, n_out = len(batch.tx), len(batch.outputs)
        self.txids.reserve(n_tx, 32 * n_tx)
        self.scripts.reserve(n_out, int(batch.outputs[:, 2].sum()))
        for name, needed in (("first_out", self.tx_count + n_tx + 1), ("out_value", self.output_count + n_out),
                             ("out_address", self.output_count + n_out)):  # fmt: skip
            array = getattr(self, name)
            if len(array) < needed:
                grown = np.zeros(max(needed, len(array) * 3 // 2), np.int64)
                grown[: len(array)] = array
                setattr(self, name, grown)

    def resolve(self, batch: Batch) -> Resolution:
        """Resolve ``batch`` (the blocks right after the stored ones) and add it to the state.

        On an unresolvable input the state is left half-updated: the caller
        must drop it (as it must whenever the batch is not committed).
        """
        self._reserve(batch)
        base_tx, base_out, base_address = self.tx_count, self.output_count, self.scripts.count
        ins = np.empty((len(batch.inputs), 3), np.int64)
        outs = np.empty((len(batch.outputs), 3), np.int64)
        new_outputs = np.empty(len(batch.outputs), np.int64)
        earlier = np.empty((len(batch.inputs), 4), np.int64)
        t, s = self.txids, self.scripts
        bad_tx, bad_vin, n_new, n_earlier = _resolve(
            batch.data, batch.txid.reshape(-1), batch.tx, batch.inputs, batch.outputs,
            t.slots, t.hashes, t.arena, t.offsets, s.slots, s.hashes, s.arena, s.offsets,
            base_tx, base_out, base_address, self.first_out, self.out_value, self.out_address,
            ins, outs, new_outputs, earlier,
        )  # fmt: skip
        t.count += len(batch.tx) if bad_tx < 0 else bad_tx
        s.count += n_new
        first, last = s.offsets[base_address], s.offsets[s.count]
        scripts = pa.Array.from_buffers(pa.binary(), n_new, [
            None, pa.py_buffer((s.offsets[base_address : s.count + 1] - first).astype(np.int32)),
            pa.py_buffer(s.arena[first:last].copy()),
        ])  # fmt: skip
        return Resolution(base_tx, base_address, ins, outs, new_outputs[:n_new], earlier[:n_earlier], scripts,
                          None if bad_tx < 0 else (bad_tx, bad_vin))  # fmt: skip


def _binary(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[npt.NDArray[np.uint8], I64]:
    """A BLOB column as (bytes back to back, offsets), the layout of :class:`KeyIndex`."""
    return binary_layout(con.sql(sql).to_arrow_table().column(0))


def binary_layout(column: pa.Array | pa.ChunkedArray, *, copy: bool = True) -> tuple[npt.NDArray[np.uint8], I64]:
    """An Arrow binary column as (bytes back to back, offsets), the layout of :class:`KeyIndex`.

    ``copy``: the bytes are copied out, offsets from 0, so that a KeyIndex may own and grow
    them; without, a read-only view of the column's buffer and its own offsets (for reading).
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.binary())
    array = column if pa.types.is_large_binary(column.type) else column.cast(pa.large_binary())
    offsets = np.frombuffer(array.buffers()[1], np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], np.uint8) if array.buffers()[2] is not None else np.zeros(0, np.uint8)
    if not copy:
        return data, offsets
    start = int(offsets[0]) if len(offsets) else 0
    end = int(offsets[-1]) if len(offsets) else 0
    return data[start:end].copy(), (offsets - start).astype(np.int64) if len(offsets) else np.zeros(1, np.int64)
