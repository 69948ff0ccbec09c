"""Fixtures of the clustering tests: a fresh ledger store in tmp_path with a chain builder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cointrail.simulation.named_chain import ChainBuilder


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[ChainBuilder]:
    builder = ChainBuilder(tmp_path / "ledger.duckdb")
    yield builder
    builder.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One Spark session, ``local[2]``, for every Spark test (starting Spark costs seconds); skipped without Java."""
    from spark_compare import spark_or_skip

    spark_or_skip()
    from cointrail.engines.spark.session import spark_session

    with spark_session("local[2]") as session:
        yield session
