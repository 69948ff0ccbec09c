"""Fixtures of the label tests: a real Bitcoin mainnet ledger store paying real labelled addresses.

The store is built with the chain builder of named transactions (cointrail/simulation/named_chain.py),
through the store's own writer, so labels meet the same tables the clustering reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from labelchain import MainnetChain, build_story


@pytest.fixture
def story(tmp_path: Path, shared_data: Path) -> Iterator[MainnetChain]:
    """A clustered mainnet store: a Binance address co-spent with x1, an OFAC address co-spent with y1."""
    chain = MainnetChain(tmp_path / "ledger.duckdb")
    build_story(chain)
    yield chain
    chain.close()


@pytest.fixture
def tagpacks(shared_data: Path) -> Path:
    return shared_data / "tagpacks"
