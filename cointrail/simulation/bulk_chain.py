"""A large regtest chain, made in seconds, that a real litecoind validates block by block.

Wallet RPCs make about a hundred transactions a second; a benchmark of ingest
needs tens of thousands. :func:`build_bulk_chain` makes them in Python instead
and has the node mine them with ``generateblock`` (Bitcoin/Litecoin Core 0.21),
which puts exactly the given raw transactions in a block after full consensus
validation: the chain is as real as any the node makes.

No transaction needs a signature, so building them costs only serialization.
Every output we can spend is a P2WSH whose witness script is unique
(``<8 unique bytes> OP_DROP OP_TRUE``, BIP 141): the spend gives that script as
its only witness item, and the script leaves exactly one true value (segwit's
clean-stack rule). Coinbases pay such scripts too and are spent after 100
blocks (coinbase maturity). The shape follows :mod:`cointrail.simulation.block_files`:
mostly 1-in/2-out payments with change, some 2–3-input payments, consolidations
of many inputs, batched payouts of many outputs, and some payments to
P2PKH/P2WPKH/P2SH scripts of outsiders (never spent; some reused). Transactions
spend outputs of earlier transactions in the same block too.

Litecoin regtest activates MWEB at height 432 (``MWEB_HEIGHT``), after which
plain blocks are refused: :func:`build_bulk_chain` refuses to go that far.
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
from dataclasses import dataclass, field
from decimal import Decimal

from cointrail.addresses.script import address_for_script, p2pkh_script, p2sh_script
from cointrail.addresses.script import witness_script as witness_program
from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.model import TxIn, TxOut, internal_hash
from cointrail.chains.bitcoin.rawblock import serialize_parts
from cointrail.simulation.node import COIN, MWEB_HEIGHT, RegtestNode

GENERATOR_VERSION = 1  # bump when the same parameters would give a different chain (cached datadirs key on it)
COINBASE_MATURITY = 100
COIN_UNITS = int(COIN)
MIN_OUTPUT = 1_000  # base units; no output below it, so every coin can pay a fee
SHAPES = ("payment", "payment2", "consolidation", "payout")
SHAPE_WEIGHTS = (70, 14, 8, 8)
OUTSIDE_SHARE = 0.15  # payments to scripts of outsiders, which the chain never spends
REUSE_SHARE = 0.1  # of those, paid to an outsider's script used before


@dataclass(frozen=True, slots=True)
class Coin:
    """An output this builder can spend: its outpoint, value and witness script."""

    txid: bytes  # internal order
    vout: int
    value: int
    witness_script: bytes


@dataclass
class BulkChain:
    """What :func:`build_bulk_chain` made: the node's height and how many transactions it mined."""

    height: int
    transactions: int  # coinbases included
    blocks_with_payments: int
    utxos: int  # spendable coins left in the builder's pool


@dataclass
class _Builder:
    """The state of a chain being built: the coin pool, coinbases maturing, counters."""

    node: RegtestNode
    rng: random.Random
    salt: bytes
    pool: list[Coin] = field(default_factory=list)
    maturing: list[tuple[int, Coin]] = field(default_factory=list)  # (height, coinbase output)
    outsiders: list[bytes] = field(default_factory=list)
    scripts_made: int = 0
    transactions: int = 1  # the genesis block's coinbase

    def new_witness_script(self) -> bytes:
        """A witness script no other output has: 8 bytes unique to this chain, dropped, then true."""
        self.scripts_made += 1
        unique = hashlib.sha256(self.salt + struct.pack("<Q", self.scripts_made)).digest()[:8]
        return b"\x08" + unique + b"\x75\x51"  # push 8, OP_DROP, OP_TRUE


def p2wsh(witness_script: bytes) -> bytes:
    """The output script paying to ``witness_script`` (BIP 141: version 0, SHA-256 of the script)."""
    return witness_program(0, hashlib.sha256(witness_script).digest())


def _outsider_script(rng: random.Random) -> bytes:
    """A P2PKH, P2WPKH or P2SH script of someone outside the chain's economy (random hash)."""
    digest = rng.randbytes(20)
    kind = rng.choice(("p2pkh", "p2wpkh", "p2wpkh", "p2sh"))
    if kind == "p2pkh":
        return p2pkh_script(digest)
    if kind == "p2sh":
        return p2sh_script(digest)
    return witness_program(0, digest)


def _payee(b: _Builder) -> tuple[bytes, bytes | None]:
    """(output script, witness script if the pool may spend it later) of a new payment output."""
    if b.rng.random() >= OUTSIDE_SHARE:
        ws = b.new_witness_script()
        return p2wsh(ws), ws
    if b.outsiders and b.rng.random() < REUSE_SHARE:
        return b.rng.choice(b.outsiders), None
    script = _outsider_script(b.rng)
    b.outsiders.append(script)
    return script, None


def _take(b: _Builder, n: int) -> list[Coin]:
    """``n`` random coins out of the pool (fewer if it holds fewer)."""
    taken = []
    for _ in range(min(n, len(b.pool))):
        i = b.rng.randrange(len(b.pool))
        b.pool[i], b.pool[-1] = b.pool[-1], b.pool[i]
        taken.append(b.pool.pop())
    return taken


def _amount(b: _Builder, low: int, high: int) -> int:
    """A payment's value: log-uniform, as real payments are (most small, a few large)."""
    return int(math.exp(b.rng.uniform(math.log(low), math.log(high))))


