"""A synthetic Bitcoin Core blocks directory (``blk*.dat`` files), with its ground truth, made without a node.

``generate_chain(path, n_transactions, seed)`` writes ``path/blocks/blk00000.dat``…
(optionally XOR-obfuscated with ``xor.dat``, as Bitcoin Core 28+) holding a
chain of realistic shape: a coinbase per block, wallets that spend 1–3 of their
own earlier outputs and pay 1–3 outputs (payments to other wallets plus change
to themselves), P2PKH / P2WPKH / P2SH-P2WPKH / P2TR scripts, segwit witness
commitments, some stale blocks, and blocks stored out of order. Structure,
txids, merkle roots and witness commitments are valid; signatures and proof of
work are not (random bytes, nonce 0, regtest difficulty).

The ground truth is cheap to query: every output script encodes, masked by
the seed and with a check, which wallet made it (:meth:`GroundTruth.wallet_of`),
so clustering can be scored on millions of outputs without a lookup table.
A transaction's inputs always belong to one wallet (the sender: what the
multi-input heuristic assumes); its change is the output back to that wallet,
at a random position; about 10% of payments reuse an earlier script of the receiver.
Wallets keep one script type each (30% P2PKH, 40% P2WPKH, 15% P2SH, 15% P2TR);
wallets ``0 .. miners-1`` receive the coinbases.

Used by the ledger tests and the million-transaction benchmarks (``benchmarks/raw_ingest.py`` and those that share
its chain). ``python -m cointrail.simulation.block_files DIR N [SEED]`` writes one from the shell.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cointrail.chains.bitcoin.hashes import double_sha256
from cointrail.chains.bitcoin.sources.blkfiles import disk_magic, unxor
from cointrail.chains.bitcoin.verify import merkle_root

GENERATOR_VERSION = 2  # bump when the same seed would give a different chain (cached chains are keyed on it)
COIN = 100_000_000
SUBSIDY = 50 * COIN
REGTEST_BITS = 0x207FFFFF
KINDS = ("p2pkh", "p2wpkh", "p2sh", "p2tr")
KIND_WEIGHTS = (30, 40, 15, 15)
_WITNESS_RESERVED = bytes(32)
_COMMITMENT_HEADER = bytes.fromhex("6a24aa21a9ed")  # BIP 141 witness commitment output


@dataclass(frozen=True)
class GroundTruth:
    """Which wallet made each script of a synthetic chain, decoded from the script itself."""

    seed: int
    n_wallets: int
    miners: int  # wallets 0 .. miners-1 receive the coinbases

    @property
    def _mask(self) -> bytes:
        return hashlib.sha256(b"cointrail-synthetic-mask" + struct.pack("<Q", self.seed)).digest()[:8]

    def program(self, wallet: int, index: int, filler: bytes) -> bytes:
        """The hash/key bytes of a wallet's ``index``-th script: masked ids, a check, then ``filler``."""
        ids = struct.pack("<II", wallet, index)
        masked = bytes(a ^ b for a, b in zip(ids, self._mask, strict=True))
        return masked + hashlib.sha256(self._mask + masked).digest()[:4] + filler

    def decode(self, script: bytes) -> tuple[int, int] | None:
        """(wallet, index) of a script made by the generator; None for any other script."""
        program = _program_of(script)
        if program is None or hashlib.sha256(self._mask + program[:8]).digest()[:4] != program[8:12]:
            return None
        wallet, index = struct.unpack("<II", bytes(a ^ b for a, b in zip(program[:8], self._mask, strict=True)))
        return (wallet, index) if wallet < self.n_wallets else None

    def wallet_of(self, script: bytes) -> int | None:
        """The generated wallet that owns ``script`` (None for scripts the generator did not make)."""
        decoded = self.decode(script)
        return None if decoded is None else decoded[0]


@dataclass
class SyntheticChain:
    """What :func:`generate_chain` wrote: where, how much, and the ground truth."""

    path: Path  # the data directory; the files are in path / "blocks"
    chain: str
    network: str
    n_transactions: int  # in the best chain, coinbases included
    n_blocks: int  # best chain, genesis included
    tip_hash: str  # display order
    stale_hashes: list[str] = field(default_factory=list)
    n_files: int = 0
    xor_key: bytes | None = None
    truth: GroundTruth | None = None

    def manifest(self) -> dict[str, object]:
        return {
            "generator_version": GENERATOR_VERSION,
            "chain": self.chain,
            "network": self.network,
            "n_transactions": self.n_transactions,
            "n_blocks": self.n_blocks,
            "tip_hash": self.tip_hash,
            "stale_hashes": self.stale_hashes,
            "n_files": self.n_files,
            "xor_key": self.xor_key.hex() if self.xor_key else None,
            "seed": self.truth.seed if self.truth else None,
            "n_wallets": self.truth.n_wallets if self.truth else None,
            "miners": self.truth.miners if self.truth else None,
        }


