"""Labels attached to clusters, read from the store's ``labels`` table when there is one.

The label store (cointrail.labels) keeps one row per label with at least the
``address`` string and the ``label``; ``category``, ``actor``, ``source`` and
``confidence`` are used when present; when there is an ``on_chain`` column, labels
marked as being for another chain are left out. A store without labels simply has none.
"""

from __future__ import annotations

from typing import Any

import duckdb

from cointrail.store.duckdb import schema

_OPTIONAL = ("category", "actor", "source", "confidence")


def _label_columns(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    columns = schema.column_names(con, "labels")
    if not {"address", "label"} <= columns:
        return None
    return ["label", *(c for c in _OPTIONAL if c in columns)]


def _has_column(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    return column in schema.column_names(con, "labels")


def labels_by_cluster(con: duckdb.DuckDBPyConnection, cluster_id: int | None = None) -> dict[int, list[dict[str, Any]]]:
    """Labels of every labelled cluster (or of one), each with the address it was found on."""
    columns = _label_columns(con)
    if columns is None:
        return {}
    select = ", ".join(f"l.{c}" for c in columns)
    where = "WHERE c.cluster_id = ?" if cluster_id is not None else ""
    if _has_column(con, "on_chain"):  # a label for the same string on another chain (BCH legacy) is not ours
        where = f"{where} AND l.on_chain" if where else "WHERE l.on_chain"
    rows = con.execute(
        f"SELECT c.cluster_id, a.address, {select} FROM labels l JOIN addresses a ON a.address = l.address "
        f"JOIN address_clusters c USING (address_id) {where} ORDER BY c.cluster_id, a.address",
        [cluster_id] if cluster_id is not None else [],
    ).fetchall()
    found: dict[int, list[dict[str, Any]]] = {}
    for cid, address, *values in rows:
        label = {
            "address": address,
            **{c: (str(v) if v is not None else None) for c, v in zip(columns, values, strict=True)},
        }
        label["service"] = label.get("actor") or label["label"]
        found.setdefault(cid, []).append(label)
    return found
