"""Block verification of the Bitcoin family, in one place: txids, merkle roots, witness commitments, proof of work.

A stored transaction is only as good as the block that vouches for it. The parser
(:mod:`cointrail.chains.bitcoin.rawblock`) and the compiled column path
(:mod:`cointrail.chains.bitcoin.batch`) recompute every txid and wtxid from the
bytes (BIP 141: the txid hashes the serialization without witness data); this
module checks what those ids must match, and nothing here trusts a source:

- the **merkle root** of a block's txids against its header (:func:`merkle_verified`
  for a parsed block, :func:`walked_merkle_verified` for the compiled walk);
- the **BIP 141 witness commitment**, below;
- the **proof of work** of a header: its hash against its target (:func:`proof_of_work_problem`, scrypt for
  Litecoin), and the work it counts for (:func:`block_work`), by which the blk-file reader
  (:mod:`cointrail.chains.bitcoin.sources.blkfiles`) picks the best chain;
- **merkle proofs** of one transaction from a server that does not send whole blocks: an Electrum or
  Esplora branch (:func:`branch_root`) or a BIP 37 partial merkle tree (:func:`partial_merkle_root`);
- :func:`unverified` and :func:`witness_unverified` name the first block of a
  batch that failed, for ingest to refuse (:mod:`cointrail.ingest.pipeline`).

The witness commitment: tA block's merkle root covers its txids only, which leave the witness data out:
what vouches for the witnesses (signatures of segwit inputs), hence for the
stored wtxids, is the commitment in the coinbase, an output
``OP_RETURN 0xaa21a9ed <32 bytes>`` whose bytes are the double SHA-256 of the
merkle root of the wtxids (the coinbase's counted as 32 zero bytes) and of the
coinbase's witness, one 32-byte "reserved value". As Bitcoin Core
(``validation.cpp``, ``CheckWitnessMalleation``): when a block has a
commitment it must match (the last such output counts); a block without one may
carry no witness data at all. Unlike Bitcoin Core after segwit's activation, a
block with a commitment but no witness bytes at all passes: there is nothing
for the commitment to vouch for, and blocks mined before the activation
carried commitments no rule checked.

:func:`check_walked` checks the blocks of a compiled walk
(:mod:`cointrail.chains.bitcoin.columnar`) over its columns: the witness merkle roots
in one compiled pass (:mod:`cointrail.chains.bitcoin.digests`), the rest per block,
and nothing at all for a chain without segwit (no commitment, no witness).
:func:`check_block` does the same for a parsed block. Both give the reason of
a failure in words, or None.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cointrail.chains.bitcoin.hashes import double_sha256

if TYPE_CHECKING:
    from cointrail.chains.bitcoin.batch import Batch
    from cointrail.chains.bitcoin.model import Block, BlockHeader, RawBlock, Transaction


def merkle_root(hashes: Sequence[bytes]) -> bytes:
    """The merkle root of txids (internal byte order), duplicating the last node of odd levels."""
    if not hashes:
        return bytes(32)
    level = list(hashes)
    while len(level) > 1:
        if len(level) & 1:
            level.append(level[-1])
        level = [double_sha256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]



def merkle_verified(header: BlockHeader, transactions: Sequence[Transaction]) -> bool:
    """Whether the merkle root of the transactions' txids is the one the header commits to."""
    return merkle_root([tx.txid for tx in transactions]) == header.merkle_root


def walked_merkle_verified(txids: npt.NDArray[np.uint8], counts: npt.NDArray[np.int64],
                           raws: Sequence[RawBlock]) -> list[bool]:  # fmt: skip
    """Per block of a compiled walk, whether the merkle root of its txids (``counts`` per block) is its header's."""
    from cointrail.chains.bitcoin import digests  # compiled at import: only the column path pays for it

    roots = digests.merkle_roots(txids, counts)
    return [roots[b].tobytes() == raw.data[36:68] for b, raw in enumerate(raws)]


COMMITMENT_PREFIX = bytes.fromhex("6a24aa21a9ed")  # OP_RETURN, push 36, BIP 141 commitment header
COMMITMENT_SIZE = 38  # Bitcoin Core's MINIMUM_WITNESS_COMMITMENT: a shorter script with the prefix is not one