def _take_large(b: _Builder, sample: int = 20) -> list[Coin]:
    """The largest of a few random coins (an exchange funds a payout from a big coin, as coin selection would)."""
    if not b.pool:
        return []
    best = max((b.rng.randrange(len(b.pool)) for _ in range(sample)), key=lambda i: b.pool[i].value)
    b.pool[best], b.pool[-1] = b.pool[-1], b.pool[best]
    return [b.pool.pop()]


def _amounts(b: _Builder, shape: str, available: int) -> list[int]:
    """Output values for a transaction of ``shape`` spending ``available`` (after its fee); the last is change."""
    if shape == "consolidation":
        return [available]
    if shape == "payout":
        each = [_amount(b, 10_000, 10_000_000) for _ in range(b.rng.randint(10, 60))]
    else:
        each = [min(_amount(b, 10_000, 2 * COIN_UNITS), available * 9 // 10)]
    change = available - sum(each)
    if change < MIN_OUTPUT or min(each) < MIN_OUTPUT:
        return [available]  # too small to split: pay it all in one output
    return [*each, change]


def _shape(b: _Builder, target_pool: int) -> str:
    """The kind of the next transaction; no consolidations while the pool is still small (they would empty it)."""
    shape = b.rng.choices(SHAPES, SHAPE_WEIGHTS)[0]
    return "payout" if shape == "consolidation" and len(b.pool) < target_pool else shape


def _make_transaction(b: _Builder, shape: str) -> str | None:
    """The raw hex of one new transaction of ``shape`` (None when the pool is empty); its outputs join the pool."""
    n_in = {"payment": 1, "payment2": b.rng.randint(2, 3), "consolidation": b.rng.randint(5, 40), "payout": 1}[shape]
    coins = _take_large(b) if shape == "payout" else _take(b, n_in)
    if not coins:
        return None
    fee = b.rng.randint(200, 150 * len(coins) + 2_000)
    available = sum(c.value for c in coins) - fee
    if available < MIN_OUTPUT:
        fee, available = 0, sum(c.value for c in coins)  # generateblock burns fees anyway: zero is as valid
    values = _amounts(b, shape, available)
    payees = [_payee(b) for _ in values[:-1]]
    change_ws = b.new_witness_script()  # change goes back to a fresh script of the payer
    payees.append((p2wsh(change_ws), change_ws))
    order = list(range(len(values)))
    b.rng.shuffle(order)  # change at a random position, as wallets do
    outputs = [TxOut(values[i], payees[i][0]) for i in order]
    inputs = [TxIn(c.txid, c.vout, b"", 0xFFFFFFFD, (c.witness_script,)) for c in coins]
    stripped, full = serialize_parts(2, inputs, outputs, 0)
    txid = double_sha256(stripped)
    for vout, i in enumerate(order):
        witness_script = payees[i][1]
        if witness_script is not None:
            b.pool.append(Coin(txid, vout, values[i], witness_script))
    return full.hex()


def _mine(b: _Builder, raw_txs: list[str], height: int) -> None:
    """Mine the block at ``height`` of ``raw_txs`` paying its coinbase to a fresh script; check the node made it
    the tip."""
    ws = b.new_witness_script()
    address = address_for_script(p2wsh(ws), "litecoin", "regtest")
    block_hash = b.node.rpc("generateblock", address, raw_txs)["hash"]  # raises if the node refuses the block
    if b.node.rpc("getbestblockhash") != block_hash:
        raise RuntimeError(f"the node accepted block {block_hash} at height {height} but did not make it its tip")
    coinbase = b.node.rpc("getblock", block_hash, 2)["tx"][0]
    value = int(Decimal(str(coinbase["vout"][0]["value"])) * COIN)
    b.maturing.append((height, Coin(internal_hash(coinbase["txid"]), 0, value, ws)))
    b.transactions += len(raw_txs) + 1


def _mature(b: _Builder, next_height: int) -> None:
    """Move into the pool the coinbases a block at ``next_height`` may spend."""
    while b.maturing and b.maturing[0][0] + COINBASE_MATURITY <= next_height:
        b.pool.append(b.maturing.pop(0)[1])


def build_bulk_chain(node: RegtestNode, blocks: int, txs_per_block: int, seed: int = 1) -> BulkChain:
    """Mine ``blocks`` blocks on an empty regtest ``node``: the first 100 with coinbases only, then blocks of
    about ``txs_per_block`` transactions each (±50 %); same seed and sizes, same transactions."""
    if node.height() != 0:
        raise ValueError(f"build_bulk_chain needs a fresh node; this one is at height {node.height()}")
    if blocks >= MWEB_HEIGHT - 1:
        raise ValueError(f"{blocks} blocks would reach Litecoin regtest's MWEB height {MWEB_HEIGHT}")
    rng = random.Random(seed)
    b = _Builder(node, rng, hashlib.sha256(b"cointrail-bulk-chain" + struct.pack("<Q", seed)).digest())
    with_payments = 0
    for height in range(1, blocks + 1):
        _mature(b, height)
        n = rng.randint(txs_per_block // 2, txs_per_block * 3 // 2) if b.pool else 0
        raw = [tx for tx in (_make_transaction(b, _shape(b, 2 * txs_per_block)) for _ in range(n)) if tx]
        _mine(b, raw, height)
        with_payments += bool(raw)
    return BulkChain(node.height(), b.transactions, with_payments, len(b.pool))


__all__ = ["BulkChain", "Coin", "build_bulk_chain", "p2wsh"]
