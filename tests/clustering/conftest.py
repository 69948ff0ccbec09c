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
