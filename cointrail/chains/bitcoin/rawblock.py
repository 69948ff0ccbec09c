"""Parse and serialize raw Bitcoin-family blocks and transactions.

One parser serves every source of raw data: ``getblock HASH 0`` from a node's
JSON-RPC and the records of Bitcoin Core's ``blk*.dat`` files. It is strict:
truncated data, unknown serialization flags and trailing bytes are refused with
a :class:`MalformedDataError` that says which block or transaction and at which
byte offset. Transaction ids are recomputed from the bytes (BIP 141: the txid
hashes the serialization without witness data) and each block's merkle root is
recomputed and compared (:func:`cointrail.chains.bitcoin.verify.merkle_verified`, where the witness commitment,
which the merkle root does not cover, is checked too).

Written by hand rather than with embit or python-bitcoinlib because ingest
speed is a requirement (tens of thousands of transactions per second per core):
this module reads straight from one ``bytes`` buffer with ``struct.unpack_from``
and builds each value object once.

Litecoin's MWEB (MimbleWimble extension blocks, LIP 2/3) is handled as far as
it can be without a MimbleWimble parser: the HogEx ("integrating") transaction
and transactions carrying MWEB data are marked ``has_mweb``; the extension block
that follows the transactions of a post-activation block is kept opaque and
skipped (its size is :func:`mweb_extension_size`). The txid, wtxid and vsize
leave the MWEB flag and part out, as Litecoin Core computes them (checked against
a HogEx transaction of Litecoin mainnet). Transaction-level MWEB bodies inside a
block, and MWEB-only transactions (whose id is the hash of the MimbleWimble body),
raise :class:`UnsupportedDataError` rather than being guessed at.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.model import HEADER_SIZE, Block, BlockHeader, Transaction, TxIn, TxOut, display_hash
from cointrail.chains.bitcoin.verify import merkle_verified
from cointrail.errors import InputError

WITNESS_FLAG = 0x01
MWEB_FLAG = 0x08  # Litecoin: src/primitives/transaction.h, UnserializeTransaction
_KNOWN_FLAGS = WITNESS_FLAG | MWEB_FLAG

_u16 = struct.Struct("<H").unpack_from
_u32 = struct.Struct("<I").unpack_from
_i32 = struct.Struct("<i").unpack_from
_u64 = struct.Struct("<Q").unpack_from
_i64 = struct.Struct("<q").unpack_from
_u32_u8 = struct.Struct("<IB").unpack_from  # an outpoint's index and the first byte of the script length
_i64_u8 = struct.Struct("<qB").unpack_from  # an output's value and the first byte of the script length
_header = struct.Struct("<i32s32sIII").unpack_from
_sha256 = hashlib.sha256

# The value objects are frozen dataclasses, whose generated __init__ costs about
# twice as much as setting their slots directly; raw ingest builds millions, so
# the hot loop fills the slots itself (same classes, same resulting objects).
_new = object.__new__
_in_prev, _in_vout, _in_script, _in_seq, _in_wit = (
    getattr(TxIn, name).__set__ for name in ("prev_txid", "prev_vout", "script_sig", "sequence", "witness")
)
_out_value, _out_script = (getattr(TxOut, name).__set__ for name in ("value", "script_pubkey"))
(_tx_txid, _tx_wtxid, _tx_version, _tx_inputs, _tx_outputs, _tx_locktime, _tx_size, _tx_vsize, _tx_mweb) = (
    getattr(Transaction, name).__set__
    for name in ("txid", "wtxid", "version", "inputs", "outputs", "locktime", "size", "vsize", "has_mweb")
)


def _make_tx(
    txid: bytes,
    wtxid: bytes,
    version: int,
    inputs: tuple[TxIn, ...],
    outputs: tuple[TxOut, ...],
    locktime: int,
    size: int,
    vsize: int,
    has_mweb: bool,
) -> Transaction:
    """A Transaction from its field values, without the dataclass __init__ (see above)."""
    tx = _new(Transaction)
    _tx_txid(tx, txid)
    _tx_wtxid(tx, wtxid)
    _tx_version(tx, version)
    _tx_inputs(tx, inputs)
    _tx_outputs(tx, outputs)
    _tx_locktime(tx, locktime)
    _tx_size(tx, size)
    _tx_vsize(tx, vsize)
    _tx_mweb(tx, has_mweb)
    return tx


class MalformedDataError(InputError):
    """Raw block or transaction bytes that do not follow the serialization rules."""


class UnsupportedDataError(InputError):
    """Valid chain data that cointrail cannot read yet (Litecoin MWEB transaction bodies)."""


class _Truncated(Exception):
    """Internal: a read ran past the end of the buffer."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Read a CompactSize at ``pos``; return (value, new position)."""
    first = buf[pos]
    if first < 0xFD:
        return first, pos + 1
    if first == 0xFD:
        return _u16(buf, pos + 1)[0], pos + 3
    if first == 0xFE:
        return _u32(buf, pos + 1)[0], pos + 5
    return _u64(buf, pos + 1)[0], pos + 9