def witness_commitment(scripts: Iterable[bytes]) -> bytes | None:
    """The 32 committed bytes of the last BIP 141 commitment among a coinbase's output scripts (it counts), or None."""
    found = None
    for script in scripts:
        if len(script) >= COMMITMENT_SIZE and script[:6] == COMMITMENT_PREFIX:
            found = script[6:COMMITMENT_SIZE]
    return found


def witness_commitment_verified(block: Block) -> bool | None:
    """Whether the BIP 141 witness commitment in the coinbase matches the block's wtxids.

    The header's merkle root covers txids only, so this is what vouches for the
    witness data. None when there is nothing to check (no segwit transaction and
    no commitment, as in blocks before segwit).
    """
    if not block.transactions:
        return None
    coinbase = block.transactions[0]
    commitment = witness_commitment(o.script_pubkey for o in coinbase.outputs)
    has_witness = any(tx.wtxid != tx.txid for tx in block.transactions[1:])
    if commitment is None:
        return False if has_witness else None
    reserved = coinbase.inputs[0].witness if coinbase.inputs else ()
    if len(reserved) != 1 or len(reserved[0]) != 32:
        return False
    root = merkle_root([bytes(32)] + [tx.wtxid for tx in block.transactions[1:]])
    return double_sha256(root + reserved[0]) == commitment


NO_COMMITMENT = "its coinbase has no witness commitment, yet {n} of its transactions carry witness data"
BAD_RESERVED = "its coinbase's witness is not the single 32-byte reserved value a witness commitment needs"
MISMATCH = ("its witness commitment does not match the witness data of its transactions (a signature or other "
            "witness bytes differ from what the block's miner committed to)")  # fmt: skip


def _verdict(commitment: bytes | None, witnesses: int, reserved: bytes | None, root: bytes,
             any_witness: bool) -> str | None:  # fmt: skip
    if commitment is None:
        return NO_COMMITMENT.format(n=witnesses) if witnesses else None
    if not any_witness:
        # No witness bytes at all, not even the coinbase's: nothing for the commitment to vouch for (every
        # wtxid is its txid, which the merkle root covers). Bitcoin blocks mined before segwit's activation
        # carry commitments that no rule checked then; this keeps them readable.
        return None
    if reserved is None:
        return BAD_RESERVED
    return None if double_sha256(root + reserved) == commitment else MISMATCH


def check_block(block: Block) -> str | None:
    """Why the parsed ``block``'s witness commitment fails, or None (it matches, or there is nothing to check).

    :func:`witness_commitment_verified` decides; this
    gives its failure in words, and lets a commitment with no witness bytes at
    all pass (as :func:`_verdict`).
    """
    if witness_commitment_verified(block) is not False:
        return None
    coinbase = block.transactions[0]
    witnesses = sum(tx.wtxid != tx.txid for tx in block.transactions[1:])
    if witness_commitment(o.script_pubkey for o in coinbase.outputs) is None:
        return NO_COMMITMENT.format(n=witnesses)
    stack = coinbase.inputs[0].witness if coinbase.inputs else ()
    if not (witnesses or stack):
        return None  # nothing for the commitment to vouch for (_verdict says why)
    return BAD_RESERVED if len(stack) != 1 or len(stack[0]) != 32 else MISMATCH


def _varint(buf: npt.NDArray[np.uint8], pos: int) -> tuple[int, int]:
    first = int(buf[pos])
    if first < 0xFD:
        return first, pos + 1
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    return int.from_bytes(buf[pos + 1 : pos + 1 + width].tobytes(), "little"), pos + 1 + width


def _reserved(buf: npt.NDArray[np.uint8], witness_start: int) -> bytes | None:
    """The coinbase's reserved value: its one input's witness stack must be one 32-byte item."""
    items, pos = _varint(buf, witness_start)
    if items != 1:
        return None
    length, pos = _varint(buf, pos)
    return buf[pos : pos + 32].tobytes() if length == 32 else None


