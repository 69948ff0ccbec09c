"""The answers of an investigation as typed, immutable values: what the engine returns and every renderer shows.

:class:`cointrail.investigation.Investigation` answers each question with one of these (or with a result
class that already existed beside its analysis: :class:`cointrail.tracing.TraceResult` for a trace,
:class:`cointrail.tracing.PayersResult` for the payers of a site, :class:`cointrail.cases.site.SiteSelection`
for the site's captured addresses). Each has ``to_json()``, which gives exactly the fields ``--json``
prints (docs/cli.md), in the same order, and ``from_json()``, which reads them back. Amounts stay integers
in base units; :meth:`AddressActivity.amount` and friends give them as an :class:`~cointrail.amounts.Amount`
that knows its chain's unit.

Nested values that have no type of their own yet (labels with their sources, an attribution, red flags)
are kept as the plain mappings the analysis gives; they are read-only by convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from cointrail.amounts import Amount

__all__ = ["AddressActivity", "Block", "CashOut", "Counterparty", "ExchangeToAsk", "GraphHop", "GraphNode", "Headline",
           "Label", "Link", "P2pk", "Payer", "Payment", "Search", "SearchHit", "Seen", "SiteCoverage", "SpentBy",
           "TraceGraph", "Transaction", "TransactionPage", "TxInput", "TxOutput", "Wallet", "WalletTotals",
           "Why"]  # fmt: skip


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
    # In a sparse store (crawled from a light source, issue 15): how far its history goes
    # ({"status": "complete" | "truncated" | "not listed", "words", ...}); None in a store of whole blocks.
    coverage: dict[str, Any] | None = None
    # False in a sparse store where what became of some outputs, or the whole history, was not fetched: then
    # ``balance`` is only what the fetched transactions leave, and ``balance_unknown`` says why and its bounds
    # ({"reason", "at_most", "at_least", "fetched_leave", "spending_not_fetched": {"outputs", "value"},
    # "whole_history_fetched"}).
    balance_known: bool = True
    balance_unknown: dict[str, Any] | None = None

    def amount(self, units: int) -> Amount:
        """``units`` (one of this answer's base-unit figures) in the coin of its chain."""
        return Amount(int(units), self.chain)

    def _balance_knowledge(self) -> dict[str, Any]:
        """Said only in a sparse store (as ``coverage``): a store of whole blocks always knows a balance."""
        if self.coverage is None and self.balance_known:
            return {}
        return {"balance_known": self.balance_known,
                **({} if self.balance_known else {"balance_unknown": self.balance_unknown})}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AddressActivity:
        return cls(
            data["chain"], data["network"], data["address"], data["script_pubkey"], data["type"],
            P2pk.from_json(data["p2pk"]), data["received"], data["sent"], data["balance"], data["outputs_received"],
            data["outputs_spent"], data["tx_count"], Seen.from_json(data["first_seen"]),
            Seen.from_json(data["last_seen"]), tuple(Counterparty.from_json(c) for c in data["counterparties"]),
            data.get("coverage"), data.get("balance_known", True), data.get("balance_unknown"),
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
            **({"coverage": self.coverage} if self.coverage is not None else {}),  # only in a sparse store
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Link:
    """One recorded link between two addresses, with its reason: the heuristic, the transaction, the sentence."""

    source: str
    target: str
    heuristic: str
    txid: str
    height: int
    explanation: str
    applied: bool = False  # applied by an investigator after the supercluster check held it back

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Link:
        return cls(data["from"], data["to"], data["heuristic"], data["txid"], data["height"], data["explanation"],
                   bool(data.get("applied")))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"from": self.source, "to": self.target, "heuristic": self.heuristic,
                                "txid": self.txid, "height": self.height}  # fmt: skip
        if self.applied:  # only said when it happened, as --json always has
            data["applied"] = True
        data["explanation"] = self.explanation
        return data


@dataclass(frozen=True, slots=True)
class Why:
    """Why ``member`` is in a wallet: the links that join it, one after another, and all of it in words."""

    member: str
    in_cluster: bool
    steps: tuple[Link, ...]
    explanation: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Why:
        return cls(data["member"], data["in_cluster"], tuple(Link.from_json(s) for s in data["steps"]),
                   data["explanation"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"member": self.member, "in_cluster": self.in_cluster, "steps": [s.to_json() for s in self.steps],
                "explanation": self.explanation}  # fmt: skip


@dataclass(frozen=True, slots=True)
class WalletTotals:
    """A wallet's money (base units) and how many payments in (outputs) and spends (inputs) it made."""

    received: int
    sent: int
    balance: int
    outputs: int
    inputs: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WalletTotals:
        return cls(data["received"], data["sent"], data["balance"], data["outputs"], data["inputs"])

    def to_json(self) -> dict[str, int]:
        return {"received": self.received, "sent": self.sent, "balance": self.balance, "outputs": self.outputs,
                "inputs": self.inputs}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Wallet:
    """A wallet (cluster) as ``cointrail cluster show`` gives it: size, totals, links, members, labels,
    attribution and red flags; ``why`` when a member was asked about.

    The workspace's wallet page adds ``why_members`` (why each listed member belongs, for a small wallet) and
    ``node`` (the wallet as the flow graph draws it); both are left out of ``to_json()`` when not asked for.
    """

    address: str
    cluster_id: int
    size: int
    totals: WalletTotals
    links_by_heuristic: Mapping[str, int]
    members: tuple[str, ...]
    labels: tuple[Mapping[str, Any], ...]
    red_flags: tuple[Mapping[str, Any], ...]
    heuristics: tuple[str, ...]
    attribution: Mapping[str, Any]
    why: Why | None = None
    why_members: Mapping[str, Why] | None = None
    node: GraphNode | None = None
    # On the workspace's pages, a wallet that holds the case's captured site addresses: those addresses and why it
    # is the site (``{"addresses", "reason"}``); None for any other wallet.
    site: Mapping[str, Any] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Wallet:
        why_members = data.get("why_members")
        return cls(
            data["address"], data["cluster_id"], data["size"], WalletTotals.from_json(data["totals"]),
            dict(data["links_by_heuristic"]), tuple(data["members"]), tuple(data["labels"]),
            tuple(data["red_flags"]), tuple(data["heuristics"]), data["attribution"],
            Why.from_json(data["why"]) if "why" in data else None,
            None if why_members is None else {m: Why.from_json(w) for m, w in why_members.items()},
            _graph_node(data.get("node")), data.get("site"),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "address": self.address, "cluster_id": self.cluster_id, "size": self.size,
            "totals": self.totals.to_json(), "links_by_heuristic": dict(self.links_by_heuristic),
            "members": list(self.members), "labels": list(self.labels), "red_flags": list(self.red_flags),
            "heuristics": list(self.heuristics), "attribution": self.attribution,
        }  # fmt: skip
        if self.why is not None:
            data["why"] = self.why.to_json()
        if self.why_members is not None:
            data["why_members"] = {m: w.to_json() for m, w in self.why_members.items()}
        if self.node is not None:
            data["node"] = self.node.to_json()
        if self.site is not None:
            data["site"] = self.site
        return data



def _graph_node(node: GraphNode | Mapping[str, Any] | None) -> GraphNode | None:
    return GraphNode.from_json(node) if isinstance(node, Mapping) else node


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


@dataclass(frozen=True, slots=True)
class Label:
    """A label stored in the ledger store (``cointrail labels list``): who an address belongs to, from which
    source, how confident, for which chain; fields and meanings in docs/labels.md."""

    label_sha256: str
    chain: str
    network: str
    address: str
    label: str
    category: str | None
    actor: str | None
    abuse: str | None
    confidence: str
    confidence_value: int
    source: str
    source_sha256: str
    importer: str
    imported_utc: str
    lastmod: str | None  # ISO date
    currency: str | None
    label_chains: tuple[str, ...] | None
    label_network: str | None
    on_chain: bool | None
    chain_note: str | None
    tx_hash: str | None
    is_cluster_definer: bool | None
    tag_type: str | None
    notes: tuple[str, ...] | None
    case_name: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Label:
        # The stored row's columns are this class's fields, in the same order (cointrail.labels.layout.COLUMNS).
        values: dict[str, Any] = {f.name: _frozen(data[f.name]) for f in fields(cls)}
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {name: list(v) if isinstance(v, tuple) else v for name, v in values}


def _frozen(value: Any) -> Any:
    """A list of a stored row as a tuple (the answer is immutable); anything else as it is."""
    return tuple(value) if isinstance(value, list) else value


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


@dataclass(frozen=True, slots=True)
class TransactionPage:
    """A transaction as the workspace shows it (``Investigation.transaction_page()``): the transaction, the names
    labels give each of its addresses (``"Demo Exchange 2 (exchange)"``), which of them are the site's captured
    addresses, and what the clustering found of it (a CoinJoin or a possibly collaborative transaction: kind, rule,
    evidence, participants), None if nothing."""

    transaction: Transaction
    names: Mapping[str, tuple[str, ...]]
    site: tuple[str, ...]
    coinjoin: Mapping[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {**self.transaction.to_json(), "names": {a: list(n) for a, n in self.names.items()},
                "site": list(self.site), "coinjoin": self.coinjoin}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One thing a search found: its ``kind`` (address, transaction, wallet, label), the ``key`` its page is named
    by (the address, the txid, the wallet's id) and what it is, in words."""

    kind: str
    key: str
    words: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "words": self.words}


@dataclass(frozen=True, slots=True)
class Search:
    """What the text ``query`` names in the ledger store (``Investigation.search()``), best first; ``tried`` says in
    words what it was looked up as, for an answer that found nothing."""

    query: str
    hits: tuple[SearchHit, ...]
    tried: tuple[str, ...]
    more: bool = False  # more labels matched than were listed

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "hits": [h.to_json() for h in self.hits], "tried": list(self.tried),
                "more": self.more}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SiteCoverage:
    """How far a sparse store's data (crawled from a light source, issue 15) go for the site's addresses
    (``PayersResult.coverage``): each address's history (``{"status": "complete" | "truncated" | "not listed",
    "words", ...}``), those whose history is not complete, the inputs whose funding transactions were not fetched
    (so not verified), and what that means for the answer, in words."""

    addresses: Mapping[str, Mapping[str, Any]]
    incomplete: tuple[str, ...]
    unverified_inputs: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"sparse": True, "addresses": dict(self.addresses), "incomplete": list(self.incomplete),
                "unverified_inputs": self.unverified_inputs, "note": self.note}  # fmt: skip


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node of the flow graph (``Investigation.graph_node()``, the nodes of a hop or a trace's graph): a wallet
    (``kind`` ``cluster``, id ``cluster:<id>``), one address (``address``: a wallet of one address, or one address of
    a larger wallet, then ``wallet`` names that wallet's node), the site's wallets as one node (``site``, id
    ``site:captured``: ``members`` their ids, ``wallets`` their nodes) or the smaller counterparties of a hop summed
    up (``summary``, with their ``amount``). ``role`` decides its colour and shape (:data:`cointrail.graph.ROLES`);
    ``caption`` names it, distinct on the graph. A node holding the case's captured site addresses is ``captured``,
    with the ``reason`` in words."""

    id: str
    kind: str
    role: str
    caption: str
    size: int
    labels: tuple[Mapping[str, Any], ...]  # the wallet's public labels, each with its source
    cluster_id: int | None = None
    address: str | None = None  # the address a wallet is named by (its id comes from it), or the node's own
    wallet: str | None = None
    captured: bool = False
    reason: str | None = None
    members: tuple[str, ...] = ()
    wallets: tuple[GraphNode, ...] | None = None  # None in a hop's origin, which names only their ids
    amount: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GraphNode:
        wallets = data.get("wallets")
        return cls(
            data["id"], data["kind"], data["role"], data["caption"], data["size"], tuple(data["labels"]),
            data.get("cluster_id"), data.get("address"), data.get("wallet"), bool(data.get("captured")),
            data.get("reason"), tuple(data.get("members") or ()),
            None if wallets is None else tuple(GraphNode.from_json(w) for w in wallets), data.get("amount"),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The node as the workspace's graph API gives it: each kind's fields in the order they were always given."""
        if self.kind == "summary":
            return {"id": self.id, "kind": self.kind, "role": self.role, "size": self.size,
                    "labels": list(self.labels), "caption": self.caption, "amount": self.amount}  # fmt: skip
        if self.kind == "site":
            data: dict[str, Any] = {
                "id": self.id, "kind": self.kind, "role": self.role, "captured": self.captured, "size": self.size,
                "labels": list(self.labels), "cluster_id": self.cluster_id, "address": self.address,
                "caption": self.caption, "members": list(self.members),
            }  # fmt: skip
            if self.wallets is not None:
                data["wallets"] = [w.to_json() for w in self.wallets]
            data["reason"] = self.reason
            return data
        data = {"id": self.id, "kind": self.kind, "cluster_id": self.cluster_id, "size": self.size,
                "address": self.address, "labels": list(self.labels), "role": self.role, "caption": self.caption}
        if self.wallet is not None:
            data["wallet"] = self.wallet
        if self.captured:
            data["captured"], data["reason"] = True, self.reason
        return data


@dataclass(frozen=True, slots=True)
class GraphHop:
    """One hop of the flow graph from ``origin`` (``Investigation.graph_hop()``): the counterparty wallets drawn
    (``nodes``, at most ``limit``) and an edge to or from each, the rest summed up in ``summary`` (its edge
    ``summary_edge``, the wallets it stands for listed in ``hidden``), the money in all (``total``, base units;
    ``total_coin`` in coin), what stayed in the origin's own wallets and what was newly mined, whether every
    transaction was read (``all_read``: at most ``max_transactions``, the newest) and the hop in words.

    Each edge is a mapping: ``id``, ``source``, ``target``, ``amount`` (base units) and ``amount_coin``, ``fiat``
    (each transaction at its day's price, with the source), ``transactions``, ``first_time``, ``last_time``,
    ``txids``, ``items`` (the transactions one by one), ``coinjoin`` and the ``reason`` in words."""

    origin: GraphNode
    direction: str
    limit: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[Mapping[str, Any], ...]
    counterparties: int
    total: int
    own_wallet_amount: int
    mined_amount: int
    summary: GraphNode | None
    hidden: tuple[Mapping[str, Any], ...]  # id, caption, amount, amount_coin of each wallet summed up
    all_read: bool
    max_transactions: int
    unit: str
    fiat: str
    total_coin: str
    explanation: str
    summary_edge: Mapping[str, Any] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GraphHop:
        summary = data["summary"]
        return cls(
            GraphNode.from_json(data["origin"]), data["direction"], data["limit"],
            tuple(GraphNode.from_json(n) for n in data["nodes"]), tuple(data["edges"]), data["counterparties"],
            data["total"], data["own_wallet_amount"], data["mined_amount"],
            None if summary is None else GraphNode.from_json(summary), tuple(data["hidden"]), data["all_read"],
            data["max_transactions"], data["unit"], data["fiat"], data["total_coin"], data["explanation"],
            data.get("summary_edge"),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "origin": self.origin.to_json(), "direction": self.direction, "limit": self.limit,
            "nodes": [n.to_json() for n in self.nodes], "edges": list(self.edges),
            "counterparties": self.counterparties, "total": self.total, "own_wallet_amount": self.own_wallet_amount,
            "mined_amount": self.mined_amount, "summary": None if self.summary is None else self.summary.to_json(),
            "hidden": list(self.hidden), "all_read": self.all_read, "max_transactions": self.max_transactions,
            "unit": self.unit, "fiat": self.fiat,
        }  # fmt: skip
        if self.summary_edge is not None:
            data["summary_edge"] = self.summary_edge
        data["total_coin"], data["explanation"] = self.total_coin, self.explanation
        return data


@dataclass(frozen=True, slots=True)
class TraceGraph:
    """A finished trace drawn as the flow graph (``Investigation.graph_of_trace()``): its wallets (at most so many,
    those that received the most traced money, the start first; ``left_out`` counts the others) and the traced money
    between them, one edge per pair of wallets (the mappings :class:`GraphHop` describes), under ``title``."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[Mapping[str, Any], ...]
    left_out: int
    unit: str
    title: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TraceGraph:
        return cls(tuple(GraphNode.from_json(n) for n in data["nodes"]), tuple(data["edges"]), data["left_out"],
                   data["unit"], data["title"])  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"nodes": [n.to_json() for n in self.nodes], "edges": list(self.edges), "left_out": self.left_out,
                "unit": self.unit, "title": self.title}  # fmt: skip
