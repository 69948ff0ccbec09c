"""Tracing money on an account chain, per asset (issue 16): where an account's money went, or came from.

An account mixes what it receives in one balance, so a trace needs a taint model to say which outgoing transfer
carried which receipt: FIFO (Clayton's Case: the oldest receipt not yet spent goes first; deterministic, and it can
be run backwards), haircut (each outgoing transfer carries every earlier receipt in proportion to its value) or
poison (each later outgoing transfer carries all of it). A trail goes hop by hop and ends, said in words, at an
address labelled as an exchange (where legal process can be served) or another service, at a detected exchange
deposit address, where the store holds no more of the trail (not fetched, or nothing further), or at the hop limit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cointrail.amounts import Amount
from cointrail.errors import InputError
from cointrail.store.account_interface import AccountLedger
from cointrail.tracing.account_flows import ETH, Move, coverage_of, history
from cointrail.tracing.account_payers import unit_for
from cointrail.tracing.deposits import deposit_addresses

MODELS = ("fifo", "haircut", "poison")


@dataclass
class AccountTraceResult:
    chain: str
    network: str
    start: str
    asset: str
    direction: str
    model: str
    steps: list[dict[str, Any]] = field(default_factory=list)  # hop, sender, receiver, tx_hash, value, tainted
    ends: list[dict[str, Any]] = field(default_factory=list)  # address, tainted, amount, why
    method: str = __doc__ or ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _share(model: str, moves: list[Move], address: str, given: Move, other: Move, forward: bool) -> int:
    """How much of ``other`` (an outgoing move when going forward, a receipt when going back) ``given`` accounts for."""
    receipt, spent = (given, other) if forward else (other, given)
    if spent.order < receipt.order:
        return 0
    if model == "poison":
        return spent.value if forward else receipt.value
    received = [m for m in moves if m.receiver == address and m.sender != address and m.order < spent.order]
    if model == "haircut":
        total = sum(m.value for m in received)
        return spent.value * receipt.value // total if total else 0
    before_in = sum(m.value for m in received if m.order < receipt.order)
    before_out = sum(m.value for m in moves if m.sender == address and m.receiver != address
                     and m.order < spent.order)  # fmt: skip
    return max(0, min(before_in + receipt.value, before_out + spent.value) - max(before_in, before_out))


def _stop(ledger: AccountLedger, address: str, labels: dict[str, dict[str, Any]], deposits: dict[str, Any],
          coverage: list[dict[str, Any]], block: int) -> str | None:  # fmt: skip
    label = labels.get(address)
    if label is not None:
        where = "legal process can be served there" if label["category"] == "exchange" else "a known service"
        return f"labelled {label['name']} ({label['category']}, from {label['source']}): {where}"
    if address in deposits:
        return (f"a deposit address of {deposits[address].exchange} (it forwards what it receives to that exchange's "
                "hot wallet): ask the exchange whose account it credits")  # fmt: skip
    if coverage_of(coverage, address, block) is None:
        return (f"the store has not fetched {address}'s history: read it with "
                f"`cointrail ingest --chain {ledger.chain} --around {address}`")  # fmt: skip
    return None


def account_trace(ledger: AccountLedger, start: str, *, asset: str = ETH, direction: str = "forward", hops: int = 3,
                  model: str = "fifo") -> AccountTraceResult:  # fmt: skip
    """Follow ``asset`` from ``start`` (a 0x account), ``forward`` (where it went) or ``backward`` (where it came
    from), ``hops`` deep, under the taint ``model``."""
    if model not in MODELS:
        raise InputError(f"the taint model {model!r} is not one of {', '.join(MODELS)} on an account chain")
    forward = direction == "forward"
    labels, deposits, coverage = ledger.labels(), deposit_addresses(ledger), ledger.coverage()
    unit = unit_for(ledger.chain, asset)
    result = AccountTraceResult(ledger.chain, ledger.network, start, asset, direction, model)
    start_moves = history(ledger, start, asset)
    frontier = [(m, m.value) for m in start_moves if (m.sender == start if forward else m.receiver == start)
                and m.kind != "fee" and (m.receiver if forward else m.sender) != start]  # fmt: skip
    for hop in range(1, hops + 1):
        following = []
        for move, tainted in frontier:
            if tainted <= 0:
                continue
            result.steps.append({"hop": hop, "sender": move.sender, "receiver": move.receiver, "tx_hash": move.tx_hash,
                                 "block": move.block, "value": move.value, "tainted": tainted,
                                 "amount": str(Amount(tainted, ledger.chain, unit))})  # fmt: skip
            nxt = move.receiver if forward else move.sender
            why = _stop(ledger, nxt, labels, deposits, coverage, move.block)
            if why is None and hop == hops:
                why = f"the hop limit ({hops})"
            if why is None:
                moves = history(ledger, nxt, asset)
                others = [m for m in moves if (m.sender == nxt if forward else m.receiver == nxt) and m.kind != "fee"
                          and (m.receiver if forward else m.sender) != nxt]  # fmt: skip
                shares = [(m, _share(model, moves, nxt, move, m, forward)) for m in others]
                shares = [(m, s * tainted // move.value if move.value else 0) for m, s in shares if s > 0]
                if not shares:
                    why = (f"{nxt} has not moved it on in the store's history" if forward else
                           f"{nxt} received nothing before this in the store's history (a genesis allocation, or "
                           "from before the fetched range)")  # fmt: skip
                following += shares
            if why is not None:
                result.ends.append({"address": nxt, "tainted": tainted, "amount": str(Amount(tainted, ledger.chain,
                                                                                              unit)), "why": why})
        frontier = following
    return result
