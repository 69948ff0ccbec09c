"""What the writer must know of the stored chain to resolve a new batch: its unspent outputs and its scripts.

Every input names the output it spends by (txid, vout); the store wants the
spent output's ids, address and value, and the output wants to know who spent
it. Joining each batch against the stored tables in DuckDB costs a scan of
them per batch; instead, :class:`ChainState` keeps the txids of the stored
transactions that still have unspent outputs, and every script, in compiled
hash indexes (:mod:`cointrail.store.duckdb.keyindex`), and those transactions'
outputs (address, value, spent or not) in arrays, and resolves a batch in one
compiled pass in chain order (an input sees only earlier transactions; of two
with the same txid, BIP 30's duplicate coinbases, the later one: the earlier's
outputs can no longer be spent, as in Bitcoin Core).

It holds only the UTXO set: an input that spends an output already spent is
refused like one that spends nothing stored, and transactions whose outputs
are all spent leave the state (compaction, once half of the outputs it holds
are spent). Ids are local to the state (``tx_ids`` and ``address_ids`` give
the store's), so that rows can leave it.

With a memory budget (``limit``, bytes), the state moves everything it holds
to sorted runs on disk (:mod:`cointrail.store.duckdb.spill`) whenever it passes
the budget, and asks the runs, once per batch, for what the batch does not find
in memory: its memory does not grow with the chain. The resolution, hence the
store, is the same with any budget (``tests/store/test_memory_limit.py``).

It is loaded from the store when a writer first needs it, so it always
describes exactly what is committed: the writer drops it whenever a batch
fails or the store is rolled back, and the next batch loads it again. Memory
without a budget (with the tables' headroom): about 135 bytes per transaction
with unspent outputs, 100 per address and 25 per output of those transactions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numba
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cointrail.chains.bitcoin.batch import TX, Batch
from cointrail.store.duckdb.keyindex import KeyIndex, find, grown, key_hash
from cointrail.store.duckdb.spill import Runs, SpillFolder

I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]
NONE = -1
_N_IN, _N_OUT, _FIRST_IN, _FIRST_OUT, _COINBASE = (
    TX.index(c) for c in ("input_count", "output_count", "first_input", "first_output", "is_coinbase")
)
# A spilled unspent output: txid (4 columns), vout, tx id, value, address id; marked gone (spent) in its vout.
_UTXO_WIDTH, _UTXO_GONE = 8, 4
# A spilled script: a 40-byte key (5 columns: length and the script, or 0xFF and its SHA-256 if longer), address id.
_SCRIPT_KEY, _SCRIPT_WIDTH, _SCRIPT_GONE = 40, 6, 5
COMPACT_MIN_OUTPUTS = 1 << 16  # compaction is not worth its pass below this many outputs held
LOAD_CHUNK = 1 << 20  # rows read from the store at a time while loading a state with a budget


@numba.njit(cache=True, nogil=True)
def _append_key(slots: I64, hashes: npt.NDArray[np.uint64], arena: U8, offsets: I64, count: int, buf: U8, start: int,
                length: int, slot: int, h: np.uint64) -> None:  # fmt: skip
    at = offsets[count]
    arena[at : at + length] = buf[start : start + length]
    offsets[count + 1] = at + length
    slots[slot] = count
    hashes[slot] = h


@numba.njit(cache=True, nogil=True)
def _resolve(data: U8, txids: U8, tx: I64, ins: I64, outs: I64,
             t_slots: I64, t_hashes: npt.NDArray[np.uint64], t_arena: U8, t_offsets: I64, t_ids: I64,
             s_slots: I64, s_hashes: npt.NDArray[np.uint64], s_arena: U8, s_offsets: I64, s_ids: I64, s_run: U8,
             base_tx: int, base_out: int, base_script: int, next_tx: int, next_address: int,
             first_out: I64, out_value: I64, out_address: I64, out_spent: U8, ext_in: I64, ext_out: I64,
             in_cols: I64, out_cols: I64, new_outputs: I64, earlier: I64,
             ext_used: U8) -> tuple[int, int, int, int, int, int]:  # fmt: skip
    """Resolve a batch in chain order, adding its transactions, scripts and outputs to the state.

    ``in_cols`` gets per input: previous tx id, address id, value (-1: none,
    a coinbase); ``out_cols`` per output: address id, spending tx id, vin (-1:
    unspent); ``new_outputs`` the output that first paid each new address;
    ``earlier`` the spends of outputs stored before this batch (prev tx id,
    vout, tx id, vin). ``ext_in`` (tx id, address id, value) and ``ext_out``
    (address id) are what the runs on disk answered for inputs and scripts not
    in memory (-1: nothing); ``ext_used`` marks the inputs resolved by them.
    Ids in the state's tables are local (``t_ids``, ``s_ids``: the store's).
    Returns (transaction of the first unresolvable input or -1, that input,
    new addresses, earlier spends, scripts added to memory, outputs held that
    became spent).
    """
    n_address = 0
    n_local = 0
    n_earlier = 0
    n_spent = 0
    out_cols[:, 1] = NONE
    out_cols[:, 2] = NONE
    for t in range(len(tx)):
        local_tx = base_tx + t
        tx_id = next_tx + t
        first_in, n_in = tx[t, _FIRST_IN], tx[t, _N_IN]
        if tx[t, _COINBASE]:
            in_cols[first_in : first_in + n_in] = NONE
        else:
            for vin in range(n_in):
                i = first_in + vin
                start = ins[i, 0]
                prev, _slot = find(t_slots, t_hashes, t_arena, t_offsets, data, start, 32, key_hash(data, start, 32))
                vout = ins[i, 1]
                if prev != NONE:
                    if vout >= first_out[prev + 1] - first_out[prev]:
                        return t, vin, n_address, n_earlier, n_local, n_spent
                    spent = first_out[prev] + vout
                    if out_spent[spent]:
                        return t, vin, n_address, n_earlier, n_local, n_spent
                    out_spent[spent] = 1
                    n_spent += 1
                    prev_id = t_ids[prev]
                    in_cols[i, 0], in_cols[i, 1], in_cols[i, 2] = prev_id, out_address[spent], out_value[spent]
                    if spent >= base_out:
                        out_cols[spent - base_out, 1], out_cols[spent - base_out, 2] = tx_id, vin
                        continue
                elif ext_in[i, 0] != NONE:
                    ext_used[i] = 1
                    prev_id = ext_in[i, 0]
                    in_cols[i, 0], in_cols[i, 1], in_cols[i, 2] = prev_id, ext_in[i, 1], ext_in[i, 2]
                else:
                    return t, vin, n_address, n_earlier, n_local, n_spent
                earlier[n_earlier, 0], earlier[n_earlier, 1] = prev_id, vout
                earlier[n_earlier, 2], earlier[n_earlier, 3] = tx_id, vin
                n_earlier += 1
        first_o = tx[t, _FIRST_OUT]
        for o in range(first_o, first_o + tx[t, _N_OUT]):
            start, length = outs[o, 1], outs[o, 2]
            h = key_hash(data, start, length)
            local, slot = find(s_slots, s_hashes, s_arena, s_offsets, data, start, length, h)
            if local == NONE:
                local = base_script + n_local
                _append_key(s_slots, s_hashes, s_arena, s_offsets, local, data, start, length, slot, h)
                n_local += 1
                if ext_out[o] != NONE:  # a script the runs hold: its id, and it is not written to a run again
                    s_ids[local], s_run[local] = ext_out[o], 1
                else:
                    s_ids[local], s_run[local] = next_address + n_address, 0
                    new_outputs[n_address] = o
                    n_address += 1
            address = s_ids[local]
            out_cols[o, 0] = address
            out_value[base_out + o] = outs[o, 0]
            out_address[base_out + o] = address
            out_spent[base_out + o] = 0
        first_out[local_tx + 1] = base_out + first_o + tx[t, _N_OUT]
        h = key_hash(txids, 32 * t, 32)
        known, slot = find(t_slots, t_hashes, t_arena, t_offsets, txids, 32 * t, 32, h)
        if known != NONE:  # BIP 30: the later transaction with this txid overwrites the earlier's unspent outputs
            for k in range(first_out[known], first_out[known + 1]):
                if not out_spent[k]:
                    out_spent[k] = 1
                    n_spent += 1
        _append_key(t_slots, t_hashes, t_arena, t_offsets, local_tx, txids, 32 * t, 32, slot, h)
        t_ids[local_tx] = tx_id
    return NONE, NONE, n_address, n_earlier, n_local, n_spent


@numba.njit(cache=True, nogil=True)
def _not_held(slots: I64, hashes: npt.NDArray[np.uint64], arena: U8, offsets: I64, data: U8, starts: I64,
              lengths: I64) -> npt.NDArray[np.bool_]:  # fmt: skip
    """Which of the keys at ``data[starts[i]:starts[i] + lengths[i]]`` the index does not hold."""
    missing = np.zeros(len(starts), np.bool_)
    for i in range(len(starts)):
        found, _slot = find(slots, hashes, arena, offsets, data, starts[i], lengths[i],
                            key_hash(data, starts[i], lengths[i]))  # fmt: skip
        missing[i] = found == NONE
    return missing


@numba.njit(cache=True, nogil=True)
def _script_keys(data: U8, starts: I64, lengths: I64, keys: U8) -> None:
    """The fixed-width key of each script: its length then its bytes (longer ones are done by the caller)."""
    keys[:] = 0
    for i in range(len(starts)):
        if lengths[i] < _SCRIPT_KEY:
            keys[i, 0] = lengths[i]
            keys[i, 1 : 1 + lengths[i]] = data[starts[i] : starts[i] + lengths[i]]
        else:
            keys[i, 0] = 0xFF


@numba.njit(cache=True, nogil=True)
def _row_hashes(keys: U8) -> npt.NDArray[np.uint64]:
    out = np.empty(len(keys), np.uint64)
    for i in range(len(keys)):
        out[i] = key_hash(keys[i], 0, keys.shape[1])
    return out


def script_rows(data: U8, starts: I64, lengths: I64) -> tuple[npt.NDArray[np.uint64], I64]:
    """(hashes, keys as 5 int64 columns) of scripts at ``data[start:start + length]``, as the runs keep them."""
    keys = np.zeros((len(starts), _SCRIPT_KEY), np.uint8)
    _script_keys(data, starts, lengths, keys)
    for i in np.flatnonzero(lengths >= _SCRIPT_KEY).tolist():  # bare multisig, OP_RETURN: rare
        script = data[starts[i] : starts[i] + lengths[i]].tobytes()
        keys[i, 1:33] = np.frombuffer(hashlib.sha256(script).digest(), np.uint8)
    return _row_hashes(keys), keys.view(np.int64).reshape(len(starts), _SCRIPT_KEY // 8)


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


@dataclass
class _Disk:
    """What the runs answered for one batch, and which of their rows it spends."""

    ext_in: I64
    ext_out: I64
    in_where: tuple[I64, I64]  # (run, row) of each input's answer


@dataclass
class StateUse:
    """What the chain states of one store did within their memory budget (an ingest reports it)."""

    spills: int = 0  # times a state moved what it held to a new run on disk
    rows_spilled: int = 0  # unspent outputs and scripts those spills wrote
    peak_bytes: int = 0  # the most a state held in memory (its arrays, with their headroom)


class ChainState:
    """The stored unspent outputs and scripts, indexed for resolving the next batch (local ids, see the module)."""

    def __init__(self, txids: KeyIndex, tx_ids: I64, first_out: I64, out_value: I64, out_address: I64,
                 out_spent: U8, scripts: KeyIndex, address_ids: I64, next_tx_id: int, next_address_id: int, *,
                 limit: int | None = None, beside: Path | None = None, compacts: bool = True,
                 use: StateUse | None = None):  # fmt: skip
        self.txids, self.tx_ids = txids, tx_ids
        self.first_out, self.out_value, self.out_address, self.out_spent = first_out, out_value, out_address, out_spent
        self.scripts, self.address_ids = scripts, address_ids
        self.from_run = np.zeros(len(address_ids), np.uint8)  # scripts the runs hold already
        self.next_tx_id, self.next_address_id = next_tx_id, next_address_id
        self.spent_held = int(np.count_nonzero(out_spent[: self.output_count]))
        self.limit, self.beside, self.compacts = limit, beside, compacts
        self._folder: SpillFolder | None = None
        self.utxo_runs: Runs | None = None
        self.script_runs: Runs | None = None
        self.use = StateUse() if use is None else use

    @classmethod
    def empty(cls, next_tx_id: int = 0, next_address_id: int = 0, **options: object) -> ChainState:
        return cls(KeyIndex(), np.zeros(1024, np.int64), np.zeros(1025, np.int64), np.zeros(1024, np.int64),
                   np.zeros(1024, np.int64), np.zeros(1024, np.uint8), KeyIndex(), np.zeros(1024, np.int64),
                   next_tx_id, next_address_id, **options)  # type: ignore[arg-type]  # fmt: skip

    @property
    def tx_count(self) -> int:
        """Transactions held in memory."""
        return self.txids.count

    @property
    def output_count(self) -> int:
        """Outputs held in memory (those of the transactions held, spent or not)."""
        return int(self.first_out[self.tx_count])

    @property
    def nbytes(self) -> int:
        """Memory the state holds (its arrays, with their headroom)."""
        arrays: list[np.ndarray] = [self.tx_ids, self.first_out, self.out_value, self.out_address, self.out_spent,
                                    self.address_ids, self.from_run]  # fmt: skip
        arrays += [a for k in (self.txids, self.scripts) for a in (k.arena, k.offsets, k.slots, k.hashes)]
        return sum(a.nbytes for a in arrays)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, *, limit: int | None = None, beside: Path | None = None,
             use: StateUse | None = None) -> ChainState:  # fmt: skip
        """The state of what the store holds now (within ``limit`` bytes, spilling beside ``beside``; ``use``
        gets what it did within the budget)."""
        next_tx, next_address = next_ids(con)
        state = cls.empty(limit=limit, beside=beside, use=use)
        # BIP 30: the earlier of two coinbases with one txid has nothing left to spend
        shadowed = np.array([r[0] for r in con.execute(_SHADOWED).fetchall()], np.int64)
        chunk = LOAD_CHUNK if limit is not None else max(next_tx, next_address, 1)
        for low in range(0, next_tx, chunk):
            state._add_stored_txs(con, low, low + chunk, shadowed)
        for low in range(0, next_address, chunk):
            rows = con.sql("SELECT address_id, script FROM addresses WHERE address_id >= ? AND address_id < ? "
                           "ORDER BY address_id", params=[low, low + chunk]).to_arrow_table()  # fmt: skip
            state._add_scripts(binary_layout(rows.column("script")), rows.column("address_id").to_numpy())
            state._maintain()
        state.next_tx_id, state.next_address_id = next_tx, next_address
        return state

    def _add_stored_txs(self, con: duckdb.DuckDBPyConnection, low: int, high: int, shadowed: I64) -> None:
        """Add the stored transactions ``low <= tx_id < high`` that have unspent outputs."""
        txs = con.sql("SELECT tx_id, txid FROM transactions WHERE tx_id >= ? AND tx_id < ? ORDER BY tx_id",
                      params=[low, high]).to_arrow_table()  # fmt: skip
        outs = con.execute(
            "SELECT tx_id, value, address_id, spent_by_tx_id IS NOT NULL AS spent FROM outputs "
            "WHERE tx_id >= ? AND tx_id < ? ORDER BY tx_id, vout", [low, high]
        ).fetchnumpy()  # fmt: skip
        tx_ids = np.asarray(txs.column("tx_id").to_numpy(), np.int64)
        out_tx = np.asarray(outs["tx_id"], np.int64)
        spent = np.asarray(outs["spent"], np.uint8)
        slot = np.searchsorted(tx_ids, out_tx)
        counts = np.bincount(slot, minlength=len(tx_ids))
        unspent = np.bincount(slot[spent == 0], minlength=len(tx_ids))
        keep = (unspent > 0) & ~np.isin(tx_ids, shadowed)
        out_keep = keep[slot]
        txid_bytes = np.frombuffer(_large(txs.column("txid")).buffers()[2], np.uint8).reshape(-1, 32)[keep]
        self._add_txs(txid_bytes, tx_ids[keep], counts[keep], np.asarray(outs["value"], np.int64)[out_keep],
                      np.asarray(outs["address_id"], np.int64)[out_keep], spent[out_keep])  # fmt: skip
        self._maintain()

    def _add_txs(self, txids: U8, tx_ids: I64, counts: I64, values: I64, addresses: I64, spent: U8) -> None:
        """Append stored transactions (in chain order, none a BIP 30 duplicate of one held) and their outputs."""
        n, n_out = len(tx_ids), len(values)
        base_tx, base_out = self.tx_count, self.output_count
        self._room(n, n_out, 0, 0)
        self.tx_ids[base_tx : base_tx + n] = tx_ids
        self.first_out[base_tx + 1 : base_tx + n + 1] = base_out + np.cumsum(counts)
        self.out_value[base_out : base_out + n_out] = values
        self.out_address[base_out : base_out + n_out] = addresses
        self.out_spent[base_out : base_out + n_out] = spent
        self.spent_held += int(np.count_nonzero(spent))
        t = self.txids
        t.arena[t.arena_used : t.arena_used + 32 * n] = txids.reshape(-1)
        t.offsets[t.count + 1 : t.count + n + 1] = t.arena_used + 32 * np.arange(1, n + 1)
        t.count += n
        t.index_appended(base_tx)

    def _add_scripts(self, layout: tuple[U8, I64], address_ids: I64) -> None:
        arena, offsets = layout
        n = len(offsets) - 1
        s = self.scripts
        self._room(0, 0, n, len(arena))
        base = s.count
        s.arena[s.arena_used : s.arena_used + len(arena)] = arena
        s.offsets[base + 1 : base + n + 1] = s.arena_used + offsets[1:]
        s.count += n
        self.address_ids[base : base + n] = address_ids
        self.from_run[base : base + n] = 0
        s.index_appended(base)

    def _room(self, n_tx: int, n_out: int, n_scripts: int, script_bytes: int) -> None:
        """Make room for so many more transactions, outputs and scripts."""
        self.txids.reserve(n_tx, 32 * n_tx)
        self.scripts.reserve(n_scripts, script_bytes)
        self.tx_ids = grown(self.tx_ids, self.tx_count + n_tx)
        self.first_out = grown(self.first_out, self.tx_count + n_tx + 1)
        for name in ("out_value", "out_address", "out_spent"):
            setattr(self, name, grown(getattr(self, name), self.output_count + n_out))
        self.address_ids = grown(self.address_ids, self.scripts.count + n_scripts)
        self.from_run = grown(self.from_run, self.scripts.count + n_scripts)

    def resolve(self, batch: Batch) -> Resolution:
        """Resolve ``batch`` (the blocks right after the stored ones) and add it to the state.

        On an unresolvable input the state is left half-updated: the caller
        must drop it (as it must whenever the batch is not committed).
        """
        n_tx, n_in, n_out = len(batch.tx), len(batch.inputs), len(batch.outputs)
        self._room(n_tx, n_out, n_out, int(batch.outputs[:, 2].sum()))
        disk = self._ask_runs(batch)
        base_tx, base_out, base_script = self.tx_count, self.output_count, self.scripts.count
        ins = np.empty((n_in, 3), np.int64)
        outs = np.empty((n_out, 3), np.int64)
        new_outputs = np.empty(n_out, np.int64)
        earlier = np.empty((n_in, 4), np.int64)
        ext_used = np.zeros(n_in, np.uint8)
        t, s = self.txids, self.scripts
        bad_tx, bad_vin, n_new, n_earlier, n_local, n_spent = _resolve(
            batch.data, batch.txid.reshape(-1), batch.tx, batch.inputs, batch.outputs,
            t.slots, t.hashes, t.arena, t.offsets, self.tx_ids,
            s.slots, s.hashes, s.arena, s.offsets, self.address_ids, self.from_run,
            base_tx, base_out, base_script, self.next_tx_id, self.next_address_id,
            self.first_out, self.out_value, self.out_address, self.out_spent, disk.ext_in, disk.ext_out,
            ins, outs, new_outputs, earlier, ext_used,
        )  # fmt: skip
        first_tx_id, first_address_id = self.next_tx_id, self.next_address_id
        if bad_tx >= 0:
            return Resolution(first_tx_id, first_address_id, ins, outs, new_outputs[:0], earlier[:0],
                              pa.array([], pa.binary()), (bad_tx, bad_vin))  # fmt: skip
        t.count += n_tx
        s.count += n_local
        self.next_tx_id += n_tx
        self.next_address_id += n_new
        self.spent_held += n_spent
        if self.utxo_runs is not None:
            used = ext_used.astype(bool)
            self.utxo_runs.mark_gone(disk.in_where[0][used], disk.in_where[1][used])
        scripts = _binary_of(batch.data, batch.outputs[new_outputs[:n_new], 1], batch.outputs[new_outputs[:n_new], 2])
        self._maintain()
        return Resolution(first_tx_id, first_address_id, ins, outs, new_outputs[:n_new], earlier[:n_earlier],
                          scripts, None)  # fmt: skip

    def _ask_runs(self, batch: Batch) -> _Disk:
        """What the runs on disk hold for the batch's inputs and scripts that memory does not."""
        n_in, n_out = len(batch.inputs), len(batch.outputs)
        ext_in = np.full((n_in, 3), NONE, np.int64)
        ext_out = np.full(n_out, NONE, np.int64)
        none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if self.utxo_runs is None or self.script_runs is None:
            return _Disk(ext_in, ext_out, none)
        tx, t = batch.tx, self.txids
        spending = np.repeat(tx[:, _COINBASE] == 0, tx[:, _N_IN])
        starts = batch.inputs[:, 0]
        asked = np.flatnonzero(spending & _not_held(t.slots, t.hashes, t.arena, t.offsets, batch.data, starts,
                                                    np.full(n_in, 32, np.int64)))  # fmt: skip
        txid_cols = batch.data[starts[asked, None] + np.arange(32)].view(np.int64).reshape(-1, 4)
        keys = np.column_stack([txid_cols, batch.inputs[asked, 1]])
        run, row = self.utxo_runs.find(txid_cols[:, 0].view(np.uint64).copy(), keys)
        in_run = np.full(n_in, NONE, np.int64)
        in_row = np.full(n_in, NONE, np.int64)
        hit = np.flatnonzero(run >= 0)
        _unique, first = np.unique(run[hit] * (1 << 40) + row[hit], return_index=True)
        hit = hit[np.sort(first)]  # an output spent twice in the batch: only the first spend may have it
        if len(hit):
            rows = self.utxo_runs.read(run[hit], row[hit])
            hits = asked[hit]
            ext_in[hits, 0], ext_in[hits, 1], ext_in[hits, 2] = rows[:, 5], rows[:, 7], rows[:, 6]
            in_run[hits], in_row[hits] = run[hit], row[hit]
        self._overwrite(batch)
        outs = batch.outputs
        s = self.scripts
        missing = np.flatnonzero(_not_held(s.slots, s.hashes, s.arena, s.offsets, batch.data, outs[:, 1], outs[:, 2]))
        if len(missing):
            hashes, keys = script_rows(batch.data, outs[missing, 1], outs[missing, 2])
            srun, srow = self.script_runs.find(hashes, keys)
            found = srun >= 0
            if found.any():
                ext_out[missing[found]] = self.script_runs.read(srun[found], srow[found])[:, 5]
        return _Disk(ext_in, ext_out, (in_run, in_row))

    def _overwrite(self, batch: Batch) -> None:
        """Mark gone the spilled outputs of transactions whose txid a coinbase of the batch repeats (BIP 30).

        Done before the batch is resolved, after its inputs were looked up: if
        the batch fails, the state (runs included) is dropped anyway.
        """
        assert self.utxo_runs is not None
        coinbases = np.flatnonzero(batch.tx[:, _COINBASE] != 0)
        txid_cols = batch.txid[coinbases].reshape(-1, 32).view(np.int64).reshape(-1, 4)
        hashes = txid_cols[:, 0].view(np.uint64).copy()
        run, _row = self.utxo_runs.find(hashes, txid_cols, match_cols=4)
        for i in np.flatnonzero(run >= 0).tolist():  # one output at a time: the known cases are two coinbases
            while True:
                found, where = self.utxo_runs.find(hashes[i : i + 1], txid_cols[i : i + 1], match_cols=4)
                if found[0] < 0:
                    break
                self.utxo_runs.mark_gone(found, where)

    def _maintain(self) -> None:
        """Compact (drop fully spent transactions) and, past the budget, move everything held to disk."""
        held, nbytes = self.output_count, self.nbytes
        self.use.peak_bytes = max(self.use.peak_bytes, nbytes)
        over = self.limit is not None and nbytes > self.limit
        if self.compacts and held >= COMPACT_MIN_OUTPUTS and (2 * self.spent_held >= held or over):
            self.compact()
        if self.limit is not None and self.nbytes > self.limit // 2 and over:  # still, after compacting
            self.spill()

    def compact(self) -> None:
        """Drop the transactions whose outputs are all spent (the UTXO set is what stays)."""
        n_tx, n_out = self.tx_count, self.output_count
        counts = np.diff(self.first_out[: n_tx + 1])
        owner = np.repeat(np.arange(n_tx), counts)
        spent = self.out_spent[:n_out]
        keep = np.bincount(owner[spent == 0], minlength=n_tx) > 0
        out_keep = keep[owner]
        first_out = np.zeros(int(keep.sum()) + 1, np.int64)
        np.cumsum(counts[keep], out=first_out[1:])
        txids = self.txids.arena[: 32 * n_tx].reshape(n_tx, 32)[keep].reshape(-1)
        self.txids = KeyIndex(txids, np.arange(0, len(txids) + 1, 32, dtype=np.int64))
        self.tx_ids, self.first_out = self.tx_ids[:n_tx][keep], first_out
        self.out_value, self.out_address = self.out_value[:n_out][out_keep], self.out_address[:n_out][out_keep]
        self.out_spent = spent[out_keep]
        self.spent_held = int(np.count_nonzero(self.out_spent))

    def spill(self) -> None:
        """Move the unspent outputs and the scripts held to new runs on disk; memory starts again empty."""
        if self._folder is None:
            self._folder = SpillFolder(self.beside)
            self.utxo_runs = Runs(self._folder.path / "utxo", _UTXO_WIDTH, 5, _UTXO_GONE)
            self.script_runs = Runs(self._folder.path / "scripts", _SCRIPT_WIDTH, 5, _SCRIPT_GONE)
        assert self.utxo_runs is not None and self.script_runs is not None
        n_tx, n_out = self.tx_count, self.output_count
        counts = np.diff(self.first_out[: n_tx + 1])
        owner = np.repeat(np.arange(n_tx), counts)
        unspent = np.flatnonzero(self.out_spent[:n_out] == 0)
        txid_cols = self.txids.arena[: 32 * n_tx].view(np.int64).reshape(n_tx, 4)
        o = owner[unspent]
        rows = np.column_stack([txid_cols[o], unspent - self.first_out[o], self.tx_ids[o], self.out_value[unspent],
                                self.out_address[unspent]])  # fmt: skip
        self.utxo_runs.add(rows[:, 0].view(np.uint64).copy(), rows)
        s = self.scripts
        new = np.flatnonzero(self.from_run[: s.count] == 0)
        starts, ends = s.offsets[new], s.offsets[new + 1]
        hashes, keys = script_rows(s.arena, starts, ends - starts)
        self.script_runs.add(hashes, np.column_stack([keys, self.address_ids[new]]))
        self.use.spills += 1
        self.use.rows_spilled += len(rows) + len(new)
        fresh = ChainState.empty()
        self.txids, self.tx_ids, self.first_out = fresh.txids, fresh.tx_ids, fresh.first_out
        self.out_value, self.out_address, self.out_spent = fresh.out_value, fresh.out_address, fresh.out_spent
        self.scripts, self.address_ids, self.from_run = fresh.scripts, fresh.address_ids, fresh.from_run
        self.spent_held = 0

    def close(self) -> None:
        """Remove the runs on disk (the state is no longer used)."""
        if self._folder is not None:
            self._folder.remove()
            self._folder = None
            self.utxo_runs = self.script_runs = None


