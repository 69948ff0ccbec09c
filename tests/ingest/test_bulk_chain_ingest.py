"""The bulk chain builder's blocks are accepted by a real litecoind, and an RPC ingest of them matches the node."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from node import RegtestNode
from test_ingest_rpc import assert_matches_node, ingest_args

from cointrail.cli import main
from cointrail.simulation.bulk_chain import build_bulk_chain

pytestmark = [pytest.mark.node, pytest.mark.slow]


def test_a_small_bulk_chain_is_accepted_and_ingested_exactly(make_node: Callable[[], RegtestNode],
                                                              tmp_path: Path) -> None:  # fmt: skip
    node = make_node()
    chain = build_bulk_chain(node, blocks=112, txs_per_block=30, seed=3)
    # Every block was checked to become the tip as it was mined; the node's count agrees with the builder's.
    assert node.height() == chain.height == 112
    assert node.rpc("getchaintxstats")["txcount"] == chain.transactions > 112 + 200
    db = tmp_path / "bulk.duckdb"
    assert main(ingest_args(node, db, "--batch-blocks", "7")) == 0
    assert_matches_node(node, db)


def test_the_same_seed_makes_the_same_chain(make_node: Callable[[], RegtestNode]) -> None:
    first, second = make_node(), make_node()
    for node in (first, second):
        build_bulk_chain(node, blocks=102, txs_per_block=10, seed=5)
    block = [node.rpc("getblock", node.rpc("getblockhash", 102), 1)["tx"][1:] for node in (first, second)]
    assert block[0] == block[1] and len(block[0]) >= 5
