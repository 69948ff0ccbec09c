"""Labels attached to clusters, read from the store's ``labels`` table when there is one.

The label store (cointrail.labels) keeps one row per label with at least the
``address`` string and the ``label``; ``category``, ``actor``, ``source`` and
``confidence`` are used when present; when there is an ``on_chain`` column, labels
marked as being for another chain are left out. A store without labels simply has none.
"""

from __future__ import annotations

from typing import Any

from cointrail.store.interface import ClusterReads


def labels_by_cluster(reads: ClusterReads, cluster_id: int | None = None) -> dict[int, list[dict[str, Any]]]:
    """Labels of every labelled cluster (or of one), each with the address it was found on."""
    columns, rows = reads.cluster_labels(cluster_id)
    found: dict[int, list[dict[str, Any]]] = {}
    for cid, address, *values in rows:
        label = {
            "address": address,
            **{c: (str(v) if v is not None else None) for c, v in zip(columns, values, strict=True)},
        }
        label["service"] = label.get("actor") or label["label"]
        found.setdefault(cid, []).append(label)
    return found
