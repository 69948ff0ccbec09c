"""A case's findings answer first: the exchanges to ask, where the takings went, the headline itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cointrail.amounts import Amount
from cointrail.model.payers import Payer, Payment

__all__ = ["CashOut", "ExchangeToAsk", "Headline"]


@dataclass(frozen=True, slots=True)
class ExchangeToAsk:
    """An exchange the findings reached (a report's ``findings.exchanges`` entry, counted): how many of its
    withdrawals funded payers and how many deposits took the site's money, and the request pack files the case
    keeps for it (``{"kind": "csv" | "letter", "sha256", "path", "seq"}``, newest of each kind)."""

    service: str
    category: str | None
    withdrawals: int
    deposits: int
    payers: int
    possible: bool  # every row rests on a trail not sure enough to name it (POSSIBLY in the pack)
    packs: tuple[Mapping[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "category": self.category, "withdrawals": self.withdrawals,
                "deposits": self.deposits, "payers": self.payers, "possible": self.possible,
                "packs": list(self.packs)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class CashOut:
    """The site's money paid into a service (a deposit row of the findings): where, by which transaction, when,
    the payment's amount and the part of it traced from the site (base units)."""

    service: str
    address: str
    txid: str | None
    time: int | None
    amount: int | None
    traced: int | None
    possible: bool  # reached only through a CoinJoin

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "address": self.address, "txid": self.txid, "time": self.time,
                "amount": self.amount, "traced": self.traced, "possible": self.possible}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Headline:
    """What a case has found so far, answer first (the workspace's case page, ``Investigation.headline()``): the
    payments into the site and their total, the paying wallets, the exchanges to ask, the site's cash-outs and the
    watch alerts.

    ``source`` says where the findings come from: ``report`` (the latest report kept in the case, ``report_seq``
    its custody entry: what the request packs were written from), ``engine`` (the payers asked of the store now;
    then no forward trace was run, so ``cash_outs`` is empty and ``traced`` false) or ``none`` (no store and no
    report). ``newer_blocks`` counts the blocks the store holds above the report's tip (None when not known).
    """

    source: str
    chain: str | None
    report_seq: int | None
    report_utc: str | None
    newer_blocks: int | None
    traced: bool  # whether the site's money was traced forward (cash-outs known)
    payments: tuple[Payment, ...]
    total: int
    total_fiat: Mapping[str, Any] | None
    payers: tuple[Payer, ...]
    exchanges: tuple[ExchangeToAsk, ...]
    cash_outs: tuple[CashOut, ...]
    alerts: tuple[Mapping[str, Any], ...]  # alert_id, kind, urgent, headline, txid, height, block_time; newest first
    site_note: str | None = None

    @property
    def urgent_alerts(self) -> int:
        return sum(1 for a in self.alerts if a["urgent"])

    def amount(self, units: int) -> Amount:
        """``units`` in the coin of the case's chain."""
        return Amount(int(units), self.chain or "bitcoin")

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "chain": self.chain, "report_seq": self.report_seq,
                "report_utc": self.report_utc, "newer_blocks": self.newer_blocks, "traced": self.traced,
                "payments": [p.to_json() for p in self.payments], "total": self.total, "total_fiat": self.total_fiat,
                "payers": [p.to_json() for p in self.payers], "exchanges": [x.to_json() for x in self.exchanges],
                "cash_outs": [c.to_json() for c in self.cash_outs], "alerts": list(self.alerts),
                "urgent_alerts": self.urgent_alerts, "site_note": self.site_note}  # fmt: skip
