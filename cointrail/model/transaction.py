"""A transaction with its inputs and outputs (and what spent each), and a block."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cointrail.amounts import Amount
from cointrail.model.address import P2pk

__all__ = ["Block", "SpentBy", "Transaction", "TxInput", "TxOutput"]


@dataclass(frozen=True, slots=True)
class SpentBy:
    """The input that spent an output: its transaction, input position and block height."""

    txid: str
    vin: int
    height: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SpentBy | None:
        return None if data is None else cls(data["txid"], data["vin"], data["height"])

    def to_json(self) -> dict[str, Any]:
        return {"txid": self.txid, "vin": self.vin, "height": self.height}


@dataclass(frozen=True, slots=True)
class TxOutput:
    """An output of a transaction: its value (base units), who it paid, and the input that spent it, if any."""

    n: int
    value: int
    address: str | None
    script_pubkey: str
    type: str
    p2pk: P2pk | None
    spent_by: SpentBy | None
    # False in a sparse store (issue 15) that did not fetch what became of the output: no spender is then not
    # "unspent" but "not known".
    spending_known: bool = True

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TxOutput:
        return cls(data["n"], data["value"], data["address"], data["script_pubkey"], data["type"],
                   P2pk.from_json(data["p2pk"]), SpentBy.from_json(data["spent_by"]),
                   data.get("spending_known", True))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "value": self.value, "address": self.address, "script_pubkey": self.script_pubkey,
                "type": self.type, "p2pk": self.p2pk.to_json() if self.p2pk else None,
                "spent_by": self.spent_by.to_json() if self.spent_by else None,
                **({} if self.spending_known else {"spending_known": False})}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TxInput:
    """An input of a transaction: the output it spends (none for a coinbase), its value and address."""

    n: int
    prev_txid: str | None
    prev_vout: int | None
    value: int | None
    address: str | None
    p2pk: P2pk | None
    sequence: int
    # False in a sparse store (issue 15) that did not fetch the transaction this input spends: the outpoint is
    # known, its value and address are not.
    funding_known: bool = True

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TxInput:
        return cls(data["n"], data["prev_txid"], data["prev_vout"], data["value"], data["address"],
                   P2pk.from_json(data["p2pk"]), data["sequence"], data.get("funding_known", True))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "prev_txid": self.prev_txid, "prev_vout": self.prev_vout, "value": self.value,
                "address": self.address, "p2pk": self.p2pk.to_json() if self.p2pk else None,
                "sequence": self.sequence, **({} if self.funding_known else {"funding_known": False})}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Transaction:
    """One transaction of the ledger store (``cointrail tx``): its block, inputs with what they spent, outputs
    with who spent them; ``fee`` is None for a coinbase, and in a sparse store when an input's funding
    transaction was not fetched."""

    chain: str
    network: str
    txid: str
    wtxid: str
    block_height: int
    block_hash: str
    time: int
    position: int
    version: int
    locktime: int
    size: int
    vsize: int
    coinbase: bool
    mweb: bool
    fee: int | None
    output_total: int
    inputs: tuple[TxInput, ...]
    outputs: tuple[TxOutput, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Transaction:
        return cls(
            data["chain"], data["network"], data["txid"], data["wtxid"], data["block_height"], data["block_hash"],
            data["time"], data["position"], data["version"], data["locktime"], data["size"], data["vsize"],
            data["coinbase"], data["mweb"], data["fee"], data["output_total"],
            tuple(TxInput.from_json(i) for i in data["inputs"]), tuple(TxOutput.from_json(o) for o in data["outputs"]),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain, "network": self.network, "txid": self.txid, "wtxid": self.wtxid,
            "block_height": self.block_height, "block_hash": self.block_hash, "time": self.time,
            "position": self.position, "version": self.version, "locktime": self.locktime, "size": self.size,
            "vsize": self.vsize, "coinbase": self.coinbase, "mweb": self.mweb, "fee": self.fee,
            "output_total": self.output_total, "inputs": [i.to_json() for i in self.inputs],
            "outputs": [o.to_json() for o in self.outputs],
        }  # fmt: skip

    def amount(self, units: int) -> Amount:
        """``units`` (the fee, a value) in the coin of this transaction's chain."""
        return Amount(int(units), self.chain)


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the ledger store (``cointrail block``): its header, where it came from, whether its txids
    and merkle root were checked, and its transaction ids."""

    chain: str
    network: str
    height: int
    hash: str
    prev_hash: str
    merkle_root: str
    version: int
    time: int
    bits: str
    nonce: int
    size: int
    tx_count: int
    mweb_extension_size: int | None
    source: str
    txids_recomputed: bool
    merkle_checked: bool
    txids: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Block:
        return cls(
            data["chain"], data["network"], data["height"], data["hash"], data["prev_hash"], data["merkle_root"],
            data["version"], data["time"], data["bits"], data["nonce"], data["size"], data["tx_count"],
            data["mweb_extension_size"], data["source"], data["txids_recomputed"], data["merkle_checked"],
            tuple(data["txids"]),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain, "network": self.network, "height": self.height, "hash": self.hash,
            "prev_hash": self.prev_hash, "merkle_root": self.merkle_root, "version": self.version, "time": self.time,
            "bits": self.bits, "nonce": self.nonce, "size": self.size, "tx_count": self.tx_count,
            "mweb_extension_size": self.mweb_extension_size, "source": self.source,
            "txids_recomputed": self.txids_recomputed, "merkle_checked": self.merkle_checked,
            "txids": list(self.txids),
        }  # fmt: skip
