"""Compare two ledger stores table by table, saying where they first differ.

A plain module (not conftest.py) so that test files can import it by a name no
other test folder uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cointrail.store.duckdb import schema
from cointrail.store.duckdb.store import LedgerStore


def table_contents(db: Path, *, without_source: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: what 'the same store' means in tests."""
    with LedgerStore.open(db, read_only=True) as store:
        contents = {}
        for table, keys in schema.TABLE_KEYS.items():
            columns = "* EXCLUDE (source)" if without_source and table == "blocks" else "*"
            contents[table] = store.rows(f"SELECT {columns} FROM {table} ORDER BY {', '.join(keys)}")
        return contents


def first_difference(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> str | None:
    """Which table and row differ first, in words (for assertion messages)."""
    for table in a:
        if len(a[table]) != len(b[table]):
            return f"{table}: {len(a[table])} rows vs {len(b[table])}"
        for left, right in zip(a[table], b[table], strict=True):
            if left != right:
                return f"{table}: {left} vs {right}"
    return None