def check_walked(buf: npt.NDArray[np.uint8], tx: npt.NDArray[np.int64], outputs: npt.NDArray[np.int64],
                 wtxids: npt.NDArray[np.uint8], counts: npt.NDArray[np.int64]) -> list[str | None]:  # fmt: skip
    """Per walked block, why its witness commitment fails, or None.

    ``tx`` has the walk's columns (:data:`cointrail.chains.bitcoin.columnar.TX_FIELDS`),
    ``outputs`` value, script offset and length into ``buf``; ``counts`` the
    transactions of each block, in order.
    """
    from cointrail.chains.bitcoin import digests  # compiled at import: only the column path pays for it

    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(counts) else counts
    segwit = tx[:, 10].astype(np.int64)
    witnesses = np.add.reduceat(segwit, firsts) - segwit[firsts] if len(counts) else counts
    commitments = []
    for first in firsts.tolist():
        first_out, n_out = int(tx[first, 9]), int(tx[first, 7])
        scripts = [buf[o : o + n].tobytes() for _v, o, n in outputs[first_out : first_out + n_out].tolist()
                   if n >= COMMITMENT_SIZE]  # fmt: skip
        commitments.append(witness_commitment(scripts))
    if all(c is None for c in commitments) and not witnesses.any():
        return [None] * len(counts)  # no segwit in these blocks: nothing to hash
    zeroed = wtxids.copy()
    zeroed[firsts] = 0  # the coinbase's wtxid counts as zeros in the commitment
    roots = digests.merkle_roots(zeroed, counts)
    verdicts: list[str | None] = []
    for b, first in enumerate(firsts.tolist()):
        reserved = None
        if commitments[b] is not None and tx[first, 10]:
            last_out = int(tx[first, 9] + tx[first, 7] - 1)
            reserved = _reserved(buf, int(outputs[last_out, 1] + outputs[last_out, 2]))
        any_witness = bool(witnesses[b] or tx[first, 10])
        verdicts.append(_verdict(commitments[b], int(witnesses[b]), reserved, roots[b].tobytes(), any_witness))
    return verdicts


def target(bits: int) -> int:
    """The target a header's hash must not exceed, from its compact ``bits``; 0 when they are invalid.

    Bitcoin Core's ``arith_uint256::SetCompact``: a negative, zero or overflowing target is no target.
    """
    exponent, mantissa = bits >> 24, bits & 0x007FFFFF
    if bits & 0x00800000 or mantissa == 0:
        return 0
    value = mantissa << (8 * (exponent - 3)) if exponent >= 3 else mantissa >> (8 * (3 - exponent))
    return value if value < 1 << 256 else 0


def block_work(bits: int) -> int:
    """The expected number of hashes for a block of this difficulty (Bitcoin Core's GetBlockProof)."""
    limit = target(bits)
    return (1 << 256) // (limit + 1) if limit else 0  # an invalid target counts for nothing


def _scrypt(header: bytes) -> bytes:
    # Litecoin's proof-of-work hash (Colin Percival's scrypt with N=1024, r=1, p=1, the header as its own salt).
    return hashlib.scrypt(header, salt=header, n=1024, r=1, p=1, dklen=32)


# Which hash a chain's proof of work uses, a protocol fact: Litecoin and Dogecoin mine with scrypt, the rest of
# the family with Bitcoin's double SHA-256. (Dogecoin's merge-mined blocks since 2014 prove their work in an
# AuxPoW appendix after the 80 bytes; their own header hash is then not the proof and such headers fail here.)
POW_HASHES: dict[str, Callable[[bytes], bytes]] = {"litecoin": _scrypt, "dogecoin": _scrypt}


def pow_hash(header: bytes, chain: str) -> bytes:
    """The proof-of-work hash of an 80-byte header on ``chain`` (internal byte order)."""
    return POW_HASHES.get(chain, double_sha256)(header)


