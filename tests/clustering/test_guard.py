"""The supercluster check: a link joining two clusters that are each already large is held back, shown as a
probable false merge with its transaction, and applied only by an investigator, in the case's custody log."""

from __future__ import annotations

import json

import numpy as np

from cointrail.cases import create_case
from cointrail.chains.bitcoin.model import display_hash
from cointrail.cli import main
from cointrail.clustering import build_clusters, parse_heuristics, show_cluster
from cointrail.clustering.graph import Links, identity, merge, merge_guarded
from cointrail.clustering.guard import HOLD_AT
from cointrail.simulation.named_chain import ChainBuilder

COIN = 100_000_000
MULTI = parse_heuristics("multi-input")


def _two_large_wallets(chain: ChainBuilder, size: int = HOLD_AT) -> None:
    """Wallets a and b of ``size`` addresses each (one co-spend each), then one transaction spending from both,
    paying two payees and a change (three outputs: not a PayJoin's two)."""
    chain.block(miner="m0")
    pays = [(f"a{i}", COIN) for i in range(size)] + [("a0", COIN)]
    pays += [(f"b{i}", COIN) for i in range(size)] + [("b0", COIN)]
    chain.block(chain.tx("fund", [("cb0", 0)], pays))
    chain.block(chain.tx("wallet_a", [("fund", i) for i in range(size)], [("a_next", size * COIN - 500)]),
                chain.tx("wallet_b", [("fund", size + 1 + i) for i in range(size)], [("b_next", size * COIN - 500)]))
    chain.block(chain.tx("bridge", [("fund", size), ("fund", 2 * size + 1)],
                         [("shop", COIN), ("shop2", COIN // 2), ("bridge_change", COIN // 2 - 700)]))  # fmt: skip


def _cluster_of(chain: ChainBuilder, name: str) -> int:
    return show_cluster(chain.store, chain.address(name))["cluster_id"]


def test_a_link_between_two_large_clusters_is_held_back_and_explained(chain: ChainBuilder):
    _two_large_wallets(chain)
    summary = build_clusters(chain.store, MULTI)
    assert _cluster_of(chain, "a0") != _cluster_of(chain, "b0")
    assert summary["held_links"] == 1
    bridge = display_hash(chain.txids["bridge"])
    shown = show_cluster(chain.store, chain.address("a5"))
    assert shown["size"] == HOLD_AT
    (flag,) = [f for f in shown["red_flags"] if f["kind"] == "held-link"]
    assert flag["txid"] == bridge
    assert flag["message"].startswith(f"probable false merge, not applied: transaction {bridge}")
    assert f"which already held {HOLD_AT} and {HOLD_AT} addresses" in flag["message"]
    assert "CoinJoin or PayJoin" in flag["message"] and "apply-link" in flag["message"]
    assert any(f["kind"] == "held-link" for f in summary["red_flags"])


def test_a_small_side_is_merged_as_before(chain: ChainBuilder):
    _two_large_wallets(chain, size=HOLD_AT - 1)  # b reaches only HOLD_AT - 1 addresses before the bridge
    summary = build_clusters(chain.store, MULTI)
    assert summary["held_links"] == 0
    assert _cluster_of(chain, "a0") == _cluster_of(chain, "b0")


def test_the_investigator_applies_it_and_the_case_log_says_so(chain: ChainBuilder, tmp_path, capsys):
    _two_large_wallets(chain)
    db = str(chain.store.path)
    chain.close()
    assert main(["cluster", "build", "--db", db, "--heuristics", "multi-input"]) == 0
    text = capsys.readouterr().out
    bridge = display_hash(chain.txids["bridge"])
    assert f"RED FLAG: probable false merge, not applied: transaction {bridge}" in text
    assert "held back by the supercluster check (probable false merges, not applied): 1 transaction" in text
    cases = tmp_path / "cases"
    create_case("op-1", cases, "investigator")
    args = ["cluster", "apply-link", bridge, "--db", db, "--case", "op-1", "--cases-dir", str(cases),
            "--reason", "one exchange's two hot wallets (its own statement)", "--json"]  # fmt: skip
    assert main(args) == 0
    applied = json.loads(capsys.readouterr().out)
    assert applied["size"] == 2 * HOLD_AT  # wallets a and b, now one cluster
    log = [json.loads(line) for line in (cases / "op-1" / "custody.jsonl").read_text().splitlines()]
    assert log[-1]["action"] == "cluster.apply-link" and log[-1]["object"] == f"tx:{bridge}"
    assert log[-1]["sha256"] == applied["sha256"] and log[-1]["operator"] == "investigator"
    assert main(["cluster", "show", ChainBuilder.address(chain, "a3"), "--db", db, "--why",
                 ChainBuilder.address(chain, "b3"), "--json"]) == 0  # fmt: skip
    shown = json.loads(capsys.readouterr().out)
    assert not [f for f in shown["red_flags"] if f["kind"] == "held-link"]
    (step,) = [s for s in shown["why"]["steps"] if s["txid"] == bridge]
    assert step.get("applied") and "an investigator applied it" in step["explanation"]
    assert main(args) == 2  # nothing is held back any more
    assert main(["cluster", "apply-link", "00" * 32, "--db", db, "--case", "op-1", "--cases-dir", str(cases)]) == 1


def test_incremental_builds_hold_back_the_same_links_as_a_full_build(chain: ChainBuilder):
    _two_large_wallets(chain)
    build_clusters(chain.store, MULTI)
    chain.block(chain.tx("bridge2", [("wallet_a", 0), ("wallet_b", 0)], [("shop3", 2 * HOLD_AT * COIN - 2000)]))
    assert build_clusters(chain.store, MULTI)["mode"] == "incremental"
    rows = "SELECT * FROM {} ORDER BY ALL"
    incremental = [chain.store.con.execute(rows.format(t)).fetchall() for t in ("address_clusters", "held_links")]
    assert len(incremental[1]) == 1  # bridge2 joins two singletons (a_next, b_next): merged, not held
    assert build_clusters(chain.store, MULTI, full=True)["mode"] == "full"
    assert [chain.store.con.execute(rows.format(t)).fetchall() for t in ("address_clusters", "held_links")] == \
        incremental  # fmt: skip


def test_guarded_merge_in_batches_equals_one_pass_and_never_joins_two_large_clusters():
    rng = np.random.default_rng(12)
    count, n = 4000, 6000
    links = Links(rng.integers(0, count, n), rng.integers(0, count, n), np.arange(n), np.zeros(n, np.int8))
    whole, kept, held = merge_guarded(identity(0), links, count, 8)
    assert len(held) > 0
    step, kept1, held1 = merge_guarded(identity(0), links.take(np.arange(n // 2)), count, 8)
    step, kept2, held2 = merge_guarded(step, links.take(np.arange(n // 2, n)), count, 8)
    assert step.tolist() == whole.tolist()
    assert np.concatenate([kept1.tx_id, kept2.tx_id]).tolist() == kept.tx_id.tolist()
    assert np.concatenate([held1.links.tx_id, held2.links.tx_id]).tolist() == held.links.tx_id.tolist()
    assert (np.minimum(held.size_a, held.size_b) >= 8).all()
    unguarded, _ = merge(identity(0), links, count)
    assert len(np.unique(unguarded)) < len(np.unique(whole))
    same, _, none = merge_guarded(identity(0), links, count, count + 1)
    assert same.tolist() == unguarded.tolist() and len(none) == 0
    exempt, _, fewer = merge_guarded(identity(0), links, count, 8, held.links.tx_id[:3])
    assert len(fewer) < len(held) and len(np.unique(exempt)) <= len(np.unique(whole))
