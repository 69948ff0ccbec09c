"""The wallets of one exchange the multi-input heuristic keeps apart, joined for services detection through its
own coin moving on; and what must never be joined (a site's cash-out, a miner's payouts, two exchanges)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from node import litecoind_available

from benchmarks.scenarios.generate import make_scenario
from cointrail.clustering import DEFAULT_HEURISTICS, build_clusters
from cointrail.services import detect_services
from cointrail.services.joins import join_wallets
from cointrail.store.duckdb import service_links, service_reads
from cointrail.store.duckdb.store import LedgerStore


def step(a: int, b: int, shapes: str, txids: str, paid: tuple[int, ...] = (), once: bool = True) -> dict[str, Any]:
    """A step from wallet ``a`` to ``b``: ``shapes`` "batch>all_to_one", ``txids`` "t1>t2"."""
    (fa, fb), (ta, tb) = shapes.split(">"), txids.split(">")
    return {"from": a, "to": b, "from_shape": fa, "to_shape": fb, "from_txid": ta, "to_txid": tb, "height": 0,
            "paid": [b, *paid], "used_once": once}  # fmt: skip


def test_a_withdrawals_change_joins_the_next_withdrawal_and_the_sweep():
    groups = join_wallets([step(1, 2, "batch>batch", "w1>w2"), step(2, 3, "batch>all_to_one", "w2>s1"),
                           step(3, 4, "all_to_one>batch", "s1>w3")], {})  # fmt: skip
    assert groups.members() == {1: [1, 2, 3, 4]} and len(groups.steps[1]) == 3


def test_two_wallets_known_as_two_services_are_never_joined():
    """A payment from one exchange to another reads like a step: refused when both are known, by their behaviour
    alone or by labels naming two services; an exchange's hot and cold wallets labelled alike are joined."""
    steps = [step(1, 2, "batch>batch", "w1>w2"), step(3, 4, "batch>batch", "v1>v2"),
             step(2, 4, "batch>all_to_one", "w2>s1")]  # fmt: skip
    apart = {1: frozenset({"#1"}), 3: frozenset({"#3"})}
    assert join_wallets(steps, apart).members() == {1: [1, 2], 3: [3, 4]}
    named = {1: frozenset({"Exchange A"}), 3: frozenset({"Exchange B"})}
    assert join_wallets(steps, named).members() == {1: [1, 2], 3: [3, 4]}
    alike = {1: frozenset({"Exchange A"}), 3: frozenset({"Exchange A"})}
    assert join_wallets(steps, alike).members() == {1: [1, 2, 3, 4]}
    # A label on one wallet and behaviour on the other may be one service (the label knows the hot wallet only);
    # joined, the group is known by both, and a second wallet behaving like a service on its own stays apart.
    hot_only = {1: frozenset({"Exchange A"}), 3: frozenset({"#3"})}
    assert join_wallets(steps, hot_only).members() == {1: [1, 2, 3, 4]}
    third = [*steps, step(4, 6, "batch>batch", "v2>u1")]
    assert join_wallets(third, hot_only | {6: frozenset({"#6"})}).members() == {1: [1, 2, 3, 4]}


def test_no_step_from_a_transaction_that_also_pays_a_known_service():
    assert join_wallets([step(1, 2, "batch>batch", "w1>w2", paid=(9,))], {9: frozenset({"#9"})}).members() == {}
    assert join_wallets([step(1, 2, "batch>batch", "w1>w2", paid=(9,))], {9: frozenset({"OKX"})}).members() == {}


def test_a_sweep_into_a_sweep_joins_only_the_services_own_coin():
    """A site's cash-out sweep into an exchange deposit address, swept by the exchange, joins nothing; a sweep
    that spends a withdrawal's change, swept again at an address used once, is the exchange's own."""
    cash_out = step(7, 3, "all_to_one>all_to_one", "c1>s2")
    assert join_wallets([cash_out], {}).members() == {}
    own = [step(1, 2, "batch>all_to_one", "w1>s1"), step(2, 3, "all_to_one>all_to_one", "s1>s2")]
    assert join_wallets(own, {}).members() == {1: [1, 2, 3]}
    reused = [own[0], step(2, 3, "all_to_one>all_to_one", "s1>s2", once=False)]
    assert join_wallets(reused, {}).members() == {1: [1, 2]}


def test_a_coin_not_spent_yet_joins_only_where_the_sweep_moved_the_services_own_coin():
    """The exchange's current hot wallet (a sweep's output, not spent yet: what a public label names) joins where
    the sweep spent a withdrawal's change; the site's cash-out into a deposit address not swept yet joins nothing."""
    unspent = {**step(2, 9, "all_to_one>all_to_one", "s1>s1"), "to_shape": "unspent", "to_txid": None}
    assert join_wallets([step(1, 2, "batch>all_to_one", "w1>s1"), unspent], {}).members() == {1: [1, 2, 9]}
    cash_out = {**step(7, 3, "all_to_one>all_to_one", "c1>c1"), "to_shape": "unspent", "to_txid": None}
    assert join_wallets([cash_out], {}).members() == {}


def test_a_move_of_one_coin_joins_only_where_the_coin_was_a_withdrawals_change():
    assert join_wallets([step(5, 6, "move>batch", "m1>w1")], {}).members() == {}
    fed = [step(1, 5, "batch>move", "w0>m1"), step(5, 6, "move>batch", "m1>w1")]
    assert join_wallets(fed, {}).members() == {1: [1, 5, 6]}


@pytest.mark.slow
@pytest.mark.node
def test_on_a_real_economy_each_exchange_is_found_whole_and_joins_no_one_else(tmp_path: Path):
    """litecoind -regtest, 24 rounds (seed 1 of benchmarks/services_accuracy.py, where the method was tuned): each
    exchange splits into many wallets; joined, each is found, and each detection holds only its own addresses, never
    the site's (its cash-outs are swept by exchange1) or the miner's (its batched payouts reach all three)."""
    if not litecoind_available():
        pytest.skip("litecoind is not installed (scripts/system-deps.sh installs Debian's litecoind)")
    truth = make_scenario(tmp_path, seed=1, rounds=24)
    with LedgerStore.open(tmp_path / "ledger.duckdb") as store:
        build_clusters(store, DEFAULT_HEURISTICS)
        found = [d for d in detect_services(store) if d.kind == "exchange"]
        with service_reads.prepared(store):
            steps = service_links.coin_steps(store)
        owners = {d.cluster_id: Counter(truth["owners"].get(a) for a in _addresses(store, d)) for d in found}
    assert sorted(next(iter(o)) for o in owners.values()) == ["exchange0", "exchange1", "exchange2"]
    assert all(len(o) == 1 for o in owners.values()), owners  # no address of anyone else
    assert all(any(e.startswith("joined from ") for e in d.evidence) for d in found)
    joined = {s["from_txid"] for d in found for s in _steps_in(d, steps)}
    assert not joined & set(truth["site_cashouts"])  # the cash-outs are steps, never taken
    assert set(truth["site_cashouts"]) & {s["from_txid"] for s in steps}


def _addresses(store: LedgerStore, detection: Any) -> list[str]:
    wallets = [detection.cluster_id, *detection.deposit_wallets]
    return [r[0] for r in store.rows("SELECT a.address FROM address_clusters c JOIN addresses a USING (address_id) "
                                     "WHERE c.cluster_id IN (SELECT unnest(?))", [wallets])]  # fmt: skip


def _steps_in(detection: Any, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wallets = {detection.cluster_id, *detection.deposit_wallets}
    return [s for s in steps if s["from"] in wallets and s["to"] in wallets]
