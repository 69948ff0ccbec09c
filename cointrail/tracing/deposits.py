"""Exchange deposit addresses on an account chain (Victor, "Address Clustering Heuristics for Ethereum", FC 2020).

An exchange gives each customer an address of their own and sweeps what arrives there to its hot wallet. So an
address D that receives from a user U and, within a window, forwards about the same amount to an address labelled
as an exchange's is that exchange's deposit address, with the pair (U -> D, D -> hot wallet) as the evidence; users
who share one deposit address are the same customer (a weaker link, stated as such). The reference code
(etherclust) pairs transfers no more than 0.01 ETH apart within 10,000 blocks; a token's sweep is taken within one
whole token. D itself must not be labelled, and must not be a hot wallet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cointrail.chains.ethereum.tokens import TOKENS
from cointrail.store.account_interface import AccountLedger
from cointrail.tracing.account_flows import Move, histories

WINDOW_BLOCKS = 10_000
ETH_TOLERANCE = 10**16  # 0.01 ETH (Victor 2020, etherclust)


@dataclass
class DepositAddress:
    address: str
    exchange: str
    hot_wallet: str
    users: set[str] = field(default_factory=set)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {"deposit_tx", "sweep_tx", "asset", "value"}


def _tolerance(asset: str) -> int:
    token = next((t for t in TOKENS if t.symbol == asset), None)
    return 10**token.decimals if token else ETH_TOLERANCE


def _paired(receipts: list[Move], sweep: Move) -> Move | None:
    """The receipt a sweep forwarded: before it, within the window, at least as large and within the tolerance."""
    tolerance = _tolerance(sweep.asset)
    close = [r for r in receipts if r.order < sweep.order and sweep.block - r.block <= WINDOW_BLOCKS
             and 0 <= r.value - sweep.value <= tolerance]  # fmt: skip
    return close[-1] if close else None


def deposit_addresses(ledger: AccountLedger) -> dict[str, DepositAddress]:
    """Every deposit address the store's transfers show, by address."""
    labels = ledger.labels()
    hot = {a: row for a, row in labels.items() if row["category"] == "exchange"}
    found: dict[str, DepositAddress] = {}
    # a sweep is a transaction or, from a contract deposit wallet, an internal call or a token transfer it makes
    candidates = {r["sender"] for r in ledger.ether_moves() if r["receiver"] in hot}
    candidates |= {r["sender"] for r in ledger.token_moves(include_poisoning=True) if r["receiver"] in hot
                   and int(r["value"]) > 0}  # fmt: skip
    for address in sorted(candidates - set(labels)):
        for asset, moves in histories(ledger, address).items():
            receipts = [m for m in moves if m.receiver == address and m.kind != "fee"]
            for sweep in (m for m in moves if m.sender == address and m.receiver in hot):
                receipt = _paired(receipts, sweep)
                if receipt is None:
                    continue
                label = hot[sweep.receiver]
                entry = found.setdefault(address, DepositAddress(address, label["name"], sweep.receiver))
                entry.users.add(receipt.sender)
                entry.evidence.append({"deposit_tx": receipt.tx_hash, "sweep_tx": sweep.tx_hash, "asset": asset,
                                       "received": receipt.value, "forwarded": sweep.value})  # fmt: skip
    return found
