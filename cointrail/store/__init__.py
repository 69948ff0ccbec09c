"""The store: where chain data are kept and every query on them runs.

:mod:`~cointrail.store.interface` declares what analysis reads through (Protocols of plain arrays and values);
:mod:`~cointrail.store.duckdb` is the embedded DuckDB backend (schema, writer, queries, the serving index,
Parquet export and import), which holds the SQL on the ledger tables.
"""
