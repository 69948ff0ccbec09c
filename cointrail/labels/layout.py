"""The ``labels`` table's layout: kept in the store, :mod:`cointrail.store.duckdb.label_table` (issue 14)."""

from __future__ import annotations

from cointrail.store.duckdb.label_table import COLUMNS, LABELS_DDL, OLD_INDEX, ensure_table

__all__ = ["COLUMNS", "LABELS_DDL", "OLD_INDEX", "ensure_table"]
