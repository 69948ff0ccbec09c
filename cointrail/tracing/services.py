"""Labelled services: where a trail stops, because a business there knows its customer.

A trail stops at an address labelled with a service category (an exchange, a
wallet service, a mixer, a market…), or at an address whose cluster holds such
a label. The label comes from the store's ``labels`` table
(``cointrail labels import``), with its source and confidence; a cluster-level
attribution is said to be one, because it rests on the clustering too.

Where no label names a wallet but it behaves like an exchange (:mod:`cointrail.services.detect`: deposit addresses
swept into a hot wallet, batched withdrawals; as kept by the last ``services detect`` for the current cluster
build), the trail stops there too, as at an *unnamed* exchange-like
service: a lead for the investigator to name, never a named exchange (no legal process can be addressed to it,
and ``payers`` never says "funded by" it). Going on past it would follow the service's other customers' deposits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.labels.model import LEGAL_PROCESS_CATEGORIES, TRAIL_STOP_CATEGORIES
from cointrail.services.detect import Detection, kept_detections
from cointrail.store.duckdb.address_find import find_address
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted

# Categories of businesses (GraphSense taxonomy) that stop a trail; the crawl's walk stops at the same ones.
SERVICE_CATEGORIES: frozenset[str] = TRAIL_STOP_CATEGORIES

_OPTIONAL = ("category", "actor", "source", "confidence", "confidence_value")


@dataclass(frozen=True)
class ServiceHit:
    """The label that makes an address part of a service, and how it was found."""

    service: str
    category: str | None
    label: str
    source: str | None
    confidence: str | None
    confidence_value: int | None
    labelled_address: str
    via_cluster: bool
    # Set when no label names it and the wallet only behaves like a service (services detect): its detection.
    detection: Detection | None = None

    @property
    def detected(self) -> bool:
        return self.detection is not None

    @property
    def legal_process(self) -> bool:
        """Whether legal process can be served there (an exchange, a custodial wallet…): not on an unnamed one."""
        return self.category in LEGAL_PROCESS_CATEGORIES and not self.detected

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "category": self.category, "label": self.label, "source": self.source,
            "confidence": self.confidence, "confidence_value": self.confidence_value,
            "labelled_address": self.labelled_address, "via_cluster": self.via_cluster,
            "legal_process": self.legal_process,
            **({"detected": self.detection.to_dict()} if self.detection else {}),
        }  # fmt: skip


def unnamed_service(detection: Detection) -> str:
    """How a detected, unlabelled service is called: by its behaviour and its wallet, never by a name."""
    return (f"an unnamed exchange-like service (wallet {detection.cluster_id}, "
            f"{counted(detection.deposit_addresses, 'deposit address', 'deposit addresses')} swept to it)")


def _label_columns(store: LedgerStore) -> set[str]:
    return store.trace_reads().label_columns()


def _columns(have: set[str]) -> list[str] | None:
    if not {"address", "label"} <= have:
        return None
    return ["label", *(c for c in _OPTIONAL if c in have)]


def _has_clusters(store: LedgerStore) -> bool:
    return store.has_table("address_clusters")


class Services:
    """Labels of addresses, looked up in batches and remembered for the rest of a trace."""

    def __init__(self, store: LedgerStore, detected: bool = True):
        self.store = store
        have = _label_columns(store)
        self.columns = _columns(have)
        # A label stored for the same string on another chain (a Bitcoin Cash legacy address
        # spelled like a Bitcoin one) says nothing about this chain: never stop a trail on it.
        self._on_chain = "on_chain" in have
        self.clustered = _has_clusters(store)
        self._labels: dict[int, list[dict[str, Any]]] = {}
        # Exchange-like wallets by behaviour (cluster id -> detection), computed at the first lookup; none
        # without clusters, or when the caller asks for labels only.
        self._detections: dict[int, Detection] | None = None if detected and self.clustered else {}
        self._clusters: dict[int, int] = {}
        self._names: dict[int, str] = {}

    def labels(self, address_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
        """Labels of each address: its own first, then those of its cluster (``via_cluster`` true)."""
        missing = address_ids - self._labels.keys()
        if missing and self.columns is not None:
            self._load(missing)
        for a in missing:
            self._labels.setdefault(a, [])
        if missing and (detections := self._detections_found()):
            reads = self.store.trace_reads()
            self._clusters.update(reads.clusters_of(missing))
            self._names.update(reads.address_names({a for a in missing if self._clusters.get(a) in detections}))
        return {a: self._labels[a] for a in address_ids}

    def _detections_found(self) -> dict[int, Detection]:
        """Exchange-like wallets no label names, by cluster id (each of their wallets: hot, deposits)."""
        if self._detections is None:
            self._detections = {}
            found = [d for d in kept_detections(self.store) if d.kind == "exchange"]
            hot = {d.hot_wallet: find_address(self.store, d.hot_wallet)[0] for d in found if d.hot_wallet}
            self.labels(set(hot.values()))  # with _detections set, this loads labels only
            for d in found:
                # A labelled hot wallet names the service: the trail goes on to it and stops there by its label,
                # as without detections (a lead is only for what no label names).
                if d.hot_wallet and self.service(hot[d.hot_wallet]) is not None:
                    continue
                self._detections.update({cid: d for cid in (d.cluster_id, *d.deposit_wallets)})
            if hot:  # looked up above before there were detections: their wallets and names now
                self._clusters.update(self.store.trace_reads().clusters_of(set(hot.values())))
                self._names.update({i: a for a, i in hot.items() if a})
        return self._detections

    def _load(self, ids: set[int]) -> None:
        assert self.columns is not None
        rows = self.store.trace_reads().address_labels(ids, self.columns, self._on_chain, self.clustered)
        for address_id, address, via, *values in sorted(rows, key=lambda r: (r[0], r[2], r[1] or "")):
            label = dict(zip(self.columns, values, strict=True))
            label.update({"address": address, "via_cluster": via})
            self._labels.setdefault(address_id, []).append(label)

    def service(self, address_id: int) -> ServiceHit | None:
        """The service an address belongs to (after :meth:`labels` loaded it), or None."""
        for label in self._labels.get(address_id, []):
            if label.get("category") in SERVICE_CATEGORIES:
                return ServiceHit(
                    service=label.get("actor") or label["label"], category=label.get("category"),
                    label=label["label"], source=label.get("source"), confidence=_text(label.get("confidence")),
                    confidence_value=label.get("confidence_value"), labelled_address=label["address"],
                    via_cluster=label["via_cluster"],
                )  # fmt: skip
        found = self._detections_found().get(self._clusters.get(address_id, -1))
        if found is not None:
            return ServiceHit(service=unnamed_service(found), category="exchange", label="behaves like an exchange",
                              source="behaviour (cointrail services detect)", confidence=None,
                              confidence_value=round(found.score * 100), labelled_address=self._names[address_id],
                              via_cluster=True, detection=found)  # fmt: skip
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def public_label(label: dict[str, Any]) -> dict[str, Any]:
    """A label as results show it: label, category, actor, source, confidence."""
    return {k: label.get(k) for k in ("label", "category", "actor", "source", "confidence", "via_cluster")}
