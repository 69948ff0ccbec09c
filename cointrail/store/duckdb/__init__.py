"""The DuckDB ledger store: one embedded database file per chain and network.

:mod:`.store` opens it (:class:`~cointrail.store.duckdb.store.LedgerStore`), :mod:`.schema` declares its tables,
:mod:`.writer` writes a batch of blocks (resolved by :mod:`.chainstate` or :mod:`.partialstate`), :mod:`.queries`
reads an address, a transaction or a block (found by :mod:`.address_find`, served by :mod:`.address_lookup` and
:mod:`.address_stats`), :mod:`.parquet` exports and imports it.
"""
