"""Following money on an account chain (issue 16): an address's history per asset, and FIFO over it.

An account has no coins to follow: money received mixes in one balance. First in, first out (Clayton's Case, 1816;
Anderson et al., "Bitcoin Redux") says which receipts an outgoing transfer spent: the oldest not yet spent. Ether's
fees are outgoings too. Where an outgoing spends more than the address had received in the store's history, the
rest is of unknown origin (received before the fetched history, or from no transfer on record, such as a
genesis allocation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.store.account_interface import AccountLedger

ETH = "ETH"


@dataclass(frozen=True)
class Move:
    """One movement of one asset: ether (a transaction's value, an internal call, a fee) or a listed token."""

    asset: str
    tx_hash: str
    order: tuple[int, int, int, str]  # block, position in block, 0 fee / 1 transfer, trace address or log index
    sender: str
    receiver: str
    value: int
    tx_sender: str
    kind: str
    time: int
    suspect: str | None = None  # why a token transfer is suspected poisoning: never a payment (it may still move value)

    @property
    def block(self) -> int:
        return self.order[0]


def history(ledger: AccountLedger, address: str, asset: str) -> list[Move]:
    """Every move of ``asset`` into or out of ``address`` (ether: with the fees it paid), in chain order."""
    if asset == ETH:
        return _ether_history(ledger, address)
    return _token_history(ledger.token_moves(address, include_poisoning=True), asset)


def histories(ledger: AccountLedger, address: str) -> dict[str, list[Move]]:
    """:func:`history` of ether and of each token ``address`` has a transfer of, its token transfers read once."""
    rows = ledger.token_moves(address, include_poisoning=True)
    return {ETH: _ether_history(ledger, address),
            **{symbol: _token_history(rows, symbol) for symbol in sorted({r["symbol"] for r in rows})}}  # fmt: skip


def _ether_history(ledger: AccountLedger, address: str) -> list[Move]:
    moves = [Move(ETH, r["tx_hash"], (r["block_number"], r["position"], 1, r["trace_address"]), r["sender"],
                  r["receiver"], int(r["value"]), r["tx_sender"], r["kind"], r["time"])
             for r in ledger.ether_moves(address)]  # fmt: skip
    moves += [Move(ETH, f["tx_hash"], (f["block_number"], f["position"], 0, ""), address, "", int(f["fee"]),
                   address, "fee", 0) for f in ledger.fees(address)]  # fmt: skip
    return sorted(moves, key=lambda m: m.order)


def _token_history(rows: list[dict[str, Any]], asset: str) -> list[Move]:
    """A listed token's transfers that moved value, those an approved spender made included (flagged); an amount
    too large for any token never (a receipt of 2^256 - 1 would cover every spend after it)."""
    moves = [Move(asset, r["tx_hash"], (r["block_number"], 0, 1, f"{r['log_index']:08d}"), r["sender"],
                  r["receiver"], int(r["value"]), r["tx_sender"], "token", r["time"], r["poisoning"])
             for r in rows if r["symbol"] == asset and int(r["value"]) > 0 and not r.get("too_large")]  # fmt: skip
    return sorted(moves, key=lambda m: m.order)


def fifo_sources(moves: list[Move], address: str, spent: Move) -> tuple[list[tuple[Move, int]], int]:
    """The receipts of ``address`` that ``spent`` (one of its outgoing moves) drew on under FIFO, each with how much,
    and how much of it no receipt in the history covers."""
    received = [m for m in moves if m.receiver == address and m.sender != address and m.order < spent.order]
    before = sum(m.value for m in moves if m.sender == address and m.receiver != address and m.order < spent.order)
    start, end = before, before + spent.value
    found, cursor = [], 0
    for receipt in received:
        low, high = cursor, cursor + receipt.value
        overlap = min(high, end) - max(low, start)
        if overlap > 0:
            found.append((receipt, overlap))
        cursor = high
    return found, spent.value - sum(share for _, share in found)


def coverage_of(coverage: list[dict[str, Any]], address: str, block: int) -> str | None:
    """In words, how far back the store holds ``address``'s history up to ``block``; None when it holds none."""
    starts = [c["from_block"] for c in coverage
              if c["to_block"] >= block and (c["mode"] == "range" or address in c["addresses"])]  # fmt: skip
    if not starts:
        return None
    first = min(starts)
    return "its whole history" if first == 0 else f"its history since block {first}"