def parse_header(data: bytes, offset: int = 0) -> BlockHeader:
    """The 80-byte block header at ``offset`` of ``data``, with its hash."""
    if len(data) - offset < HEADER_SIZE:
        raise MalformedDataError(f"A block header needs 80 bytes; only {max(len(data) - offset, 0)} are there.")
    raw = data[offset : offset + HEADER_SIZE]
    version, prev_hash, merkle, time, bits, nonce = _header(raw)
    return BlockHeader(double_sha256(raw), version, prev_hash, merkle, time, bits, nonce)


def _read_tx(buf: bytes, view: memoryview, pos: int, allow_mweb_tail: int) -> tuple[Transaction, int]:
    """Parse one transaction starting at ``pos``; return it and the position after it.

    This is the hot loop of raw ingest, hence long and with local aliases.
    ``allow_mweb_tail`` is where the locktime of a standalone transaction sits,
    so that its opaque MWEB data can be skipped; 0 inside a block.
    """
    u32, u32_u8, new = _u32, _u32_u8, _new
    start = pos
    count = buf[pos + 4]
    flags = 0
    if count == 0:  # BIP 144 marker: an empty vin followed by a non-zero flag byte
        flags = buf[pos + 5]
        if flags == 0 or flags & ~_KNOWN_FLAGS:
            raise MalformedDataError(f"unknown transaction serialization flags 0x{flags:02x}")
        pos += 2
        count = buf[pos + 4]
    pos += 5
    if count >= 0xFD:
        count, pos = _varint(buf, pos - 1)
    if count * 41 > len(buf) - pos:
        raise _Truncated
    inputs: list[TxIn] = []
    append = inputs.append
    set_prev, set_vout, set_script, set_seq, set_wit = _in_prev, _in_vout, _in_script, _in_seq, _in_wit
    for _ in range(count):
        txin = new(TxIn)
        set_prev(txin, buf[pos : pos + 32])
        vout, length = u32_u8(buf, pos + 32)
        set_vout(txin, vout)
        pos += 37
        if length >= 0xFD:
            length, pos = _varint(buf, pos - 1)
        set_script(txin, buf[pos : pos + length])
        pos += length
        set_seq(txin, u32(buf, pos)[0])
        set_wit(txin, ())
        append(txin)
        pos += 4
    count = buf[pos]
    pos += 1
    if count >= 0xFD:
        count, pos = _varint(buf, pos - 1)
    if count * 9 > len(buf) - pos:
        raise _Truncated
    outputs: list[TxOut] = []
    append_out = outputs.append
    i64_u8, set_value, set_spk = _i64_u8, _out_value, _out_script
    for _ in range(count):
        txout = new(TxOut)
        value, length = i64_u8(buf, pos)
        set_value(txout, value)
        pos += 9
        if length >= 0xFD:
            length, pos = _varint(buf, pos - 1)
        set_spk(txout, buf[pos : pos + length])
        append_out(txout)
        pos += length
    if not flags:
        locktime = u32(buf, pos)[0]
        pos += 4
        size = pos - start
        txid = _sha256(_sha256(view[start:pos]).digest()).digest()
        return _make_tx(
            txid, txid, _i32(buf, start)[0], tuple(inputs), tuple(outputs), locktime, size, size, False
        ), pos
    return _finish_extended(buf, view, start, pos, flags, inputs, outputs, allow_mweb_tail)


def _finish_extended(
    buf: bytes,
    view: memoryview,
    start: int,
    pos: int,
    flags: int,
    inputs: list[TxIn],
    outputs: list[TxOut],
    allow_mweb_tail: int,
) -> tuple[Transaction, int]:
    """The rest of a BIP 144 (segwit) or MWEB-flagged transaction after its outputs."""
    outputs_end = pos
    if flags & WITNESS_FLAG:
        pos = _read_witnesses(buf, pos, inputs)
    mweb_end = pos
    if flags & MWEB_FLAG:
        pos = _skip_mweb_tx(buf, pos, allow_mweb_tail, len(inputs), len(outputs))
    locktime = _u32(buf, pos)[0]
    pos += 4
    if pos > len(buf):
        raise _Truncated
    inner = _sha256(view[start : start + 4])  # the txid hashes the serialization without marker and witness
    inner.update(view[start + 6 : outputs_end])
    inner.update(view[pos - 4 : pos])
    txid = _sha256(inner.digest()).digest()
    if not flags & WITNESS_FLAG:
        wtxid = txid
    elif flags & MWEB_FLAG:
        # Litecoin's wtxid leaves out the MWEB flag and data (SERIALIZE_NO_MWEB).
        wtxid = double_sha256(
            b"".join((view[start : start + 5], b"\x01", view[start + 6 : mweb_end], view[pos - 4 : pos]))
        )
    else:
        wtxid = _sha256(_sha256(view[start:pos]).digest()).digest()
    size = pos - start
    base = outputs_end - start + 2  # version + inputs + outputs + locktime
    # BIP 141: weight = 3 x base size + total size; Litecoin weighs the total without
    # the MWEB part, and without the marker and flag when only the MWEB flag was set.
    total = mweb_end - start + 4 if flags & WITNESS_FLAG else base
    vsize = (base * 3 + total + 3) // 4
    version = _i32(buf, start)[0]
    tx = _make_tx(txid, wtxid, version, tuple(inputs), tuple(outputs), locktime, size, vsize, bool(flags & MWEB_FLAG))
    return tx, pos


