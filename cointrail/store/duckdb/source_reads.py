"""What a DuckDB ledger store covers and where it came from: the sources of its blocks, the latest clustering run,
the days it has blocks on, the address strings it holds.

:class:`DuckDBSourceReads` implements :class:`cointrail.store.interface.SourceReads`; the SQL moved here from
``cointrail/facts/sources.py`` and ``cointrail/demo/scenario.py`` (issue 14) unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cointrail.store.duckdb.store import LedgerStore

_SOURCES = """
SELECT source, count(*), min(height), max(height), bool_and(txids_recomputed), bool_and(merkle_checked)
FROM blocks GROUP BY source ORDER BY min(height)
"""
_LAST_RUN = """
SELECT run, finished_at, mode, heuristics, from_height, through_height, through_hash, links, coinjoins, tool_version
FROM cluster_runs ORDER BY run DESC LIMIT 1
"""


class DuckDBSourceReads:
    """The source reads of one open :class:`~cointrail.store.duckdb.store.LedgerStore`."""

    def __init__(self, store: LedgerStore):
        self.store = store

    def block_sources(self) -> list[tuple[Any, ...]]:
        """(source, blocks, lowest height, highest, all txids recomputed, all merkle roots checked) per source."""
        return self.store.rows(_SOURCES)

    def last_cluster_run(self) -> tuple[Any, ...] | None:
        """(run, finished at, mode, heuristics, from, through height, through hash, links, CoinJoins, tool version)
        of the latest clustering build; None when the store was never clustered."""
        found = self.store.one("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", ["cluster_runs"])
        if not found or not found[0]:
            return None
        return self.store.one(_LAST_RUN)

    def block_times(self) -> list[int]:
        """Every distinct block time (Unix seconds)."""
        return [t for (t,) in self.store.rows("SELECT DISTINCT time FROM blocks")]

    def address_texts(self) -> list[str]:
        """Every stored address that has an address form."""
        return [a for (a,) in self.store.rows("SELECT address FROM addresses WHERE address IS NOT NULL")]
