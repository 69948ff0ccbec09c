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

Where a label names one wallet of such a service and no label names another service in it (a public TagPack knows
an exchange's hot wallet, not the deposit addresses or the stretches of its history the multi-input heuristic
keeps apart), that label names every wallet of the detected service: the trail stops there at the labelled
exchange, and says that the name reached it through the behaviour (``joined_by``), with a lower confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.labels.model import LEGAL_PROCESS_CATEGORIES, TRAIL_STOP_CATEGORIES
from cointrail.services.detect import Detection, hot_wallet_clusters, kept_detections
from cointrail.store.duckdb.store import LedgerStore
from cointrail.wording import counted

# Categories of businesses (GraphSense taxonomy) that stop a trail; the crawl's walk stops at the same ones.
SERVICE_CATEGORIES: frozenset[str] = TRAIL_STOP_CATEGORIES
# A label reaching a wallet through a detected service's joining (not the clustering) is counted less sure again.
JOINED_LABEL_FACTOR = 0.9

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
    # Set when the label is on another wallet of the same detected service (services detect joined them).
    joined_by: Detection | None = None

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
            **({"joined_by": joined_words(self.joined_by)} if self.joined_by else {}),
        }  # fmt: skip


def joined_words(detection: Detection) -> dict[str, Any]:
    """How a label reached a wallet it is not on: the detected service holding both, in words and figures."""
    return {"cluster_id": detection.cluster_id, "wallets": [detection.cluster_id, *detection.deposit_wallets],
            "score": detection.score, "evidence": list(detection.evidence),
            "words": (f"the label is on another wallet of one service that cointrail services detect found by its "
                      f"behaviour (wallet {detection.cluster_id} and "
                      f"{counted(len(detection.deposit_wallets), 'other wallet')}, behaviour score "
                      f"{detection.score:.2f}): the name rests on that detection as well")}  # fmt: skip


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
        # Wallets of a detected service no label names, but another of its wallets is (cluster id -> detection,
        # the label): the label names them too.
        self._joined: dict[int, tuple[Detection, dict[str, Any]]] = {}

    def labels(self, address_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
        """Labels of each address: its own first, then those of its cluster (``via_cluster`` true)."""
        missing = address_ids - self._labels.keys()
        if missing and self.columns is not None:
            self._load(missing)
        for a in missing:
            self._labels.setdefault(a, [])
        if missing and ((detections := self._detections_found()) or self._joined):
            reads = self.store.trace_reads()
            self._clusters.update(reads.clusters_of(missing))
            self._names.update(reads.address_names({a for a in missing if self._clusters.get(a) in detections}))
        return {a: self._labels[a] for a in address_ids}

    def _detections_found(self) -> dict[int, Detection]:
        """Exchange-like wallets no label names, by cluster id (each of their wallets: hot, deposits). A service
        detected over several wallets one of which a label names (and no other service), or whose hot wallet's
        wallet a label names: its other wallets are named by that label (``_joined``), not left as leads, as
        ``services detect`` says the label names it (cointrail.services.agreement reads the same wallets)."""
        if self._detections is None:
            self._detections = {}
            found = [d for d in kept_detections(self.store) if d.kind == "exchange"]
            # The hot wallet's own wallet, when the joining kept it apart (a sweep into a coin not spent yet):
            # its labels are read with the detection's, never made a wallet of it
            hot = hot_wallet_clusters(self.store, found)
            read = {d.cluster_id: tuple(dict.fromkeys((d.cluster_id, *d.deposit_wallets, *(
                [hot[d.cluster_id]] if d.cluster_id in hot else [])))) for d in found}  # fmt: skip
            labelled = self.wallet_labels({w for wallets in read.values() for w in wallets})
            named = {w: kept for w, labels in labelled.items()
                     if (kept := [lab for lab in labels if lab.get("category") in SERVICE_CATEGORIES])}  # fmt: skip
            for d in found:
                wallets = (d.cluster_id, *d.deposit_wallets)
                labels = [lab for w in read[d.cluster_id] for lab in named.get(w, [])]
                if len({lab["service"] for lab in labels}) == 1:  # a label names the service: its wallets are it
                    self._joined.update({w: (d, _best(labels)) for w in wallets if w not in named})
                    continue
                # No label, or labels of two services (a conflict, services detect shows it): the wallets no label
                # names stay a lead; the labelled ones stop a trail by their own labels.
                self._detections.update({cid: d for cid in wallets if cid not in named})
        return self._detections

    def wallet_labels(self, wallets: set[int]) -> dict[int, list[dict[str, Any]]]:
        """The labels on any address of each of ``wallets`` (clusters), each with the service it would name
        (``service``: its actor, else its text) and the address it is on."""
        if self.columns is None or not self.clustered:
            return {}
        found: dict[int, list[dict[str, Any]]] = {}
        for cid, address, *values in self.store.trace_reads().cluster_labels(wallets, self.columns, self._on_chain):
            label = dict(zip(self.columns, values, strict=True)) | {"address": address}
            found.setdefault(cid, []).append(label | {"service": label.get("actor") or label["label"]})
        return found

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
        wallet = self._clusters.get(address_id, -1)
        found = self._detections_found().get(wallet)
        if wallet in self._joined:
            detection, label = self._joined[wallet]
            return ServiceHit(
                service=label["service"], category=label.get("category"), label=label["label"],
                source=label.get("source"), confidence=_text(label.get("confidence")),
                confidence_value=label.get("confidence_value"), labelled_address=label["address"], via_cluster=True,
                joined_by=detection,
            )  # fmt: skip
        if found is not None:
            return ServiceHit(service=unnamed_service(found), category="exchange", label="behaves like an exchange",
                              source="behaviour (cointrail services detect)", confidence=None,
                              confidence_value=round(found.score * 100), labelled_address=self._names[address_id],
                              via_cluster=True, detection=found)  # fmt: skip
        return None


def _best(labels: list[dict[str, Any]]) -> dict[str, Any]:
    """The label that names a detected service: the most confident (the first address on a tie)."""
    return min(labels, key=lambda lab: (-(lab.get("confidence_value") or 0), lab["address"], lab["label"]))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def public_label(label: dict[str, Any]) -> dict[str, Any]:
    """A label as results show it: label, category, actor, source, confidence."""
    return {k: label.get(k) for k in ("label", "category", "actor", "source", "confidence", "via_cluster")}
