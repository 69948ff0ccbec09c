"""What the ledger knows of one address: when it was seen, its counterparties, a bare public key, and its activity
(``address-info``) on a UTXO chain and on an account chain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cointrail.amounts import Amount
from cointrail.model.coverage import HistoryCoverage

__all__ = ["AccountActivity", "AddressActivity", "BalanceUnknown", "Counterparty", "P2pk", "Seen"]


@dataclass(frozen=True, slots=True)
class Seen:
    """A moment an address (or wallet) was seen on the ledger: the transaction, its block height and time."""

    txid: str | None
    height: int | None
    time: int | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Seen:
        return cls(data["txid"], data["height"], data["time"])

    def to_json(self) -> dict[str, Any]:
        return {"txid": self.txid, "height": self.height, "time": self.time}


@dataclass(frozen=True, slots=True)
class Counterparty:
    """An address that shared transactions with the one asked about, and the money each way (base units)."""

    address: str | None
    script_pubkey: str
    type: str
    transactions: int
    paid_us: int
    we_paid: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Counterparty:
        return cls(data["address"], data["script_pubkey"], data["type"], data["transactions"], data["paid_us"],
                   data["we_paid"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "script_pubkey": self.script_pubkey, "type": self.type,
                "transactions": self.transactions, "paid_us": self.paid_us, "we_paid": self.we_paid}  # fmt: skip


@dataclass(frozen=True, slots=True)
class P2pk:
    """An address paid to its bare public key (P2PK): the key, its script, and the sentence saying so."""

    pubkey: str
    script_pubkey: str
    note: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> P2pk | None:
        return None if data is None else cls(data["pubkey"], data["script_pubkey"], data["note"])

    def to_json(self) -> dict[str, str]:
        return {"pubkey": self.pubkey, "script_pubkey": self.script_pubkey, "note": self.note}


@dataclass(frozen=True, slots=True)
class BalanceUnknown:
    """Why a sparse store (crawled from a light source, issue 15) cannot know an address's balance, and the bounds
    that hold, in base units: ``at_most`` only when its whole history was fetched, ``at_least`` only when what became
    of every fetched output paid to it is known; ``fetched_leave``, what the fetched transactions leave it;
    ``spending_not_fetched``, the outputs paid to it whose spending was not fetched (``{"outputs", "value"}``)."""

    reason: str
    at_most: int | None
    at_least: int | None
    fetched_leave: int
    spending_not_fetched: Mapping[str, int]
    whole_history_fetched: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BalanceUnknown:
        return cls(data["reason"], data["at_most"], data["at_least"], data["fetched_leave"],
                   data["spending_not_fetched"], data["whole_history_fetched"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "at_most": self.at_most, "at_least": self.at_least,
                "fetched_leave": self.fetched_leave, "spending_not_fetched": dict(self.spending_not_fetched),
                "whole_history_fetched": self.whole_history_fetched}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AddressActivity:
    """What the ledger store knows of one address (``cointrail address-info``): totals, first and last seen,
    counterparties. ``address`` is None for an output script with no address form."""

    chain: str
    network: str
    address: str | None
    script_pubkey: str
    type: str
    p2pk: P2pk | None
    received: int
    sent: int
    balance: int
    outputs_received: int
    outputs_spent: int
    tx_count: int
    first_seen: Seen
    last_seen: Seen
    counterparties: tuple[Counterparty, ...] = ()
    # In a sparse store (crawled from a light source, issue 15): how far its history goes; None in a store of whole
    # blocks.
    coverage: HistoryCoverage | None = None
    # False in a sparse store where what became of some outputs, or the whole history, was not fetched: then
    # ``balance`` is only what the fetched transactions leave, and ``balance_unknown`` says why and its bounds.
    balance_known: bool = True
    balance_unknown: BalanceUnknown | None = None

    def amount(self, units: int) -> Amount:
        """``units`` (one of this answer's base-unit figures) in the coin of its chain."""
        return Amount(int(units), self.chain)

    def _balance_knowledge(self) -> dict[str, Any]:
        """Said only in a sparse store (as ``coverage``): a store of whole blocks always knows a balance."""
        if self.coverage is None and self.balance_known:
            return {}
        return {"balance_known": self.balance_known,
                **({} if self.balance_known else {"balance_unknown": _unknown_json(self.balance_unknown)})}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AddressActivity:
        return cls(
            data["chain"], data["network"], data["address"], data["script_pubkey"], data["type"],
            P2pk.from_json(data["p2pk"]), data["received"], data["sent"], data["balance"], data["outputs_received"],
            data["outputs_spent"], data["tx_count"], Seen.from_json(data["first_seen"]),
            Seen.from_json(data["last_seen"]), tuple(Counterparty.from_json(c) for c in data["counterparties"]),
            None if data.get("coverage") is None else HistoryCoverage.from_json(data["coverage"]),
            data.get("balance_known", True),
            None if data.get("balance_unknown") is None else BalanceUnknown.from_json(data["balance_unknown"]),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain, "network": self.network, "address": self.address,
            "script_pubkey": self.script_pubkey, "type": self.type,
            "p2pk": self.p2pk.to_json() if self.p2pk else None, "received": self.received, "sent": self.sent,
            "balance": self.balance, **self._balance_knowledge(),
            "outputs_received": self.outputs_received, "outputs_spent": self.outputs_spent,
            "tx_count": self.tx_count, "first_seen": self.first_seen.to_json(), "last_seen": self.last_seen.to_json(),
            "counterparties": [c.to_json() for c in self.counterparties],
            **({"coverage": self.coverage.to_json()} if self.coverage is not None else {}),  # only in a sparse store
        }  # fmt: skip


def _unknown_json(unknown: BalanceUnknown | None) -> dict[str, Any] | None:
    return None if unknown is None else unknown.to_json()


@dataclass(frozen=True, slots=True)
class AccountActivity:
    """What an account-model store (Ethereum) knows of one account (``cointrail address-info`` on such a store,
    issue 16): per asset received, sent and net; first and last seen; counterparties; the labels, the token issuers'
    actions naming it (a blacklist, destroyed funds) and suspected poisoning transfers naming it; and whether the
    store's coverage includes it, since "never seen" in a case-scoped store may mean "not fetched"."""

    chain: str
    network: str
    address: str
    assets: tuple[dict[str, Any], ...]  # asset, decimals, received, sent, net, transfers_in, transfers_out, amounts
    tx_count: int
    first_seen: dict[str, Any] | None
    last_seen: dict[str, Any] | None
    counterparties: tuple[dict[str, Any], ...]
    labels: tuple[dict[str, Any], ...]
    issuer_actions: tuple[dict[str, Any], ...]
    suspected_poisoning: tuple[dict[str, Any], ...]
    coverage: str
    same_key: dict[str, Any] | None = None  # its public key, the transaction it came from, its Bitcoin/Litecoin ones
    deposit_of: dict[str, Any] | None = None  # when it is a detected exchange deposit address: which, users, evidence
    deposits: tuple[dict[str, Any], ...] = ()  # detected deposit addresses it paid into, and who else did

    def to_json(self) -> dict[str, Any]:
        return {f.name: list(getattr(self, f.name)) if isinstance(getattr(self, f.name), tuple)
                else getattr(self, f.name) for f in fields(self)}  # fmt: skip
