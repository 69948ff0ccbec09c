"""The taint models, exactly: on single transactions, and traced over a hand-made chain in a real store."""

from __future__ import annotations

import hashlib

import pytest

from cointrail.labels.model import Label, confidence_named
from cointrail.labels.store import write_labels
from cointrail.simulation.named_chain import COIN
from cointrail.tracing import EXPLANATIONS, trace
from cointrail.tracing.taint import Taint, backward, forward, full


def test_one_transaction_under_each_model():
    ins, outs, taint = [60, 40], [70, 20], [full(60), None]  # a fee of 10
    assert forward("poison", ins, outs, taint) == [full(70), full(20)]
    assert forward("haircut", ins, outs, taint) == [Taint(42), Taint(12)]  # 60% of each output
    assert forward("fifo", ins, outs, taint) == [Taint(54, ((0, 54),)), None]  # 60 less its 6 of the fee, first out


def test_fifo_is_lossless_without_a_fee():
    ins, outs = [30, 50], [40, 40]
    out = forward("fifo", ins, outs, [None, full(50)])
    assert out == [Taint(10, ((30, 40),)), Taint(40, ((0, 40),))]
    assert backward("fifo", ins, outs, out) == [None, full(50)]


def _ends(result):
    return sorted((e["address"], e["reason"], e["taint"]) for e in result.to_dict()["ends"])


def test_poison_taints_every_output_in_full(flow):
    result = trace(flow.store, flow.address("src"), hops=3, model="poison")
    assert _ends(result) == sorted([(flow.address("mix2"), "unspent", 39 * COIN),
                                    (flow.address("dest1"), "unspent", 30 * COIN),
                                    (flow.address("dest2"), "unspent", 29 * COIN)])  # fmt: skip


def test_haircut_shares_by_value(flow):
    result = trace(flow.store, flow.address("src"), hops=3, model="haircut")
    assert _ends(result) == sorted([(flow.address("mix2"), "unspent", 1_950_000_000),
                                    (flow.address("dest1"), "unspent", 1_500_000_000),
                                    (flow.address("dest2"), "unspent", 1_450_000_000)])  # fmt: skip
    assert result.to_dict()["model"]["explanation"] == EXPLANATIONS["haircut"]


def test_fifo_fills_outputs_in_order_and_shares_fees(flow):
    result = trace(flow.store, flow.address("src"), hops=3, model="fifo")
    # t1: src's 50 comes first, less 1% fee: 49.5 all in mix1. t2: 49.5 less 1/60 fee = 48.675: 30 + 18.675.
    assert _ends(result) == sorted([(flow.address("dest1"), "unspent", 30 * COIN),
                                    (flow.address("dest2"), "unspent", 1_867_500_000)])  # fmt: skip


def test_fifo_forward_then_backward_recovers_the_source(flow):
    forward_ends = trace(flow.store, flow.address("src"), hops=3, model="fifo").to_dict()["ends"]
    assert flow.address("dest1") in {e["address"] for e in forward_ends}
    back = trace(flow.store, flow.address("dest1"), direction="backward", hops=3, model="fifo").to_dict()
    assert {(e["address"], e["reason"]) for e in back["ends"]} == {(flow.address("src"), "origin")}
    haircut = trace(flow.store, flow.address("dest1"), direction="backward", hops=3, model="haircut").to_dict()
    assert {e["address"] for e in haircut["ends"]} == {flow.address("src"), flow.address("other")}


def test_edges_always_point_the_way_the_money_moved(flow):
    back = trace(flow.store, flow.address("dest1"), direction="backward", hops=3, model="fifo").to_dict()
    assert {(e["from"], e["to"]) for e in back["edges"]} == {(flow.address("mix1"), flow.address("dest1")),
                                                             (flow.address("src"), flow.address("mix1"))}  # fmt: skip


def test_trails_stop_at_services_thresholds_and_the_hop_limit(flow):
    label = Label(address=flow.address("dest2"), chains=("litecoin",), currency="LTC", network="regtest",
                  label="Example Exchange", source="test", source_sha256=hashlib.sha256(b"t").hexdigest(),
                  confidence=confidence_named("authority_data"), importer="csv", category="exchange")  # fmt: skip
    write_labels(flow.store, [label])
    ends = trace(flow.store, flow.address("src"), hops=3, model="poison").to_dict()["ends"]
    service = next(e for e in ends if e["reason"] == "service")
    assert (service["address"], service["service"], service["category"]) == (
        flow.address("dest2"),
        "Example Exchange",
        "exchange",
    )
    limited = trace(flow.store, flow.address("src"), hops=1, model="poison").to_dict()["ends"]
    assert {(e["address"], e["reason"]) for e in limited} == {(flow.address("mix1"), "hop_limit"),
                                                              (flow.address("mix2"), "unspent")}  # fmt: skip
    small = trace(flow.store, flow.address("src"), hops=3, model="haircut", min_value=20 * COIN).to_dict()["ends"]
    assert {(e["address"], e["reason"]) for e in small} == {(flow.address("mix2"), "threshold"),
                                                            (flow.address("dest1"), "threshold"),
                                                            (flow.address("dest2"), "service")}  # fmt: skip


def test_unknown_model_is_refused(flow):
    from cointrail.errors import InputError

    with pytest.raises(InputError):
        trace(flow.store, flow.address("src"), model="lifo")


def test_a_label_for_another_chain_does_not_stop_a_trail(flow):
    """The same string labelled on another chain (e.g. a Bitcoin Cash legacy address) says nothing here."""
    label = Label(address=flow.address("dest2"), chains=("bitcoin",), currency="BTC", network="mainnet",
                  label="Other-chain Exchange", source="test", source_sha256=hashlib.sha256(b"t").hexdigest(),
                  confidence=confidence_named("authority_data"), importer="csv", category="exchange")  # fmt: skip
    write_labels(flow.store, [label])
    ends = trace(flow.store, flow.address("src"), hops=3, model="poison").to_dict()["ends"]
    assert (flow.address("dest2"), "unspent") in {(e["address"], e["reason"]) for e in ends}
    assert not [e for e in ends if e["reason"] == "service"]