def next_ids(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """The ids the store's next transaction and next new address get."""
    next_tx, next_address = con.execute(
        "SELECT (SELECT coalesce(max(tx_id) + 1, 0) FROM transactions), "
        "(SELECT coalesce(max(address_id) + 1, 0) FROM addresses)"
    ).fetchall()[0]
    return int(next_tx), int(next_address)


# Coinbases whose txid a later coinbase repeats (BIP 30: Bitcoin's blocks 91812 and 91722 are the known two).
_SHADOWED = """
SELECT tx_id FROM (SELECT tx_id, max(tx_id) OVER (PARTITION BY txid) AS last FROM transactions WHERE is_coinbase)
WHERE tx_id < last
"""


@numba.njit(cache=True, nogil=True)
def _gather(data: U8, starts: I64, lengths: I64, out: U8, offsets: npt.NDArray[np.int32]) -> None:
    at = 0
    for i in range(len(starts)):
        out[at : at + lengths[i]] = data[starts[i] : starts[i] + lengths[i]]
        at += lengths[i]
        offsets[i + 1] = at


def _binary_of(data: U8, starts: I64, lengths: I64) -> pa.BinaryArray:
    """The byte strings at ``data[start:start + length]`` as an Arrow binary column."""
    out = np.empty(int(lengths.sum()), np.uint8)
    offsets = np.zeros(len(starts) + 1, np.int32)
    _gather(data, starts, lengths, out, offsets)
    return pa.Array.from_buffers(pa.binary(), len(starts), [None, pa.py_buffer(offsets), pa.py_buffer(out)])


def _large(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.binary())
    return column if pa.types.is_large_binary(column.type) else column.cast(pa.large_binary())


def binary_layout(column: pa.Array | pa.ChunkedArray, *, copy: bool = True) -> tuple[U8, I64]:
    """An Arrow binary column as (bytes back to back, offsets), the layout of :class:`KeyIndex`.

    ``copy``: the bytes are copied out, offsets from 0, so that a KeyIndex may own and grow
    them; without, a read-only view of the column's buffer and its own offsets (for reading).
    """
    array = _large(column)
    offsets = np.frombuffer(array.buffers()[1], np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], np.uint8) if array.buffers()[2] is not None else np.zeros(0, np.uint8)
    if not copy:
        return data, offsets
    start = int(offsets[0]) if len(offsets) else 0
    end = int(offsets[-1]) if len(offsets) else 0
    return data[start:end].copy(), (offsets - start).astype(np.int64) if len(offsets) else np.zeros(1, np.int64)
