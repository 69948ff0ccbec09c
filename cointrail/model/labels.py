"""An attribution label as the labels table keeps it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Label"]


def _frozen(value: Any) -> Any:
    """A list of a stored row as a tuple (the answer is immutable); anything else as it is."""
    return tuple(value) if isinstance(value, list) else value


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
