"""What a label says about an address, and how sure its source is: the value objects.

A :class:`Label` is one attribution ("this address belongs to Binance",
"this address is on the OFAC SDN list"), normalised the same way whatever
format it came from, with its source, the SHA-256 of the file it was read from,
its category and its confidence. A :class:`LabelImport` is the result of
reading one file: the labels, and every entry that could not become a label,
each with the reason in plain words.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cointrail.errors import InputError


class LabelFormatError(InputError):
    """A label file cannot be read at all (wrong format, broken YAML/XML/CSV)."""


@dataclass(frozen=True)
class Confidence:
    """A named level of GraphSense's confidence scale, with its number (0–100)."""

    name: str
    value: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value}


# GraphSense's confidence scale, graphsense-tagpack-tool src/tagpack/db/confidence.csv
# (names and levels kept as published, so labels can be exported back as TagPacks).
CONFIDENCE_SCALE: dict[str, int] = {
    "override": 100,
    "ownership": 100,
    "ledger_immanent": 100,
    "manual_transaction": 90,
    "service_api": 70,
    "forensic_investigation": 70,
    "authority_data": 60,
    "trusted_provider": 50,
    "service_data": 50,
    "forensic": 50,
    "untrusted_transaction": 40,
    "web_crawl": 20,
    "heuristic": 10,
    "unknown": 5,
}

_CONFIDENCES = {name: Confidence(name, value) for name, value in CONFIDENCE_SCALE.items()}  # made once, shared

# GraphSense's concept taxonomy (graphsense-tagpack-tool src/tagpack/db/concepts.yaml,
# derived from the INTERPOL Darknet and Cryptocurrencies Working Group taxonomy), plus
# human_trafficking, which cointrail's cases need and the taxonomy does not yet name.
CATEGORIES: frozenset[str] = frozenset(
    [
        "concept", "behaviour", "source", "mention", "forum_mention", "website_mention", "abuse", "gray_usage",
        "mixing", "white_usage", "sexual_abuse", "child_sexual_abuse", "violence", "torture", "scam",
        "financial_crime", "investment_fraud", "ponzi_scheme", "pyramid_scheme", "money_laundering", "extortion",
        "sextortion", "phishing", "service_hack", "payment_card_fraud", "ransomware", "sanction", "extremism",
        "terrorism", "dark_web", "entity", "organization", "user", "service", "victim", "perpetrator", "donation",
        "exchange", "wallet_service", "escrow_wallet", "ico_wallet", "cold_wallet", "hot_wallet", "warm_wallet",
        "filesharing", "index", "market", "messaging_service", "mixing_service", "coinjoin", "miner",
        "mining_service", "gambling", "search_engine", "shop", "faucet", "payment_processor", "atm", "hosting",
        "vpn", "defi", "defi_lending", "defi_dex", "defi_derivative", "defi_bridge", "item", "collectible",
        "human_trafficking",
    ]
)

# Categories naming a service that runs wallets for others: two of them do not share a wallet, so a cluster
# carrying labels of two is probably a false merge (cointrail.clustering.redflags). Not the same set as
# TRAIL_STOP_CATEGORIES, on purpose: coinjoin and faucet run wallets for others but a trail goes on through them;
# hot_wallet, cold_wallet, warm_wallet name a wallet's role inside one service (an "exchange" and a "hot_wallet"
# label on one cluster are no false merge), and "service" or defi name no one service to tell apart.
SERVICE_CATEGORIES: frozenset[str] = frozenset({
    "exchange", "wallet_service", "mixing_service", "coinjoin", "market", "payment_processor", "gambling",
    "mining_service", "hosting", "vpn", "shop", "escrow_wallet", "atm", "faucet", "defi_dex",
})  # fmt: skip

# Custodial services that are regulated as virtual-asset service providers (FATF Recommendation 15) and keep
# customer records: the places where legal process can be served and funds frozen.
LEGAL_PROCESS_CATEGORIES: frozenset[str] = frozenset({"exchange", "wallet_service", "payment_processor", "atm"})

