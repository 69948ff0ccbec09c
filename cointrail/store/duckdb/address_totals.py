"""A bulk load's per-address totals, added up in memory as its batches are written.

A bulk load defers ``address_stats`` to its end (:func:`address_stats.defer`).
Computing them there in SQL means grouping every output and input again by
address, with a distinct count of transactions: on the 1M benchmark chain about
3.3 CPU s, 15 % of the whole raw ingest. The writer already holds each batch's
rows as NumPy columns, resolved to address ids and values, so this module adds
them up as they are committed, in one compiled pass per batch, and the load's
end inserts the result (:func:`address_stats.catch_up`). The columns are those
of ``address_stats`` and mean the same; tests compare the two ways row by row.

Only committed batches are added, so the totals always describe what the
store holds; a load killed midway loses them, and the next open for writing
computes them in SQL instead (:func:`address_stats.catch_up`).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt
import pyarrow as pa

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
_NONE = -1


@numba.njit(cache=True, nogil=True)
def _add(first_tx_id: int, heights: I64, out_counts: I64, out_address: I64, out_value: I64,  # noqa: PLR0913
         in_counts: I64, in_address: I64, in_value: I64, received: I64, sent: I64, n_out: I32, n_in: I32,
         n_tx: I32, first_tx: I64, last_tx: I64, first_height: I32, last_height: I32) -> None:  # fmt: skip
    """Add one batch's rows (grouped by transaction, in chain order) to the totals."""
    o = 0
    i = 0
    for t in range(len(heights)):
        tx_id = first_tx_id + t
        height = heights[t]
        for k in range(out_counts[t] + in_counts[t]):
            if k < out_counts[t]:
                a = out_address[o]
                received[a] += out_value[o]
                n_out[a] += 1
                o += 1
            else:
                a = in_address[i]
                if a == _NONE:  # a coinbase's input: it spends no address
                    i += 1
                    continue
                sent[a] += in_value[i]
                n_in[a] += 1
                i += 1
            # Transactions come in increasing id, so "seen in this one already" is last_tx == tx_id.
            if last_tx[a] != tx_id:
                n_tx[a] += 1
                if first_tx[a] == _NONE:
                    first_tx[a] = tx_id
                    first_height[a] = height
                last_tx[a] = tx_id
                last_height[a] = height


# Sums and transaction ids in 64 bits, counts and heights in 32 (as in address_stats): about 52 bytes an address.
_DTYPES = {"received": np.int64, "sent": np.int64, "n_out": np.int32, "n_in": np.int32, "n_tx": np.int32,
           "first_tx": np.int64, "last_tx": np.int64, "first_height": np.int32, "last_height": np.int32}
_UNSEEN = {"first_tx", "last_tx"}  # start at -1; the others at 0


class AddressTotals:
    """The totals of the addresses a bulk load's batches touched, from ``first_height`` on.

    Arrays are indexed by address id (dense, so at most the store's addresses)
    and grow as batches bring new addresses.
    """

    def __init__(self, first_height: int):
        self.first_height = first_height
        self._arrays = {name: np.full(0, _NONE if name in _UNSEEN else 0, kind) for name, kind in _DTYPES.items()}
        self._times: list[I64] = []  # block times from first_height on, a batch's blocks at a time

    def add(self, first_tx_id: int, heights: I64, out_counts: I64, out_address: I64, out_value: I64,  # noqa: PLR0913
            in_counts: I64, in_address: I64, in_value: I64, block_heights: list[int],
            block_times: list[int]) -> None:  # fmt: skip
        """Add a committed batch: its transactions' heights and row counts, their outputs' and inputs'
        address ids and values (-1: none), and its blocks' heights and times (the next after those added)."""
        expected = self.first_height + sum(len(t) for t in self._times)
        if block_heights and block_heights[0] != expected:
            raise ValueError(f"batch starts at height {block_heights[0]}, not {expected}: batches must come in order")
        top = max(int(out_address.max(initial=_NONE)), int(in_address.max(initial=_NONE)))
        # Numba does not check bounds: an id below -1, or -1 on an output, would add to another address.
        if int(out_address.min(initial=0)) < 0 or int(in_address.min(initial=0)) < _NONE:
            raise ValueError("an output without an address id, or a negative id: the batch was not resolved")
        self._grow(top + 1)
        a = self._arrays
        _add(first_tx_id, heights, out_counts, out_address, out_value, in_counts, in_address, in_value,
             a["received"], a["sent"], a["n_out"], a["n_in"], a["n_tx"], a["first_tx"], a["last_tx"],
             a["first_height"], a["last_height"])  # fmt: skip
        self._times.append(np.asarray(block_times, np.int64))

    @property
    def nbytes(self) -> int:
        """Memory the totals hold."""
        return sum(a.nbytes for a in self._arrays.values()) + sum(t.nbytes for t in self._times)

    def _grow(self, size: int) -> None:
        current = len(self._arrays["n_tx"])
        if size <= current:
            return
        size = max(size, current + current // 2)  # amortised: a load adds addresses with every batch
        for name, old in self._arrays.items():
            grown = np.full(size, _NONE if name in _UNSEEN else 0, old.dtype)
            grown[:current] = old
            self._arrays[name] = grown

    def table(self) -> pa.Table:
        """One row per address touched, with the columns of ``address_stats`` after chain and network."""
        a = self._arrays
        ids = np.flatnonzero(a["n_tx"] > 0)
        times = np.concatenate(self._times) if self._times else np.zeros(0, np.int64)
        first_h, last_h = a["first_height"][ids], a["last_height"][ids]
        return pa.table({
            "address_id": ids.astype(np.int64), "received": a["received"][ids], "sent": a["sent"][ids],
            "outputs_received": a["n_out"][ids], "outputs_spent": a["n_in"][ids], "tx_count": a["n_tx"][ids],
            "first_tx_id": a["first_tx"][ids], "last_tx_id": a["last_tx"][ids],
            "first_height": first_h, "first_time": times[first_h - self.first_height],
            "last_height": last_h, "last_time": times[last_h - self.first_height],
        })  # fmt: skip
