"""Engines that run cointrail's analysis elsewhere than the local DuckDB store: Apache Spark (``spark/``)."""
