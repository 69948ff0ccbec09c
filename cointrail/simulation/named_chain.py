"""Small hand-made chains of named addresses and transactions, written into a real DuckDB ledger store.

Addresses are named ("alice1") and turned into deterministic scripts; a
transaction spends named outputs ("t1", 0) and pays named addresses. Blocks go
through the store's writer, exactly as ingested blocks do. For the clustering,
tracing, labels, report and CLI tests, and ``benchmarks/report_speed.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cointrail.addresses import address_for_script
from cointrail.chains.bitcoin.model import Block, BlockHeader, SourcedBlock, Transaction, TxIn, TxOut
from cointrail.store.duckdb.store import LedgerStore

COIN = 100_000_000  # base units in one coin

CHAIN, NETWORK = "litecoin", "regtest"


def _digest(text: str, size: int = 20) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:size]


def script_for(name: str, kind: str = "p2wpkh") -> bytes:
    """A deterministic output script of ``kind`` for the address called ``name``."""
    body = _digest(name)
    return {
        "p2wpkh": b"\x00\x14" + body,
        "p2pkh": b"\x76\xa9\x14" + body + b"\x88\xac",
        "p2sh": b"\xa9\x14" + body + b"\x87",
    }[kind]


class ChainBuilder:
    """Append blocks of named transactions to a store at ``path``."""

    def __init__(self, path: Path):
        self.store = LedgerStore.open(path, CHAIN, NETWORK)
        self.height = -1
        self.prev = bytes(32)
        self.txids: dict[str, bytes] = {}
        self.kinds: dict[str, str] = {}

    def address(self, name: str) -> str:
        return address_for_script(script_for(name, self.kinds.get(name, "p2wpkh")), CHAIN, NETWORK) or name

    def tx(self, name: str, spends: list[tuple[str, int]], pays: list[tuple[str, int]]) -> Transaction:
        """A transaction ``name`` spending ``(tx name, vout)`` outputs and paying ``(address name, value)``."""
        txid = _digest(f"tx:{name}", 32)
        self.txids[name] = txid
        inputs = tuple(TxIn(self.txids[t], vout, b"", 0xFFFFFFFF) for t, vout in spends)
        outputs = tuple(TxOut(value, script_for(a, self.kinds.get(a, "p2wpkh"))) for a, value in pays)
        return Transaction(txid, txid, 2, inputs, outputs, 0, 200, 150)

    def block(self, *txs: Transaction, miner: str = "miner", time: int | None = None) -> None:
        """Append a block: a coinbase paying ``miner``, then ``txs``; its time is ``time`` (unix seconds), or
        150 s per block from 2020-09-13."""
        self.height += 1
        coinbase_id = _digest(f"coinbase:{self.height}", 32)
        self.txids[f"cb{self.height}"] = coinbase_id
        coinbase = Transaction(coinbase_id, coinbase_id, 2,
                               (TxIn(bytes(32), 0xFFFFFFFF, self.height.to_bytes(4, "little"), 0xFFFFFFFF),),
                               (TxOut(50_0000_0000, script_for(miner, self.kinds.get(miner, "p2wpkh"))),),
                               0, 100, 100)  # fmt: skip
        block_hash = _digest(f"block:{self.height}", 32)
        header = BlockHeader(
            block_hash, 0x20000000, self.prev, bytes(32), time or 1_600_000_000 + self.height * 150, 0x207FFFFF, 0
        )
        block = Block(header, (coinbase, *txs), 1000, True, self.height)
        self.store.append([SourcedBlock(block, self.height, "test")])
        self.prev = block_hash

    def close(self) -> None:
        self.store.close()
