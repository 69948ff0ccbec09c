"""Fixtures of the tracing tests: hand-made chains in a real DuckDB store (:mod:`cointrail.simulation.named_chain`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cointrail.simulation.named_chain import COIN, ChainBuilder


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[ChainBuilder]:
    """src and other each mine 50; t1 mixes both into mix1 (60) and mix2 (39, fee 1); t2 pays mix1 on to
    dest1 (30) and dest2 (29, fee 1)."""
    chain = ChainBuilder(tmp_path / "ledger.duckdb")
    chain.block(miner="src")
    chain.block(miner="other")
    chain.block(chain.tx("t1", [("cb0", 0), ("cb1", 0)], [("mix1", 60 * COIN), ("mix2", 39 * COIN)]))
    chain.block(chain.tx("t2", [("t1", 0)], [("dest1", 30 * COIN), ("dest2", 29 * COIN)]))
    yield chain
    chain.close()