def load_chain(path: Path) -> SyntheticChain:
    """Read back the manifest that :func:`generate_chain` left in ``path/synthetic.json``."""
    info = json.loads((Path(path) / "synthetic.json").read_text())
    truth = GroundTruth(info["seed"], info["n_wallets"], info["miners"])
    key = bytes.fromhex(info["xor_key"]) if info["xor_key"] else None
    return SyntheticChain(
        Path(path), info["chain"], info["network"], info["n_transactions"], info["n_blocks"],
        info["tip_hash"], info["stale_hashes"], info["n_files"], key, truth,
    )  # fmt: skip


def _program_of(script: bytes) -> bytes | None:
    """The 20- or 32-byte program of the four script kinds the generator writes."""
    n = len(script)
    if n == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return script[3:23]
    if n == 22 and script[:2] == b"\x00\x14":
        return script[2:]
    if n == 23 and script[:2] == b"\xa9\x14" and script[22] == 0x87:
        return script[2:22]
    if n == 34 and script[:2] == b"\x51\x20":
        return script[2:]
    return None


def _script(kind: str, program: bytes) -> bytes:
    if kind == "p2pkh":
        return b"\x76\xa9\x14" + program + b"\x88\xac"
    if kind == "p2wpkh":
        return b"\x00\x14" + program
    if kind == "p2sh":
        return b"\xa9\x14" + program + b"\x87"
    return b"\x51\x20" + program


def _varint(n: int) -> bytes:
    if n < 0xFD:
        return bytes((n,))
    return b"\xfd" + struct.pack("<H", n) if n <= 0xFFFF else b"\xfe" + struct.pack("<I", n)


