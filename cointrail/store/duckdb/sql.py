"""Single-row queries that always consume their result (DuckDB refuses new work while one is pending)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def maybe_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
    """The first row of ``sql``, or None."""
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


def row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
    """The first row of a query that always has one (an aggregate, a known key)."""
    found = maybe_row(con, sql, params)
    if found is None:
        raise LookupError(f"no row for {sql!r}")  # a bug: callers only ask what must exist
    return found


def id_list(ids: set[int] | list[int]) -> str:
    """A SQL ``IN`` list of integers (ids come from the store, never from the user)."""
    return ", ".join(str(int(i)) for i in sorted(ids)) or "NULL"
