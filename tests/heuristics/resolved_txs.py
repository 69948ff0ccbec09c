"""Constructed transactions for the CoinJoin and collaborative rules' tests (imported by module name)."""

from __future__ import annotations

import random

from cointrail.chains.bitcoin.model import Transaction, TxIn, TxOut
from cointrail.heuristics.coinjoin import ResolvedTransaction


def resolved_tx(inputs: list[tuple[int, bytes]], outputs: list[tuple[int, bytes]],
                rng: random.Random) -> ResolvedTransaction:  # fmt: skip
    """A transaction spending outputs of these (value, script)s and paying these; txids from ``rng``."""
    tx = Transaction(
        txid=rng.randbytes(32), wtxid=rng.randbytes(32), version=2,
        inputs=tuple(TxIn(rng.randbytes(32), i, b"", 0xFFFFFFFD) for i in range(len(inputs))),
        outputs=tuple(TxOut(v, s) for v, s in outputs), locktime=0, size=0, vsize=0,
    )  # fmt: skip
    return ResolvedTransaction(tx, tuple(TxOut(v, s) for v, s in inputs))
