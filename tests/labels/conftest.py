"""Fixtures of the label tests: a real Bitcoin mainnet ledger store paying real labelled addresses.

The store is built with the clustering tests' chain builder (tests/clustering/clusterchain.py),
through the store's own writer, so labels meet the same tables the clustering reads.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Reuse the clustering tests' chain builder rather than a second copy of it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clustering"))

from labelchain import MainnetChain, build_story  # noqa: E402 - needs the path above


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
