"""The payers of a site: each payment into it, each paying wallet, and how far the site's history was read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cointrail.model.coverage import HistoryCoverage

__all__ = ["Payer", "Payment", "SiteCoverage"]


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment into the site (``payers``' ``payments``): the transaction, the site address(es) paid, the amount
    (base units; the site's net receipt for a PayJoin) with its value in fiat at the time, and the paying wallet."""

    txid: str
    time: int
    date: str
    height: int
    address: str
    addresses_paid: tuple[str, ...]
    amount: int
    amount_coin: str
    fiat: Mapping[str, Any] | None  # {"currency", "value", "source"}, or None without a price that day
    payer_cluster_id: int
    payer_addresses: tuple[str, ...]
    fresh_address: bool
    payjoin: bool
    note: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Payment:
        return cls(data["txid"], data["time"], data["date"], data["height"], data["address"],
                   tuple(data["addresses_paid"]), data["amount"], data["amount_coin"], data["fiat"],
                   data["payer_cluster_id"], tuple(data["payer_addresses"]), data["fresh_address"], data["payjoin"],
                   data["note"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"txid": self.txid, "time": self.time, "date": self.date, "height": self.height,
                "address": self.address, "addresses_paid": list(self.addresses_paid), "amount": self.amount,
                "amount_coin": self.amount_coin, "fiat": self.fiat, "payer_cluster_id": self.payer_cluster_id,
                "payer_addresses": list(self.payer_addresses), "fresh_address": self.fresh_address,
                "payjoin": self.payjoin, "note": self.note}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Payer:
    """A paying wallet of the site (``payers``' ``payers``; a wallet, not a person): its payments and totals, and
    the trails back to the services that funded it (docs/tracing.md).

    ``funded_by`` names a service only at the confidence the rule needs (issue 12); ``possibly_funded_by`` the
    rest, each ``attributions`` entry with its reason. ``funding`` (the trails with their steps), ``attributions``
    and ``coinjoins`` are kept as the mappings ``--json`` prints.
    """

    payer_cluster_id: int
    payer_addresses: tuple[str, ...]
    payments: int
    txids: tuple[str, ...]
    total: int
    total_coin: str
    total_fiat: Mapping[str, Any] | None
    first_date: str
    last_date: str
    first_time: int
    last_time: int
    funding: tuple[Mapping[str, Any], ...]
    funded_by: str | None
    funded_by_confidence: float | None
    possibly_funded_by: tuple[str, ...]
    attributions: tuple[Mapping[str, Any], ...]
    traced: int
    traced_coin: str
    unresolved: Mapping[str, int]  # money whose trail ended elsewhere, by the reason it ended
    coinjoins: tuple[Mapping[str, Any], ...]
    coinjoin_participants: int | None
    # Wallets the payer's money came from that no label names but that behave like an exchange (issue 17:
    # ``cointrail services detect``): leads to name with one ``label add``, never a "funded by".
    leads: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Payer:
        return cls(
            data["payer_cluster_id"], tuple(data["payer_addresses"]), data["payments"], tuple(data["txids"]),
            data["total"], data["total_coin"], data["total_fiat"], data["first_date"], data["last_date"],
            data["first_time"], data["last_time"], tuple(data["funding"]), data["funded_by"],
            data["funded_by_confidence"], tuple(data["possibly_funded_by"]), tuple(data["attributions"]),
            data["traced"], data["traced_coin"], data["unresolved"], tuple(data["coinjoins"]),
            data["coinjoin_participants"], tuple(data.get("leads", ())),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "payer_cluster_id": self.payer_cluster_id, "payer_addresses": list(self.payer_addresses),
            "payments": self.payments, "txids": list(self.txids), "total": self.total, "total_coin": self.total_coin,
            "total_fiat": self.total_fiat, "first_date": self.first_date, "last_date": self.last_date,
            "first_time": self.first_time, "last_time": self.last_time, "funding": list(self.funding),
            "funded_by": self.funded_by, "funded_by_confidence": self.funded_by_confidence,
            "possibly_funded_by": list(self.possibly_funded_by), "attributions": list(self.attributions),
            "traced": self.traced, "traced_coin": self.traced_coin, "unresolved": self.unresolved,
            "coinjoins": list(self.coinjoins), "coinjoin_participants": self.coinjoin_participants,
            "leads": list(self.leads),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class SiteCoverage:
    """How far a sparse store's data (crawled from a light source, issue 15) go for the site's addresses
    (``PayersResult.coverage``): each address's history (:class:`~cointrail.model.coverage.HistoryCoverage`), those
    whose history is not complete, the inputs whose funding transactions were not fetched (so not verified), and
    what that means for the answer, in words."""

    addresses: Mapping[str, HistoryCoverage]
    incomplete: tuple[str, ...]
    unverified_inputs: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"sparse": True, "addresses": {a: c.to_json() for a, c in self.addresses.items()},
                "incomplete": list(self.incomplete),
                "unverified_inputs": self.unverified_inputs, "note": self.note}  # fmt: skip
