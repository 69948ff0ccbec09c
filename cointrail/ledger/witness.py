"""The BIP 141 witness commitment of each block, checked at ingest.

A block's merkle root covers its txids only, which leave the witness data out:
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
(:mod:`cointrail.ledger.columnar`) over its columns: the witness merkle roots
in one compiled pass (:mod:`cointrail.ledger.digests`), the rest per block,
and nothing at all for a chain without segwit (no commitment, no witness).
:func:`check_block` does the same for a parsed block. Both give the reason of
a failure in words, or None.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from cointrail.ledger import digests
from cointrail.ledger.model import Block
from cointrail.ledger.rawblock import COMMITMENT_PREFIX as COMMITMENT_PREFIX
from cointrail.ledger.rawblock import COMMITMENT_SIZE, double_sha256, witness_commitment, witness_commitment_verified

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

    :func:`~cointrail.ledger.rawblock.witness_commitment_verified` decides; this
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

    ``tx`` has the walk's columns (:data:`cointrail.ledger.columnar.TX_FIELDS`),
    ``outputs`` value, script offset and length into ``buf``; ``counts`` the
    transactions of each block, in order.
    """
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
