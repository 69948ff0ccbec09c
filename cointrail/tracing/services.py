"""Labelled services: where a trail stops, because a business there knows its customer.

A trail stops at an address labelled with a service category (an exchange, a
wallet service, a mixer, a market…), or at an address whose cluster holds such
a label. The label comes from the store's ``labels`` table
(``cointrail labels import``), with its source and confidence; a cluster-level
attribution is said to be one, because it rests on the clustering too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cointrail.labels.model import LEGAL_PROCESS_CATEGORIES, TRAIL_STOP_CATEGORIES
from cointrail.store.duckdb.store import LedgerStore

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

    @property
    def legal_process(self) -> bool:
        """Whether legal process can be served there (an exchange, a custodial wallet…)."""
        return self.category in LEGAL_PROCESS_CATEGORIES

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "category": self.category, "label": self.label, "source": self.source,
            "confidence": self.confidence, "confidence_value": self.confidence_value,
            "labelled_address": self.labelled_address, "via_cluster": self.via_cluster,
            "legal_process": self.legal_process,
        }  # fmt: skip


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

    def __init__(self, store: LedgerStore):
        self.store = store
        have = _label_columns(store)
        self.columns = _columns(have)
        # A label stored for the same string on another chain (a Bitcoin Cash legacy address
        # spelled like a Bitcoin one) says nothing about this chain: never stop a trail on it.
        self._on_chain = "on_chain" in have
        self.clustered = _has_clusters(store)
        self._labels: dict[int, list[dict[str, Any]]] = {}

    def labels(self, address_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
        """Labels of each address: its own first, then those of its cluster (``via_cluster`` true)."""
        missing = address_ids - self._labels.keys()
        if missing and self.columns is not None:
            self._load(missing)
        for a in missing:
            self._labels.setdefault(a, [])
        return {a: self._labels[a] for a in address_ids}

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
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def public_label(label: dict[str, Any]) -> dict[str, Any]:
    """A label as results show it: label, category, actor, source, confidence."""
    return {k: label.get(k) for k in ("label", "category", "actor", "source", "confidence", "via_cluster")}
