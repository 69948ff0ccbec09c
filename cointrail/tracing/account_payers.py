"""Who paid a site on an account chain, in ether and in each listed token, and the exchange that funded each payer
(issue 16).

A payment is a transfer into a site address that moved value: ether in a successful transaction or internal call,
or a Transfer of a listed token that is not suspected poisoning (zero value, or logged in the name of someone other
than the transaction's sender: :mod:`cointrail.store.duckdb.account`). Those are never counted, and are listed apart
as suspected poisoning. A listed token's transfer made by an approved spender (``transferFrom``) did move tokens,
so it stays in the histories that FIFO and the deposit-address rule read, though never as a payment.

Each payer's first payment in each asset is traced back by FIFO over its history (:mod:`.account_flows`), hop by
hop through the receipt that covered most of it, until an address labelled as an exchange is reached (or, for an
internal transfer, the transaction was sent by one: a withdrawal through the exchange's batch contract), the hop
limit, or money of unknown origin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from cointrail.addresses.account import tron_from_hex
from cointrail.amounts import Amount, Unit
from cointrail.chains.ethereum.tokens import TOKENS
from cointrail.store.account_interface import AccountLedger
from cointrail.tracing.account_flows import ETH, Move, coverage_of, fifo_sources, histories, history
from cointrail.tracing.deposits import DepositAddress, deposit_addresses


@dataclass(frozen=True)
class AccountPayment:
    tx_hash: str
    block: int
    time: int
    asset: str
    value: int
    amount: str  # as people read it: "0.012 ETH", "25 USDT"
    receiver: str = ""  # the site address it paid


@dataclass(frozen=True)
class AccountFunding:
    """Where a payer's money came from: the exchange (None when none was reached) and the withdrawal."""

    exchange: str | None
    withdrawal_tx: str | None
    hot_wallet: str | None
    path: tuple[str, ...]  # payer first, then each address the money came through
    share: float  # of the traced payment's value that the followed receipts covered at the last hop
    reason: str
    # Where the trail stopped because the store has not fetched that account's history (a case-scoped ingest):
    # ingest around it to go on. None when the trail ended for any other reason.
    not_fetched: str | None = None
    # The receipts followed, payer's first: each {tx_hash, block, time, sender, receiver, value, kind, share (of what
    # was paid on that this receipt covered, first in first out)}; the last one is
    # the exchange's withdrawal when an exchange was reached. The report and the request packs quote them.
    steps: tuple[dict[str, Any], ...] = ()

    @property
    def withdrawal(self) -> dict[str, Any] | None:
        """The exchange's withdrawal (the last receipt followed), or None when no exchange was reached."""
        return self.steps[-1] if self.exchange is not None and self.steps else None


@dataclass(frozen=True)
class AccountPayer:
    address: str
    asset: str
    payments: tuple[AccountPayment, ...]
    total: int
    total_amount: str
    funding: AccountFunding


@dataclass(frozen=True)
class SuspectedPoisoning:
    tx_hash: str
    block: int
    asset: str
    sender: str
    receiver: str
    value: int
    tx_sender: str
    reason: str
    amount: str = ""  # ``value`` as people read it: "0 USDT"


@dataclass
class AccountPayersResult:
    chain: str
    network: str
    site: tuple[str, ...]
    payers: list[AccountPayer] = field(default_factory=list)
    poisoning: list[SuspectedPoisoning] = field(default_factory=list)
    cash_outs: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    method: str = __doc__ or ""

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        for row in found["coverage"]:
            row["fetched_at"] = str(row["fetched_at"])
        return found

    def not_fetched(self) -> list[str]:
        """The accounts whose histories the payers' trails need and the store has not fetched, sorted."""
        return sorted({p.funding.not_fetched for p in self.payers if p.funding.not_fetched})


def in_tron_form(result: AccountPayersResult) -> AccountPayersResult:
    """The same answer with every account written as Tron writes it (T…), for a Tron store."""

    def shown(address: str | None) -> str | None:
        return tron_from_hex(address) if address and address.startswith("0x") and len(address) == 42 else address

    def payer(p: AccountPayer) -> AccountPayer:
        f = p.funding
        steps = tuple({**s, "sender": shown(s["sender"]), "receiver": shown(s["receiver"])} for s in f.steps)
        funding = replace(f, hot_wallet=shown(f.hot_wallet), path=tuple(str(shown(a)) for a in f.path),
                          not_fetched=shown(f.not_fetched), steps=steps)
        payments = tuple(replace(m, receiver=str(shown(m.receiver))) for m in p.payments)
        return replace(p, address=str(shown(p.address)), funding=funding, payments=payments)

    return replace(result, site=tuple(str(shown(a)) for a in result.site), payers=[payer(p) for p in result.payers],
                   poisoning=[replace(x, sender=str(shown(x.sender)), receiver=str(shown(x.receiver)),
                                      tx_sender=str(shown(x.tx_sender))) for x in result.poisoning])  # fmt: skip


def unit_for(chain: str, asset: str) -> Unit:
    token = next((t for t in TOKENS if t.symbol == asset), None)
    return Unit(asset, token.decimals) if token else Amount(0, chain).unit


def _payments(ledger: AccountLedger, site: set[str]) -> list[tuple[str, Move]]:
    found = []
    for address in sorted(site):
        for move in history(ledger, address, ETH):
            if move.receiver == address and move.sender not in site and move.kind != "fee":
                found.append((move.sender if move.kind == "transaction" else move.tx_sender, move))
        for symbol in sorted({r["symbol"] for r in ledger.token_moves(address)}):
            found += [(m.sender, m) for m in history(ledger, address, symbol)
                      if m.receiver == address and m.sender not in site and m.suspect is None]  # fmt: skip
    return sorted(set(found), key=lambda pair: pair[1].order)


