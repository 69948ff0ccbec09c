"""A batch of blocks as columns: what the writer stores, built from raw bytes or from parsed blocks.

Raw ingest reads each batch with the compiled walk of :mod:`cointrail.chains.bitcoin.columnar`
and hashes the byte ranges it found (:mod:`cointrail.chains.bitcoin.digests`): every txid and wtxid is
recomputed from the bytes and every block's merkle root checked, as the
reference parser does, but without a Python object per input or output. A block
the walk cannot read (Litecoin MWEB, or corrupt data) is parsed by
:func:`cointrail.chains.bitcoin.rawblock.parse_block`, which reads it or raises its
precise error; :func:`from_blocks` turns such parsed blocks (and those that
tests and other callers build) into the same columns.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cointrail.chains.bitcoin import columnar, digests, verify
from cointrail.chains.bitcoin.model import Block, RawBlock, display_hash
from cointrail.chains.bitcoin.rawblock import mweb_extension_size, parse_block

_header = struct.Struct("<i32s32sIII").unpack_from


@dataclass
class BlockRows:
    """Per-block columns: header fields and where the block came from."""

    height: list[int] = field(default_factory=list)
    hash: list[bytes] = field(default_factory=list)
    prev_hash: list[bytes] = field(default_factory=list)
    merkle_root: list[bytes] = field(default_factory=list)
    version: list[int] = field(default_factory=list)
    time: list[int] = field(default_factory=list)
    bits: list[int] = field(default_factory=list)
    nonce: list[int] = field(default_factory=list)
    size: list[int] = field(default_factory=list)
    tx_count: list[int] = field(default_factory=list)
    mweb_size: list[int] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    merkle_checked: list[bool] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    witness_problem: list[str | None] = field(default_factory=list)  # why its BIP 141 commitment fails, or None

    def add(self, raw: RawBlock, tx_count: int, merkle_checked: bool, witness_problem: str | None) -> None:
        """A row for a block the compiled walk read (so without an MWEB extension); its hash is the one the
        source already checked (:attr:`RawBlock.hash`, computed once)."""
        version, prev_hash, merkle, time, bits, nonce = _header(raw.data)
        self.height.append(raw.height)
        self.hash.append(raw.hash)
        self.prev_hash.append(prev_hash)
        self.merkle_root.append(merkle)
        self.version.append(version)
        self.time.append(time)
        self.bits.append(bits)
        self.nonce.append(nonce)
        self.size.append(len(raw.data))
        self.tx_count.append(tx_count)
        self.mweb_size.append(0)
        self.source.append(raw.source)
        self.merkle_checked.append(merkle_checked)
        self.where.append(raw.where)
        self.witness_problem.append(witness_problem)

    def extend(self, other: BlockRows) -> None:
        for name, column in vars(self).items():
            column.extend(getattr(other, name))


Array = npt.NDArray[np.int64]


@dataclass
class Batch:
    """Consecutive blocks as columns. Offsets (scripts, previous txids) point into ``data``.

    Transactions: ``txid``/``wtxid`` are (n, 32) byte arrays; ``tx`` holds the
    integer fields of :data:`cointrail.chains.bitcoin.columnar.TX_FIELDS` plus height,
    position and MWEB flag. Inputs: previous txid offset, previous vout,
    sequence. Outputs: value, script offset, script length.
    """

    blocks: BlockRows
    data: npt.NDArray[np.uint8]
    txid: npt.NDArray[np.uint8]
    wtxid: npt.NDArray[np.uint8]
    tx: Array  # columns TX
    inputs: Array
    outputs: Array

    @property
    def heights(self) -> tuple[int, int]:
        return self.blocks.height[0], self.blocks.height[-1]

    def display_txid(self, tx_index: int) -> str:
        return display_hash(self.txid[tx_index].tobytes())

    def column(self, name: str) -> Array:
        """One column of ``tx`` by its name in :data:`TX`."""
        return self.tx[:, TX.index(name)]


# Integer columns of Batch.tx, in order.
TX = ("version", "locktime", "size", "vsize", "input_count", "output_count", "first_input", "first_output",
      "is_coinbase", "height", "position", "has_mweb")  # fmt: skip
_WALKED_TX = [columnar.TX_FIELDS.index(name) for name in TX[:9]]


def _from_walk(raws: Sequence[RawBlock], buf: npt.NDArray[np.uint8], walked: columnar.Walked) -> Batch:
    """The batch of the blocks the walk read: hash the ranges it found, check each merkle root."""
    tx = walked.tx
    txids = digests.double_sha256_ranges(walked.idbuf, tx[:, 11:13])
    wtxid = txids.copy()
    segwit = np.flatnonzero(tx[:, 10])
    if len(segwit):
        wtxid[segwit] = digests.double_sha256_ranges(buf, tx[segwit, 0:2])
    counts = walked.block_txs[: len(raws)].astype(np.int64)
    merkle = verify.walked_merkle_verified(txids, counts, raws)
    problems = verify.check_walked(buf, tx, walked.outputs, wtxid, counts)
    rows = BlockRows()
    first = 0
    heights = np.empty(len(tx), np.int64)
    positions = np.empty(len(tx), np.int64)
    for b, (raw, count) in enumerate(zip(raws, counts.tolist(), strict=False)):
        rows.add(raw, count, merkle[b], problems[b])
        heights[first : first + count] = raw.height
        positions[first : first + count] = np.arange(count)
        first += count
    columns = np.column_stack([tx[:, _WALKED_TX], heights, positions, np.zeros(len(tx), np.int64)])
    return Batch(rows, buf, txids, wtxid, columns, walked.inputs, walked.outputs)


def from_raw(raws: Sequence[RawBlock]) -> Batch:
    """The columns of raw blocks, txids and merkle roots recomputed.

    Raises :class:`~cointrail.chains.bitcoin.rawblock.MalformedDataError` (or
    ``UnsupportedDataError``) for a block that cannot be read, naming it.
    """
    parts: list[Batch] = []
    buf = np.frombuffer(b"".join(r.data for r in raws), np.uint8)
    sizes = np.array([len(r.data) for r in raws], np.int64)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    done = 0
    while done < len(raws):
        walked = columnar.walk_blocks(buf, starts[done:], ends[done:])
        if walked.blocks:
            parts.append(_from_walk(raws[done : done + walked.blocks], buf, walked))
        done += walked.blocks
        if done < len(raws):  # the reference parser reads it (MWEB) or says what is wrong
            odd = raws[done]
            parts.append(from_blocks([(parse_block(odd.data, height=odd.height, where=odd.where), odd)]))
            done += 1
    return concatenate(parts)


def from_blocks(blocks: Sequence[tuple[Block, RawBlock | None]] | Sequence[tuple[Block, int, str]]) -> Batch:
    """The columns of parsed blocks: (block, raw block) or (block, height, source) pairs."""
    rows = BlockRows()
    data = bytearray()
    txids: list[bytes] = []
    wtxids: list[bytes] = []
    tx_rows: list[tuple[int, ...]] = []
    in_rows: list[tuple[int, int, int]] = []
    out_rows: list[tuple[int, int, int]] = []
    for item in blocks:
        block, place = item[0], item[1]
        if isinstance(place, RawBlock):
            height, source, where = place.height, place.source, place.where
        else:
            height, source = int(place or 0), str(item[2])  # type: ignore[misc]
            where = source
        header = block.header
        rows.height.append(height)
        for name in ("hash", "prev_hash", "merkle_root", "version", "time", "bits", "nonce"):
            getattr(rows, name).append(getattr(header, name))
        rows.size.append(block.size)
        rows.tx_count.append(len(block.transactions))
        rows.mweb_size.append(mweb_extension_size(block))
        rows.source.append(source)
        rows.merkle_checked.append(block.merkle_verified)
        rows.where.append(where)
        rows.witness_problem.append(verify.check_block(block))
        for position, t in enumerate(block.transactions):
            txids.append(t.txid)
            wtxids.append(t.wtxid)
            tx_rows.append((t.version, t.locktime, t.size, t.vsize, len(t.inputs), len(t.outputs), len(in_rows),
                            len(out_rows), t.is_coinbase, height, position, t.has_mweb))  # fmt: skip
            for txin in t.inputs:
                in_rows.append((len(data), txin.prev_vout, txin.sequence))
                data += txin.prev_txid
            for out in t.outputs:
                out_rows.append((out.value, len(data), len(out.script_pubkey)))
                data += out.script_pubkey
    return Batch(
        rows, np.frombuffer(bytes(data), np.uint8), _hashes(txids), _hashes(wtxids),
        np.array(tx_rows, np.int64).reshape(-1, len(TX)), np.array(in_rows, np.int64).reshape(-1, 3),
        np.array(out_rows, np.int64).reshape(-1, 3),
    )  # fmt: skip


def _hashes(values: list[bytes]) -> npt.NDArray[np.uint8]:
    return np.frombuffer(b"".join(values), np.uint8).reshape(-1, 32)


def concatenate(parts: list[Batch]) -> Batch:
    """One batch of consecutive parts, offsets shifted to the joined data."""
    if len(parts) == 1:
        return parts[0]
    rows = BlockRows()
    for part in parts:
        rows.extend(part.blocks)
    # Parts read by one walk share its buffer: join each distinct buffer once.
    buffers: dict[int, int] = {}
    joined: list[npt.NDArray[np.uint8]] = []
    for part in parts:
        if id(part.data) not in buffers:
            buffers[id(part.data)] = sum(len(b) for b in joined)
            joined.append(part.data)
    data_shift = [buffers[id(p.data)] for p in parts]
    in_shift = np.cumsum([0] + [len(p.inputs) for p in parts[:-1]])
    out_shift = np.cumsum([0] + [len(p.outputs) for p in parts[:-1]])
    txs, ins, outs = [], [], []
    first_input, first_output = TX.index("first_input"), TX.index("first_output")
    for part, d, i, o in zip(parts, data_shift, in_shift, out_shift, strict=True):
        t = part.tx.copy()
        t[:, first_input] += i
        t[:, first_output] += o
        txs.append(t)
        ins.append(part.inputs + np.array([d, 0, 0]))
        outs.append(part.outputs + np.array([0, d, 0]))
    return Batch(
        rows, np.concatenate(joined), np.concatenate([p.txid for p in parts]),
        np.concatenate([p.wtxid for p in parts]), np.concatenate(txs).reshape(-1, len(TX)),
        np.concatenate(ins).reshape(-1, 3), np.concatenate(outs).reshape(-1, 3),
    )  # fmt: skip


def hash_column(hashes: npt.NDArray[np.uint8]) -> pa.Array:
    """(n, 32) hash bytes as an Arrow binary column, without a Python object per hash."""
    n = len(hashes)
    offsets = np.arange(0, 32 * n + 1, 32, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(hashes.tobytes())])
