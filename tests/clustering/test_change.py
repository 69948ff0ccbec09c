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