def _exchange_of(move: Move, labels: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """(exchange, hot wallet) when ``move`` was paid by a labelled exchange, directly or in a transaction it sent."""
    for who in (move.sender, move.tx_sender if move.kind != "transaction" else None):
        label = labels.get(who or "")
        if label is not None and label["category"] == "exchange":
            return label["name"], str(who)
    return None


def _dead_end(coverage: list[dict[str, Any]], address: str, spent: Move, ledger_chain: str) -> tuple[str, str | None]:
    """Why the trail stops at ``address``, and the address itself when it stops only because it was not fetched."""
    held = coverage_of(coverage, address, spent.block)
    if held is None:
        return (f"the history of {address} was not fetched (the store's coverage does not include it): read it with "
                f"`cointrail ingest --chain {ledger_chain} --around {address}`", address)  # fmt: skip
    return (f"{address} received no {spent.asset} before this in {held}: the money came from before that, or from "
            "no transfer on record (a genesis allocation, a node's own grant)", None)  # fmt: skip


def trace_funding(ledger: AccountLedger, payer: str, payment: Move, labels: dict[str, dict[str, Any]],
                  hops: int = 6, coverage: list[dict[str, Any]] | None = None) -> AccountFunding:  # fmt: skip
    """Follow ``payment`` (an outgoing move of ``payer``) back by FIFO to the exchange that funded it."""
    address, spent, path = payer, payment, [payer]
    steps: list[dict[str, Any]] = []
    coverage = ledger.coverage() if coverage is None else coverage
    for _ in range(hops):
        sources, _unknown = fifo_sources(history(ledger, address, spent.asset), address, spent)
        if not sources:
            reason, not_fetched = _dead_end(coverage, address, spent, ledger.chain)
            return AccountFunding(None, None, None, tuple(path), 0.0, reason, not_fetched, tuple(steps))
        receipt, share = max(sources, key=lambda pair: pair[1])
        fraction = share / spent.value if spent.value else 0.0
        steps.append({**_step(receipt), "share": round(fraction, 6)})
        exchange = _exchange_of(receipt, labels)
        if exchange is not None:
            return AccountFunding(exchange[0], receipt.tx_hash, exchange[1], tuple(path), fraction,
                                  f"{fraction:.0%} of it came, first in first out, from a withdrawal by "
                                  f"{exchange[0]} ({exchange[1]})"
                                  + (f", {len(path) - 1} hops back" if len(path) > 1 else ""),
                                  steps=tuple(steps))  # fmt: skip
        address, spent = receipt.sender, receipt
        path.append(address)
    return AccountFunding(None, None, None, tuple(path), 0.0, f"no labelled exchange within {hops} hops",
                          steps=tuple(steps))


def _step(receipt: Move) -> dict[str, Any]:
    return {"tx_hash": receipt.tx_hash, "block": receipt.block, "time": receipt.time, "sender": receipt.sender,
            "receiver": receipt.receiver, "value": receipt.value, "kind": receipt.kind}  # fmt: skip


def account_payers(ledger: AccountLedger, site: list[str], *, hops: int = 6) -> AccountPayersResult:
    """The payers of ``site`` (its 0x addresses) per asset, each traced to its funding exchange."""
    wanted = {a.lower() for a in site}
    labels = ledger.labels()
    result = AccountPayersResult(ledger.chain, ledger.network, tuple(sorted(wanted)), coverage=ledger.coverage())
    grouped: dict[tuple[str, str], list[Move]] = {}
    for payer, move in _payments(ledger, wanted):
        grouped.setdefault((payer, move.asset), []).append(move)
    for (payer, asset), moves in grouped.items():
        unit = unit_for(ledger.chain, asset)
        payments = tuple(AccountPayment(m.tx_hash, m.block, m.time, asset, m.value,
                                        str(Amount(m.value, ledger.chain, unit)), m.receiver) for m in moves)
        total = sum(m.value for m in moves)
        result.payers.append(AccountPayer(payer, asset, payments, total, str(Amount(total, ledger.chain, unit)),
                                          trace_funding(ledger, payer, moves[0], labels, hops, result.coverage)))
    result.poisoning = _poisoning(ledger, wanted)
    result.cash_outs = _cash_outs(ledger, wanted, deposit_addresses(ledger))
    return result


def _poisoning(ledger: AccountLedger, site: set[str]) -> list[SuspectedPoisoning]:
    found = []
    for address in sorted(site):
        for r in ledger.token_moves(address, include_poisoning=True):
            if r["poisoning"]:
                value, unit = int(r["value"]), unit_for(ledger.chain, r["symbol"])
                found.append(SuspectedPoisoning(r["tx_hash"], r["block_number"], r["symbol"], r["sender"],
                                                r["receiver"], value, r["tx_sender"], r["poisoning"],
                                                str(Amount(value, ledger.chain, unit))))  # fmt: skip
    return found


def _cash_outs(ledger: AccountLedger, site: set[str], deposits: dict[str, DepositAddress]) -> list[dict[str, Any]]:
    """The site's transfers into detected exchange deposit addresses: where legal process can be served."""
    found = []
    for address in sorted(site):
        for move in (m for moves in histories(ledger, address).values() for m in moves):
            deposit = deposits.get(move.receiver)
            if move.sender == address and deposit is not None:
                amount = str(Amount(move.value, ledger.chain, unit_for(ledger.chain, move.asset)))
                found.append({"tx_hash": move.tx_hash, "block": move.block, "asset": move.asset, "value": move.value,
                              "amount": amount,
                              "site_address": address, "deposit_address": move.receiver, "exchange": deposit.exchange,
                              "evidence": deposit.evidence[:3]})  # fmt: skip
    return found
