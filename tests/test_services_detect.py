"""``cointrail services detect`` on a small chain: an exchange's deposits swept into a hot wallet, and a bystander."""

from __future__ import annotations

import json
from pathlib import Path

from cointrail.cli import main
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.simulation.named_chain import ChainBuilder

COIN = 100_000_000


def build(path: Path) -> ChainBuilder:
    chain = ChainBuilder(path)
    for h in range(3):
        chain.block(miner=f"m{h}")
    chain.block(chain.tx("fund", [("cb0", 0)], [(f"c{i}", COIN) for i in range(10)]))
    chain.block(*(chain.tx(f"d{i}", [("fund", i)], [(f"dep{i}", COIN - 2000), (f"c{i}x", 1000)]) for i in range(10)))
    chain.block(chain.tx("sweep1", [(f"d{i}", 0) for i in range(5)], [("hot", 5 * COIN - 20000)]),
                chain.tx("sweep2", [(f"d{i}", 0) for i in range(5, 10)], [("hot", 5 * COIN - 20000)]))
    chain.block(chain.tx("out", [("sweep1", 0), ("sweep2", 0)], [(f"w{i}", COIN) for i in range(7)] + [("hot", 10)]))
    chain.block(chain.tx("peer", [("cb1", 0)], [("friend", COIN), ("m1x", 49 * COIN - 1000)]))
    build_clusters(chain.store, parse_heuristics("multi-input"))
    return chain


def test_an_exchange_is_found_by_its_sweeps_and_a_bystander_is_not(tmp_path: Path, capsys):
    chain = build(tmp_path / "ledger.duckdb")
    hot, deposit = chain.address("hot"), chain.address("dep0")
    db = str(chain.store.path)
    chain.close()
    assert main(["services", "detect", "--db", db, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [d["kind"] for d in found] == ["exchange"]
    exchange = found[0]
    assert exchange["hot_wallet"] == hot and exchange["deposit_addresses"] == 10
    assert set(exchange) >= {"cluster_id", "kind", "score", "evidence"} and 0 < exchange["score"] <= 1
    assert "10 distinct wallets paid into it" in exchange["evidence"]
    assert main(["cluster", "show", deposit, "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cluster_id"] in [exchange["cluster_id"], *exchange["deposit_wallets"]]
    assert main(["services", "detect", "--db", db]) == 0
    assert "behaves like exchange" in capsys.readouterr().out
