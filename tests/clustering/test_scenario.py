"""On a real litecoind -regtest economy with known owners: no false multi-input merges, CoinJoins found
and never merged, incremental clustering equal to a full run, and explanations that hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from node import litecoind_available

from benchmarks.scenarios.generate import make_scenario
from benchmarks.scenarios.score import score
from cointrail.clustering import build_clusters, parse_heuristics, show_cluster
from cointrail.store.duckdb.store import LedgerStore

HEURISTICS = parse_heuristics("multi-input,change-address-type,change-round-amount")

pytestmark = [pytest.mark.slow, pytest.mark.node]


def _assignment(db: Path) -> tuple[list[tuple[int, int]], list[tuple]]:
    with LedgerStore.open(db, read_only=True) as store:
        clusters = store.con.execute("SELECT address_id, cluster_id FROM address_clusters ORDER BY 1").fetchall()
        links = store.con.execute("SELECT * FROM cluster_links ORDER BY ALL").fetchall()
    return clusters, links


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    out = tmp_path_factory.mktemp("scenario")
    midway: dict = {}

    def cluster_midway(db: Path) -> None:
        with LedgerStore.open(db) as store:
            midway["first"] = build_clusters(store, HEURISTICS)

    truth = make_scenario(out, seed=3, rounds=14, midway=cluster_midway)
    with LedgerStore.open(out / "ledger.duckdb") as store:
        midway["second"] = build_clusters(store, HEURISTICS)
    return out / "ledger.duckdb", truth, midway


def test_incremental_on_the_real_chain_equals_a_full_run(scenario):
    db, _, midway = scenario
    assert midway["first"]["mode"] == "full" and midway["second"]["mode"] == "incremental"
    incremental = _assignment(db)
    with LedgerStore.open(db) as store:
        assert build_clusters(store, HEURISTICS, full=True)["mode"] == "full"
    assert _assignment(db) == incremental


def test_multi_input_makes_no_false_merge_and_coinjoins_are_found(scenario):
    db, truth, _ = scenario
    assert (db.parent / "truth.json").exists()
    result = score(db, truth, parse_heuristics("multi-input"))
    assert result["addresses"] > 200 and result["false_merges"] == 0 and result["precision"] == 1.0
    assert result["coinjoins"] >= 2 and result["coinjoins_detected"] == result["coinjoins"]
    assert result["coinjoins_false_alarms"] == 0


def test_coinjoin_participants_stay_apart(scenario):
    db, truth, _ = scenario
    with LedgerStore.open(db) as store:
        build_clusters(store, parse_heuristics("multi-input"), full=True)
        for txid in truth["coinjoins"]:
            owners = store.con.execute(
                "SELECT count(DISTINCT c.cluster_id), count(*) FROM inputs i JOIN transactions t USING (tx_id) "
                "JOIN address_clusters c ON c.address_id = i.address_id WHERE t.txid = ?",
                [bytes.fromhex(txid)[::-1]],
            ).fetchall()[0]
            assert owners[0] == owners[1] >= 5


def test_the_sites_sweep_is_explained(scenario):
    db, truth, _ = scenario
    payments = truth["site_payments"]
    with LedgerStore.open(db) as store:
        build_clusters(store, parse_heuristics("multi-input"), full=True)
        first = payments[0]["address"]
        together = [p["address"] for p in payments[1:]
                    if show_cluster(store, first, why=p["address"])["why"]["in_cluster"]]  # fmt: skip
        assert together, "the site's cash-out co-spends its payment addresses"
        why = show_cluster(store, first, why=together[-1])["why"]
    assert why["steps"] and all(s["heuristic"] == "multi-input" for s in why["steps"])
    assert why["steps"][0]["from"] == first and why["steps"][-1]["to"] == together[-1]
    assert all(truth["owners"][s["from"]] == "site" == truth["owners"][s["to"]] for s in why["steps"])
    assert json.loads((db.parent / "truth.json").read_text())["roles"]["site"] == "site"


def test_spark_gives_the_same_clusters_and_evidence(scenario, tmp_path, spark):
    """Issue 20: Spark ``local[2]`` on this economy's Parquet export, row for row the local engine's tables."""
    from spark_compare import both_engines, first_difference

    db, _, _ = scenario
    result = both_engines(db, tmp_path, HEURISTICS)
    assert first_difference(result["local"], result["spark"]) is None
    local = result["local"]
    assert local["coinjoins"] and {h for _, h, _, _ in local["cluster_links"]} == set(HEURISTICS)