def _read_witnesses(buf: bytes, pos: int, inputs: list[TxIn]) -> int:
    """Read one witness stack per input (BIP 144) into the inputs; return the position after them."""
    any_witness = False
    for txin in inputs:
        count = buf[pos]
        pos += 1
        if count >= 0xFD:
            count, pos = _varint(buf, pos - 1)
        if count > len(buf) - pos:
            raise _Truncated
        items = []
        for _ in range(count):
            length = buf[pos]
            pos += 1
            if length >= 0xFD:
                length, pos = _varint(buf, pos - 1)
            items.append(buf[pos : pos + length])
            pos += length
        if items:
            any_witness = True
            _in_wit(txin, tuple(items))
    if not any_witness:
        # Bitcoin Core refuses this too ("Superfluous witness record").
        raise MalformedDataError("the transaction has the witness flag but no witness data")
    return pos


def _skip_mweb_tx(buf: bytes, pos: int, tail: int, n_inputs: int, n_outputs: int) -> int:
    """Skip a transaction's optional MWEB part (Litecoin); return the position of its locktime.

    A null part (byte 0) marks the HogEx transaction. A present part can only
    be delimited by a MimbleWimble parser, which cointrail does not have: it is
    skipped when the transaction stands alone (its locktime is the last 4
    bytes) and refused inside a block rather than guessed at. An MWEB-only
    transaction (no canonical input or output) is refused too: its txid is the
    hash of the MimbleWimble body (Litecoin's CTransaction::ComputeHash).
    """
    present = buf[pos]
    if present == 0:
        if n_outputs == 0:
            raise MalformedDataError("an MWEB integrating (HogEx) transaction has no outputs")
        return pos + 1
    if present != 1:
        raise MalformedDataError(f"bad MWEB transaction marker 0x{present:02x}")
    if tail <= pos:
        raise UnsupportedDataError(
            "the transaction embeds Litecoin MWEB transaction data, which cointrail cannot parse inside a block yet"
        )
    if n_inputs == 0 and n_outputs == 0:
        raise UnsupportedDataError(
            "it is a Litecoin MWEB-only transaction, whose id cointrail cannot compute without an MWEB parser"
        )
    return tail


def _describe(where: str | None, data: bytes) -> str:
    """Name a block for a message: its hash when the header is readable, and where it came from."""
    name = "The block"
    if len(data) >= HEADER_SIZE:
        name = f"Block {display_hash(double_sha256(data[:HEADER_SIZE]))}"
    return f"{name} ({where})" if where else name


def parse_block(data: bytes, *, height: int | None = None, where: str | None = None) -> Block:
    """Parse a whole serialized block; verify its merkle root.

    ``where`` names the source for error messages (a file and offset, an RPC
    call). Raises :class:`MalformedDataError` on truncated data, bad encoding or
    trailing bytes (except a Litecoin MWEB extension block after a HogEx).
    """
    data = bytes(data)
    view = memoryview(data)
    header = parse_header(data) if len(data) >= HEADER_SIZE else None
    pos = HEADER_SIZE
    txs: list[Transaction] = []
    try:
        if header is None:
            raise _Truncated
        count, pos = _varint(data, pos)
        if count * 60 > len(data) - pos:
            raise _Truncated
        for _ in range(count):
            tx, pos = _read_tx(data, view, pos, 0)
            txs.append(tx)
    except (_Truncated, IndexError, OverflowError, struct.error):
        raise MalformedDataError(
            f"{_describe(where, data)} is truncated: transaction {len(txs)} starting at byte {pos} runs past "
            f"the end of its {len(data)} bytes."
        ) from None
    except UnsupportedDataError as error:
        raise UnsupportedDataError(
            f"{_describe(where, data)} cannot be read: transaction {len(txs)} at byte {pos}: {error}."
        ) from None
    except MalformedDataError as error:
        raise MalformedDataError(
            f"{_describe(where, data)} is malformed: transaction {len(txs)} at byte {pos}: {error}."
        ) from None
    if pos != len(data) and not _is_mweb_extension(txs, data, pos):
        raise MalformedDataError(
            f"{_describe(where, data)} has {len(data) - pos} unexpected bytes after its last transaction "
            f"(at byte {pos})."
        )
    assert header is not None  # a block shorter than a header was refused as truncated above
    return Block(header, tuple(txs), len(data), merkle_verified(header, txs), height)