# Categories of businesses that stop a trail (cointrail.tracing.services) and a crawl's walk
# (cointrail.ingest.crawl): LEGAL_PROCESS_CATEGORIES, the custodial, regulated ones that keep customer records, and
# services where money mixes with everyone else's.
TRAIL_STOP_CATEGORIES: frozenset[str] = LEGAL_PROCESS_CATEGORIES | {
    "mixing_service", "market", "gambling", "mining_service", "hosting", "vpn", "shop", "escrow_wallet",
    "hot_wallet", "cold_wallet", "warm_wallet", "service", "defi", "defi_dex", "defi_lending", "defi_bridge",
}  # fmt: skip

# GraphSense tag types (graphsense-tagpack-tool src/tagpack/db/tag_types.csv).
TAG_TYPES: frozenset[str] = frozenset({"actor", "event", "mention"})


def confidence_named(name: str) -> Confidence:
    """The :class:`Confidence` of a level name; raises ``KeyError`` for an unknown name."""
    key = name.strip().lower()
    return _CONFIDENCES[key]


@dataclass(frozen=True)
class Label:
    """One attribution of an address (or a transaction) to a name, with its provenance.

    ``address`` is the canonical spelling given by
    :func:`cointrail.addresses.parse_address`; ``chains`` are the chains on
    which the source's currency and the address agree (an EVM address listed
    for USDT is valid on every EVM chain that carries USDT).
    """

    address: str
    chains: tuple[str, ...]
    currency: str  # the currency code as the source wrote it (XBT, BTC, USDT…)
    network: str
    label: str
    source: str  # a URL or the file the label was read from
    source_sha256: str  # of the file the label was read from
    confidence: Confidence
    importer: str  # tagpack, ofac-xml, ofac-csv, ofac-advanced, csv
    category: str | None = None
    actor: str | None = None
    abuse: str | None = None
    lastmod: _dt.date | None = None
    tx_hash: str | None = None
    is_cluster_definer: bool = False
    tag_type: str | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the stable ``--json`` fields."""
        return {
            "address": self.address,
            "chains": list(self.chains),
            "currency": self.currency,
            "network": self.network,
            "label": self.label,
            "category": self.category,
            "actor": self.actor,
            "abuse": self.abuse,
            "source": self.source,
            "source_sha256": self.source_sha256,
            "confidence": self.confidence.to_dict(),
            "lastmod": self.lastmod.isoformat() if self.lastmod else None,
            "tx_hash": self.tx_hash,
            "is_cluster_definer": self.is_cluster_definer,
            "tag_type": self.tag_type,
            "importer": self.importer,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class RejectedEntry:
    """An entry of a label file that did not become a label, and why."""

    where: str  # "tag 12", "line 7", "SDN entry 36216"
    value: str  # the address (or text) as written in the file
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "value": self.value, "reason": self.reason}


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class LabelImport:
    """The result of reading one label file: labels, rejected entries, provenance."""

    path: str
    format: str
    source_sha256: str
    labels: tuple[Label, ...]
    rejected: tuple[RejectedEntry, ...]

    def summary(self, with_labels: bool = False) -> dict[str, Any]:
        """Counts per category and currency, and every rejected entry (plain data)."""
        data: dict[str, Any] = {
            "path": self.path,
            "format": self.format,
            "source_sha256": self.source_sha256,
            "label_count": len(self.labels),
            "rejected_count": len(self.rejected),
            "by_category": _counts(label.category or "(none)" for label in self.labels),
            "by_currency": _counts(label.currency for label in self.labels),
            "rejected": [entry.to_dict() for entry in self.rejected],
        }
        if with_labels:
            data["labels"] = [label.to_dict() for label in self.labels]
        return data

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "source_sha256": self.source_sha256,
            "labels": [label.to_dict() for label in self.labels],
            "rejected": [entry.to_dict() for entry in self.rejected],
        }


def collect(source: Any, importer: str, entries: Iterator[Label | RejectedEntry]) -> LabelImport:
    """A :class:`LabelImport` of the entries an importer streamed (``source``: its SourceFile), held in memory."""
    labels: list[Label] = []
    rejected: list[RejectedEntry] = []
    for entry in entries:
        (labels if isinstance(entry, Label) else rejected).append(entry)  # type: ignore[arg-type]
    return LabelImport(source.path, importer, source.sha256, tuple(labels), tuple(rejected))