def proof_of_work_problem(header: bytes, chain: str) -> str | None:
    """Why an 80-byte header's proof of work fails on ``chain`` (in words), or None when its hash meets its target.

    Only the hash against the header's own ``bits`` is checked: whether those bits are the difficulty the chain
    demanded at that height needs the headers before it (a header chain linked to a checkpoint vouches for it).
    """
    bits = int.from_bytes(header[72:76], "little")
    limit = target(bits)
    if not limit:
        return f"its difficulty bits 0x{bits:08x} are not a valid target"
    name = "scrypt" if chain in POW_HASHES else "double SHA-256"
    if int.from_bytes(pow_hash(header, chain), "little") > limit:
        return f"its {name} hash is above the target its bits 0x{bits:08x} set: the proof of work fails"
    return None


def branch_root(txid: bytes, branch: Sequence[bytes], position: int) -> bytes:
    """The merkle root a transaction's branch leads to (internal byte order), from its position in the block.

    Each level pairs the running hash with the branch's next node, on the left when the position's bit at that
    level is 1. (A 64-byte "transaction" can pose as an inner node, CVE-2012-2459's cousin; the raw bytes are
    parsed as a transaction before this counts for anything.)
    """
    node = txid
    for sibling in branch:
        node = double_sha256(sibling + node) if position & 1 else double_sha256(node + sibling)
        position >>= 1
    return node


def partial_merkle_root(total: int, hashes: Sequence[bytes], flags: bytes) -> tuple[bytes, list[bytes]]:
    """The merkle root of a BIP 37 partial merkle tree, and the txids it marks as matched.

    The tree is walked depth first as Bitcoin Core's ``CPartialMerkleTree::TraverseAndExtract``; a tree that
    leaves hashes or flag bits unused, or runs out of them, is refused with a :class:`ValueError`.
    """
    root, matched = partial_merkle_matches(total, hashes, flags)
    return root, [txid for txid, _ in matched]


def partial_merkle_matches(total: int, hashes: Sequence[bytes],
                           flags: bytes) -> tuple[bytes, list[tuple[bytes, int]]]:  # fmt: skip
    """As :func:`partial_merkle_root`, with each matched txid's position in its block.

    A leaf's place in the tree is its index among the block's transactions, so the proof that a transaction is
    in a block also says where (as ``gettxoutproof``'s partial tree, which Esplora's ``merkleblock-proof`` is).
    """
    height = max(total - 1, 0).bit_length()
    state = {"hash": 0, "bit": 0}
    matched: list[tuple[bytes, int]] = []

    def width(level: int) -> int:
        return (total + (1 << level) - 1) >> level

    def walk(level: int, pos: int) -> bytes:
        if state["bit"] >= len(flags) * 8:
            raise ValueError("the proof runs out of flag bits")
        bit = flags[state["bit"] >> 3] >> (state["bit"] & 7) & 1
        state["bit"] += 1
        if level == 0 or not bit:
            if state["hash"] >= len(hashes):
                raise ValueError("the proof runs out of hashes")
            node = hashes[state["hash"]]
            state["hash"] += 1
            if level == 0 and bit:
                matched.append((node, pos))
            return node
        left = walk(level - 1, pos * 2)
        right = walk(level - 1, pos * 2 + 1) if pos * 2 + 1 < width(level - 1) else left
        if right == left and pos * 2 + 1 < width(level - 1):
            raise ValueError("the proof repeats a node as both children (CVE-2012-2459)")
        return double_sha256(left + right)

    if total == 0 or len(hashes) > total:
        raise ValueError(f"a tree of {total} transactions cannot hold {len(hashes)} hashes")
    root = walk(height, 0)
    if state["hash"] != len(hashes) or (state["bit"] + 7) // 8 != len(flags):
        raise ValueError("the proof leaves hashes or flag bits unused")
    return root, matched


def unverified(batch: Batch) -> int | None:
    """Index of the first block whose merkle root does not match its transactions, or None."""
    for i, checked in enumerate(batch.blocks.merkle_checked):
        if not checked:
            return i
    return None


def witness_unverified(batch: Batch) -> tuple[int, str] | None:
    """(index, reason) of the first block whose BIP 141 witness commitment fails, or None."""
    for i, problem in enumerate(batch.blocks.witness_problem):
        if problem is not None:
            return i, problem
    return None