def _is_mweb_extension(txs: list[Transaction], data: bytes, pos: int) -> bool:
    """Whether the bytes after the transactions are a Litecoin MWEB extension block.

    Litecoin serializes ``mweb_block`` after the transactions when there are at
    least two and the last is the HogEx (src/primitives/block.h); it starts
    with the 0x01 of a present optional.
    """
    return len(txs) >= 2 and txs[-1].has_mweb and data[pos] == 1


def mweb_extension_size(block: Block) -> int:
    """Bytes of the opaque Litecoin MWEB extension block the parser skipped (0 if none)."""
    if len(block.transactions) < 2 or not block.transactions[-1].has_mweb:
        return 0
    canonical = HEADER_SIZE + len(_compact_size(len(block.transactions)))
    canonical += sum(tx.size for tx in block.transactions)
    return block.size - canonical


def parse_transaction(data: bytes, *, where: str | None = None) -> Transaction:
    """Parse one standalone serialized transaction (``getrawtransaction`` hex, decoded)."""
    data = bytes(data)
    try:
        tx, pos = _read_tx(data, memoryview(data), 0, len(data) - 4)
    except (_Truncated, IndexError, OverflowError, struct.error):
        raise MalformedDataError(f"The transaction{f' ({where})' if where else ''} is truncated.") from None
    except UnsupportedDataError as error:
        raise UnsupportedDataError(
            f"The transaction{f' ({where})' if where else ''} cannot be read: {error}."
        ) from None
    except MalformedDataError as error:
        raise MalformedDataError(f"The transaction{f' ({where})' if where else ''} is malformed: {error}.") from None
    if pos != len(data):
        raise MalformedDataError(
            f"The transaction{f' ({where})' if where else ''} has {len(data) - pos} unexpected bytes after its end."
        )
    return tx


# --- serialization (used by the synthetic chain generator and round-trip tests) ---


def _compact_size(n: int) -> bytes:
    if n < 0xFD:
        return bytes((n,))
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def _push(data: bytes) -> bytes:
    return _compact_size(len(data)) + data


def serialize_parts(
    version: int,
    inputs: Iterable[TxIn],
    outputs: Iterable[TxOut],
    locktime: int,
) -> tuple[bytes, bytes]:
    """(stripped, full) serializations of a transaction; txid = double SHA-256 of the first."""
    inputs = tuple(inputs)
    body = [_compact_size(len(inputs))]
    for txin in inputs:
        body += (
            txin.prev_txid,
            struct.pack("<I", txin.prev_vout),
            _push(txin.script_sig),
            struct.pack("<I", txin.sequence),
        )
    outputs = tuple(outputs)
    body.append(_compact_size(len(outputs)))
    for txout in outputs:
        body += (struct.pack("<q", txout.value), _push(txout.script_pubkey))
    head, middle, tail = struct.pack("<i", version), b"".join(body), struct.pack("<I", locktime)
    stripped = head + middle + tail
    if not any(txin.witness for txin in inputs):
        return stripped, stripped
    witness = b"".join(_compact_size(len(t.witness)) + b"".join(_push(item) for item in t.witness) for t in inputs)
    return stripped, head + b"\x00\x01" + middle + witness + tail


def serialize_transaction(tx: Transaction, *, witness: bool = True) -> bytes:
    """The consensus serialization of ``tx`` (BIP 144 when it has witness data and ``witness``)."""
    if tx.has_mweb:
        raise MalformedDataError("cointrail cannot serialize Litecoin MWEB transactions.")
    stripped, full = serialize_parts(tx.version, tx.inputs, tx.outputs, tx.locktime)
    return full if witness else stripped


def serialize_header(header: BlockHeader) -> bytes:
    """The 80-byte serialization of a block header."""
    return struct.pack(
        "<i32s32sIII", header.version, header.prev_hash, header.merkle_root, header.time, header.bits, header.nonce
    )


def serialize_block(block: Block) -> bytes:
    """The serialization of a whole block, as stored in blk*.dat and returned by ``getblock HASH 0``."""
    parts = [serialize_header(block.header), _compact_size(len(block.transactions))]
    parts += (serialize_transaction(tx) for tx in block.transactions)
    return b"".join(parts)
