"""A compiled walk over raw blocks that fills column arrays instead of value objects.

Raw ingest needs, per transaction, its byte ranges (to hash the txid and wtxid)
and a few integers; per input the outpoint and sequence; per output the value
and where its script lies. :func:`walk_blocks` finds all of them in one pass of
Numba-compiled code over the concatenated bytes of a batch of blocks, writing
NumPy arrays: no Python object per input or output. SHA-256 is left to hashlib
(:mod:`cointrail.chains.bitcoin.batch`), which Numba does not have.

The walk is deliberately partial: it accepts only what it can read exactly
(plain and BIP 144 segwit serializations, nothing after the last transaction)
and stops at the first block that is anything else (corrupt, truncated, Litecoin
MWEB). The caller parses that block with :func:`cointrail.chains.bitcoin.rawblock.parse_block`,
which either reads it (MWEB) or raises the precise error, so both parsers accept
exactly the same blocks and the messages stay those of the reference parser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

HEADER_SIZE = 80
MIN_TX_SIZE = 60  # version, one input of 41 bytes, one output of 9, locktime
MIN_INPUT_SIZE = 41
MIN_OUTPUT_SIZE = 9

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


@numba.njit(cache=True, nogil=True, inline="always")
def _varint(buf: U8, pos: int, end: int) -> tuple[int, int]:
    """(value, position after it) of a CompactSize; position -1 when it runs past ``end``."""
    if pos >= end:
        return 0, -1
    first = buf[pos]
    if first < 0xFD:
        return first, pos + 1
    width = 2 if first == 0xFD else 4 if first == 0xFE else 8
    if pos + 1 + width > end:
        return 0, -1
    value = 0
    for i in range(width):
        value |= int(buf[pos + 1 + i]) << (8 * i)
    if value < 0:  # above 2**63: no count or length in a block can be that large
        return 0, -1
    return value, pos + 1 + width


@numba.njit(cache=True, nogil=True, inline="always")
def _u32(buf: U8, pos: int) -> int:
    return int(buf[pos]) | int(buf[pos + 1]) << 8 | int(buf[pos + 2]) << 16 | int(buf[pos + 3]) << 24


@numba.njit(cache=True, nogil=True, inline="always")
def _i64(buf: U8, pos: int) -> np.int64:
    value = np.uint64(0)
    for i in range(8):
        value |= np.uint64(buf[pos + i]) << np.uint64(8 * i)
    return np.int64(value)


@numba.njit(cache=True, nogil=True)
def _walk_tx(buf: U8, pos: int, end: int, t: int, n_in: int, n_out: int, tx: I64, ins: I64, outs: I64,
             idbuf: U8, id_pos: int) -> tuple[int, int, int, int]:  # fmt: skip
    """Read one transaction at ``pos``; return (position after it, inputs, outputs, id buffer position).

    Position -1: the walk cannot read it (the reference parser will tell why).
    ``tx[t]`` gets: start, end, version, locktime, size, vsize, inputs, outputs,
    first input, first output, segwit, id start, id end, coinbase.
    """
    start = pos
    if pos + 5 > end:
        return -1, n_in, n_out, id_pos
    segwit = buf[pos + 4] == 0
    if segwit:
        if buf[pos + 5] != 1:  # only the BIP 144 witness flag; MWEB and unknown flags go to the reference parser
            return -1, n_in, n_out, id_pos
        pos += 2
    count, pos = _varint(buf, pos + 4, end)
    if pos < 0 or count > (end - pos) // MIN_INPUT_SIZE:
        return -1, n_in, n_out, id_pos
    first_in = n_in
    for _ in range(count):
        if pos + 37 > end:
            return -1, n_in, n_out, id_pos
        ins[n_in, 0] = pos  # the previous txid's 32 bytes
        ins[n_in, 1] = _u32(buf, pos + 32)
        length, pos = _varint(buf, pos + 36, end)
        if pos < 0 or pos + length + 4 > end:
            return -1, n_in, n_out, id_pos
        pos += length
        ins[n_in, 2] = _u32(buf, pos)
        pos += 4
        n_in += 1
    count, pos = _varint(buf, pos, end)
    if pos < 0 or count > (end - pos) // MIN_OUTPUT_SIZE:
        return -1, n_in, n_out, id_pos
    first_out = n_out
    for _ in range(count):
        if pos + 9 > end:
            return -1, n_in, n_out, id_pos
        outs[n_out, 0] = _i64(buf, pos)
        length, pos = _varint(buf, pos + 8, end)
        if pos < 0 or pos + length > end:
            return -1, n_in, n_out, id_pos
        outs[n_out, 1] = pos
        outs[n_out, 2] = length
        pos += length
        n_out += 1
    outputs_end = pos
    if segwit:
        pos = _skip_witnesses(buf, pos, end, n_in - first_in)
        if pos < 0:
            return -1, n_in, n_out, id_pos
    if pos + 4 > end:
        return -1, n_in, n_out, id_pos
    pos += 4
    size = pos - start
    # The txid hashes the serialization without marker, flag and witnesses: copy it out contiguously.
    id_start = id_pos
    idbuf[id_pos : id_pos + 4] = buf[start : start + 4]
    body = start + 6 if segwit else start + 4
    idbuf[id_pos + 4 : id_pos + 4 + outputs_end - body] = buf[body:outputs_end]
    id_pos += 4 + outputs_end - body
    idbuf[id_pos : id_pos + 4] = buf[pos - 4 : pos]
    id_pos += 4
    base = id_pos - id_start
    vsize = (base * 3 + size + 3) // 4 if segwit else size  # BIP 141: weight = 3 x base size + total size
    coinbase = n_in - first_in == 1 and ins[first_in, 1] == 0xFFFFFFFF
    if coinbase:
        for i in range(32):
            if buf[ins[first_in, 0] + i] != 0:
                coinbase = False
                break
    version = _u32(buf, start)
    if version >= 1 << 31:  # a signed 32-bit field
        version -= 1 << 32
    row = tx[t]
    row[0], row[1], row[2], row[3] = start, pos, version, _u32(buf, pos - 4)
    row[4], row[5], row[6], row[7] = size, vsize, n_in - first_in, n_out - first_out
    row[8], row[9], row[10], row[11], row[12], row[13] = first_in, first_out, segwit, id_start, id_pos, coinbase
    return pos, n_in, n_out, id_pos


@numba.njit(cache=True, nogil=True)
def _skip_witnesses(buf: U8, pos: int, end: int, n_inputs: int) -> int:
    """The position after one witness stack per input; -1 if none has an item (Bitcoin Core refuses that too)."""
    items = 0
    for _ in range(n_inputs):
        count, pos = _varint(buf, pos, end)
        if pos < 0 or count > end - pos:
            return -1
        items += count
        for _ in range(count):
            length, pos = _varint(buf, pos, end)
            if pos < 0 or length > end - pos:
                return -1
            pos += length
    return pos if items else -1


@numba.njit(cache=True, nogil=True)
def _walk(buf: U8, starts: I64, ends: I64, tx: I64, ins: I64, outs: I64, idbuf: U8,
          block_txs: I64) -> tuple[int, int, int, int]:  # fmt: skip
    """Walk whole blocks until one cannot be read; return (blocks, transactions, inputs, outputs) read."""
    n_tx = n_in = n_out = id_pos = 0
    for b in range(len(starts)):
        end = ends[b]
        count, pos = _varint(buf, starts[b] + HEADER_SIZE, end)
        if pos < 0 or count == 0 or count > (end - pos) // MIN_TX_SIZE:
            return b, n_tx, n_in, n_out
        t, i, o, d = n_tx, n_in, n_out, id_pos
        for _ in range(count):
            pos, i, o, d = _walk_tx(buf, pos, end, t, i, o, tx, ins, outs, idbuf, d)
            if pos < 0:
                return b, n_tx, n_in, n_out
            t += 1
        if pos != end:  # trailing bytes (a Litecoin MWEB extension block, or corruption)
            return b, n_tx, n_in, n_out
        block_txs[b] = count
        n_tx, n_in, n_out, id_pos = t, i, o, d
    return len(starts), n_tx, n_in, n_out


TX_FIELDS = ("start", "end", "version", "locktime", "size", "vsize", "input_count", "output_count",
             "first_input", "first_output", "segwit", "id_start", "id_end", "is_coinbase")  # fmt: skip


@dataclass
class Walked:
    """The columns :func:`walk_blocks` found; offsets point into the walked buffer, ids into ``idbuf``."""

    blocks: int  # how many leading blocks were read (the next one needs the reference parser)
    block_txs: I64  # transactions per block read
    tx: I64  # one row per transaction, columns TX_FIELDS
    inputs: I64  # prev txid offset, prev vout, sequence
    outputs: I64  # value, script offset, script length
    idbuf: U8  # each transaction's serialization without witness, back to back


def walk_blocks(buf: U8, starts: I64, ends: I64) -> Walked:
    """Walk the blocks at ``buf[starts[i]:ends[i]]`` in order, as far as they can be read exactly."""
    size = int((ends - starts).sum()) if len(starts) else 0
    tx = np.empty((size // MIN_TX_SIZE + 1, len(TX_FIELDS)), np.int64)
    ins = np.empty((size // MIN_INPUT_SIZE + 1, 3), np.int64)
    outs = np.empty((size // MIN_OUTPUT_SIZE + 1, 3), np.int64)
    idbuf = np.empty(size, np.uint8)
    block_txs = np.zeros(len(starts), np.int64)
    blocks, n_tx, n_in, n_out = _walk(buf, starts, ends, tx, ins, outs, idbuf, block_txs)
    id_end = int(tx[n_tx - 1, 12]) if n_tx else 0
    # Copies, so that the arrays sized for the worst case are freed now.
    return Walked(blocks, block_txs[:blocks].copy(), tx[:n_tx].copy(), ins[:n_in].copy(), outs[:n_out].copy(),
                  idbuf[:id_end].copy())  # fmt: skip