class _Generator:
    """The state of one generation run: wallets, their unspent outputs, the files."""

    def __init__(self, seed: int, n_wallets: int, miners: int) -> None:
        self.rng = random.Random(seed)
        self.truth = GroundTruth(seed, n_wallets, miners)
        self.kind = [self.rng.choices(KINDS, KIND_WEIGHTS)[0] for _ in range(n_wallets)]
        self.next_index = [0] * n_wallets
        self.utxos: list[list[tuple[bytes, int, int, bytes]]] = [[] for _ in range(n_wallets)]  # txid, vout, value, spk
        self.funded: list[int] = []  # wallets that may have unspent outputs (lazily cleaned)
        self.noise = self.rng.randbytes(1 << 16)
        self.genesis_output = (bytes(32), b"")

    def _bytes(self, n: int) -> bytes:
        start = self.rng.randrange(len(self.noise) - n)
        return self.noise[start : start + n]

    def new_script(self, wallet: int) -> bytes:
        """A script for ``wallet``: usually a fresh one, sometimes (10%) a reused earlier one."""
        kind = self.kind[wallet]
        if self.next_index[wallet] and self.rng.random() < 0.1:
            index = self.rng.randrange(self.next_index[wallet])
        else:
            index = self.next_index[wallet]
            self.next_index[wallet] += 1
        filler = hashlib.sha256(struct.pack("<QII", self.truth.seed, wallet, index)).digest()
        program = self.truth.program(wallet, index, filler[: 8 if kind != "p2tr" else 20])
        return _script(kind, program)

    def spend_input(self, prev: bytes, vout: int, spk: bytes) -> tuple[bytes, bytes]:
        """(serialized input, serialized witness stack) spending an output of the given script."""
        outpoint = prev + struct.pack("<I", vout)
        sequence = b"\xfd\xff\xff\xff"
        if spk[0] == 0x76:  # P2PKH: signature and public key in the scriptSig
            sig = b"\x48" + self._bytes(72) + b"\x21" + self._bytes(33)
            return outpoint + _varint(len(sig)) + sig + sequence, b"\x00"
        witness = b"\x02\x48" + self._bytes(72) + b"\x21" + self._bytes(33)
        if spk[0] == 0x51:  # P2TR key path: one Schnorr signature
            witness = b"\x01\x40" + self._bytes(64)
        script_sig = b"\x17\x16\x00\x14" + self._bytes(20) if spk[0] == 0xA9 else b"\x00"
        return outpoint + script_sig + sequence, witness

    def pick_sender(self) -> int:
        while True:
            index = self.rng.randrange(len(self.funded))
            wallet = self.funded[index]
            if self.utxos[wallet]:
                return wallet
            self.funded[index] = self.funded[-1]
            self.funded.pop()

    def receive(self, wallet: int, txid: bytes, vout: int, value: int, spk: bytes) -> None:
        if not self.utxos[wallet]:
            self.funded.append(wallet)
        self.utxos[wallet].append((txid, vout, value, spk))

    def payment(self) -> tuple[bytes, bytes, bytes, int]:
        """One ordinary transaction: (txid, wtxid, full serialization, fee)."""
        rng = self.rng
        sender = self.pick_sender()
        pool = self.utxos[sender]
        spent = [pool.pop(rng.randrange(len(pool))) for _ in range(min(len(pool), rng.choice((1, 1, 1, 2, 2, 3))))]
        total = sum(u[2] for u in spent)
        fee = min(total // 100, 200 * (1 + len(spent)))
        n_pay = rng.choice((1, 1, 2)) if total - fee > 2000 else 1
        outputs: list[tuple[int, int, bytes]] = []  # wallet, value, script
        left = total - fee
        for _ in range(n_pay):
            value = left if left < 2000 else rng.randint(left // 10, left // 2)
            outputs.append((rng.randrange(self.truth.n_wallets), value, b""))
            left -= value
        if left > 0:  # change, at a random position as Bitcoin Core's wallet places it
            outputs.insert(rng.randrange(len(outputs) + 1), (sender, left, b""))
        outputs = [(w, v, self.new_script(w)) for w, v, _ in outputs]
        inputs = [self.spend_input(u[0], u[1], u[3]) for u in spent]
        txid, wtxid, raw = _serialize(inputs, [(v, s) for _, v, s in outputs])
        for vout, (wallet, value, spk) in enumerate(outputs):
            self.receive(wallet, txid, vout, value, spk)
        return txid, wtxid, raw, fee


def _serialize(inputs: list[tuple[bytes, bytes]], outputs: list[tuple[int, bytes]]) -> tuple[bytes, bytes, bytes]:
    """(txid, wtxid, full serialization) of a version-2 transaction."""
    body = _varint(len(inputs)) + b"".join(i for i, _ in inputs)
    body += _varint(len(outputs)) + b"".join(struct.pack("<q", v) + _varint(len(s)) + s for v, s in outputs)
    version, locktime = b"\x02\x00\x00\x00", b"\x00\x00\x00\x00"
    stripped = version + body + locktime
    txid = double_sha256(stripped)
    if all(w == b"\x00" for _, w in inputs):
        return txid, txid, stripped
    full = version + b"\x00\x01" + body + b"".join(w for _, w in inputs) + locktime
    return txid, double_sha256(full), full


class _BlockWriter:
    """Appends magic+size+block records to blk?????.dat files, as Bitcoin Core does."""

    def __init__(self, directory: Path, magic: bytes, key: bytes | None, max_file_size: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.magic, self.key, self.max_file_size = directory, magic, key, max_file_size
        self.number, self.position = -1, 0
        self.handle: BinaryIO | None = None
        if key is not None:
            (directory / "xor.dat").write_bytes(key)
        self._next_file()

    def _next_file(self) -> None:
        self.close()
        self.number += 1
        self.handle = (self.directory / f"blk{self.number:05d}.dat").open("wb")
        self.position = 0

    def write(self, block: bytes) -> None:
        record = self.magic + struct.pack("<I", len(block)) + block
        if self.position and self.position + len(record) > self.max_file_size:
            self._next_file()
        assert self.handle is not None
        self.handle.write(unxor(record, self.key, self.position))
        self.position += len(record)

    def close(self) -> None:
        if self.handle is not None:
            # Bitcoin Core pre-allocates files: zeros follow the last record (never obfuscated).
            self.handle.write(bytes(4096))
            self.handle.close()
            self.handle = None


def _coinbase(height: int, value: int, spk: bytes, commitment: bytes | None, tag: int) -> tuple[bytes, bytes, bytes]:
    """(txid, wtxid, serialization) of a coinbase paying ``value``, with BIP 34 height and BIP 141 commitment."""
    height_push = height.to_bytes((height.bit_length() + 8) // 8 or 1, "little")
    script_sig = bytes((len(height_push),)) + height_push + struct.pack("<I", tag) + b"/cointrail-synthetic/"
    txin = bytes(32) + b"\xff\xff\xff\xff" + _varint(len(script_sig)) + script_sig + b"\xff\xff\xff\xff"
    outputs = [(value, spk)]
    if commitment is None:
        return _serialize([(txin, b"\x00")], outputs)
    outputs.append((0, _COMMITMENT_HEADER + commitment))
    return _serialize([(txin, b"\x01\x20" + _WITNESS_RESERVED)], outputs)


def _block(prev: bytes, height: int, txs: list[tuple[bytes, bytes, bytes]], tag: int) -> tuple[bytes, bytes]:
    """(hash, serialization) of a block over ``txs`` (coinbase first)."""
    header = struct.pack(
        "<i32s32sIII", 0x20000000, prev, merkle_root([t[0] for t in txs]), 1_600_000_000 + 600 * height + tag,
        REGTEST_BITS, tag,
    )  # fmt: skip
    return double_sha256(header), header + _varint(len(txs)) + b"".join(t[2] for t in txs)


def _commitment(wtxids: list[bytes]) -> bytes:
    """BIP 141 witness commitment over the wtxids of the non-coinbase transactions."""
    return double_sha256(merkle_root([bytes(32), *wtxids]) + _WITNESS_RESERVED)


def generate_chain(
    path: Path | str,
    n_transactions: int,
    seed: int = 0,
    *,
    chain: str = "bitcoin",
    network: str = "regtest",
    txs_per_block: int = 500,
    n_wallets: int = 2000,
    miners: int = 10,
    stale_every: int = 40,
    out_of_order_every: int = 17,
    xor_key: bytes | None = None,
    max_file_size: int = 128 << 20,
    progress: Callable[[int], None] | None = None,
) -> SyntheticChain:
    """Write a synthetic chain of at least ``n_transactions`` transactions to ``path/blocks``.

    Every ``stale_every`` heights a competing block (a coinbase alone) is left
    off the best chain; every ``out_of_order_every`` heights a block is written
    after its child. ``xor_key`` obfuscates the files as Bitcoin Core 28+ does.
    Deterministic for a given seed and parameters.
    """
    path = Path(path)
    gen = _Generator(seed, n_wallets, miners)
    writer = _BlockWriter(path / "blocks", disk_magic(chain, network), xor_key, max_file_size)
    held: bytes | None = None  # a block whose writing is delayed until after its child
    result = SyntheticChain(path, chain, network, 0, 0, "", xor_key=xor_key, truth=gen.truth)
    prev, height = bytes(32), 0
    while result.n_transactions < n_transactions or height < 2:
        txs = _block_transactions(gen, height, txs_per_block, n_transactions - result.n_transactions)
        block_hash, raw = _block(prev, height, txs, 0)
        if stale_every and height % stale_every == stale_every - 1:
            stale = _coinbase(height, SUBSIDY, gen.new_script(gen.rng.randrange(miners)), None, 1)
            stale_hash, stale_raw = _block(prev, height, [stale], 1)
            writer.write(stale_raw)
            result.stale_hashes.append(stale_hash[::-1].hex())
        if held is not None:
            writer.write(raw)
            writer.write(held)
            held = None
        elif out_of_order_every and height % out_of_order_every == out_of_order_every - 1:
            held = raw
        else:
            writer.write(raw)
        result.n_transactions += len(txs)
        prev, height = block_hash, height + 1
        if progress:
            progress(len(txs))
    if held is not None:
        writer.write(held)
    writer.close()
    result.n_blocks, result.tip_hash, result.n_files = height, prev[::-1].hex(), writer.number + 1
    (path / "synthetic.json").write_text(json.dumps(result.manifest(), indent=2))
    return result


def _block_transactions(gen: _Generator, height: int, per_block: int, wanted: int) -> list[tuple[bytes, bytes, bytes]]:
    """The transactions of one block, coinbase first; block 1 also hands out coins to every wallet."""
    payments: list[tuple[bytes, bytes, bytes]] = []
    fees = 0
    if height == 1:
        payments.append(_distribution(gen))
    elif height > 1:
        for _ in range(max(0, min(per_block, wanted) - 1)):
            txid, wtxid, raw, fee = gen.payment()
            payments.append((txid, wtxid, raw))
            fees += fee
    miner = gen.rng.randrange(gen.truth.miners)
    spk = gen.new_script(miner)
    segwit = any(p[0] != p[1] for p in payments)
    commitment = _commitment([p[1] for p in payments]) if segwit else None
    coinbase = _coinbase(height, SUBSIDY + fees, spk, commitment, 0)
    if height == 0:
        gen.genesis_output = (coinbase[0], spk)  # spent by block 1's distribution
    else:
        gen.receive(miner, coinbase[0], 0, SUBSIDY + fees, spk)
    return [coinbase, *payments]


def _distribution(gen: _Generator) -> tuple[bytes, bytes, bytes]:
    """Block 1: the genesis coinbase split among all wallets, to start the economy."""
    n = gen.truth.n_wallets
    share = (SUBSIDY - 10_000) // n
    outputs = [(w, share, gen.new_script(w)) for w in range(n)]
    txid, wtxid, raw = _serialize(
        [gen.spend_input(gen.genesis_output[0], 0, gen.genesis_output[1])], [(v, s) for _, v, s in outputs]
    )
    for vout, (wallet, value, spk) in enumerate(outputs):
        gen.receive(wallet, txid, vout, value, spk)
    return txid, wtxid, raw


if __name__ == "__main__":  # python -m cointrail.simulation.block_files DIR N [SEED]
    made = generate_chain(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    print(json.dumps(made.manifest(), indent=2))
