"""Each change heuristic on hand-made two-output payments: it names the change only when exactly one output fits."""

from __future__ import annotations

import numpy as np

from cointrail.heuristics.change import (
    CHANGE_HEURISTICS,
    PaymentView,
    address_type_match,
    change_links,
    fresh_one_time_change,
    optimal_change,
    round_payment_amount,
)


def _view(values, types=((0, 0),), in_type=(0,), in_min=(10**9,), fresh=((False, False),)) -> PaymentView:
    n = len(values)
    return PaymentView(
        tx_id=np.arange(n),
        in_address=np.arange(100, 100 + n),
        in_type=np.array(in_type * n if len(in_type) == 1 else in_type),
        in_min_value=np.array(in_min * n if len(in_min) == 1 else in_min),
        out_address=np.arange(2 * n).reshape(n, 2),
        out_value=np.array(values),
        out_type=np.array(types * n if len(types) == 1 else types),
        out_fresh=np.array(fresh * n if len(fresh) == 1 else fresh),
    )


def test_round_amount_names_the_odd_output():
    view = _view([(25_000_000, 73_456_789), (12_345_678, 50_000_000), (10_000_000, 20_000_000), (1, 3)])
    assert round_payment_amount(view).tolist() == [1, 0, -1, -1]


def test_optimal_change_is_the_only_output_below_every_input():
    view = _view([(5, 50), (40, 60), (10, 20)], in_min=(30, 30, 100))
    assert optimal_change(view).tolist() == [0, -1, -1]


def test_address_type_needs_one_matching_output_and_uniform_inputs():
    view = _view([(1, 2)] * 4, types=((0, 2), (2, 0), (0, 0), (2, 2)), in_type=(0, 0, 0, -1))
    assert address_type_match(view).tolist() == [0, 1, -1, -1]


def test_fresh_change_needs_exactly_one_new_address():
    view = _view([(1, 2)] * 3, fresh=((True, False), (True, True), (False, False)))
    assert fresh_one_time_change(view).tolist() == [0, -1, -1]


def test_links_join_the_payer_to_the_change_with_a_reason():
    view = _view([(25_000_000, 73_456_789)])
    a, b, tx = change_links(view, CHANGE_HEURISTICS["change-round-amount"])
    assert (a.tolist(), b.tolist(), tx.tolist()) == ([100], [1], [0])
    assert all(h.reason and h.name.startswith("change-") for h in CHANGE_HEURISTICS.values())


def test_change_heuristics_that_disagree_make_no_link(chain):
    """A wallet spends both coins of a reused address and pays a round amount smaller than each: "optimal
    change" calls the payment the change, "round amount" the other output; unsure, no change link at all."""
    from cointrail.clustering import build_clusters, parse_heuristics

    coin = 100_000_000
    chain.block(miner="m0")
    chain.block(chain.tx("fund", [("cb0", 0)], [("reused", coin // 2 + 4_700), ("reused", coin // 2 + 4_700)]))
    chain.block(chain.tx("pay", [("fund", 0), ("fund", 1)], [("shop", coin // 2), ("change", coin // 2 + 9_000)]))
    build_clusters(chain.store, parse_heuristics("change-optimal"))
    assert chain.store.con.execute("SELECT count(*) FROM cluster_links").fetchone()[0] == 1  # alone, it errs
    build_clusters(chain.store, parse_heuristics("multi-input,change-round-amount,change-optimal"))
    heuristics = [h for (h,) in chain.store.con.execute("SELECT heuristic FROM cluster_links").fetchall()]
    assert not [h for h in heuristics if h.startswith("change-")]
