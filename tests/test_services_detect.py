"""``cointrail services detect`` on a small chain: an exchange's deposits swept into a hot wallet, and a bystander."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cointrail.cli import main
from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.domain import WatchedOutput, WatchedTx
from cointrail.facts.limitations import label_quality
from cointrail.facts.sources import label_conflicts
from cointrail.services import kept_detections
from cointrail.services.detect import _detect
from cointrail.simulation.named_chain import ChainBuilder
from cointrail.store.duckdb.address_find import find_address
from cointrail.store.duckdb.store import LedgerStore
from cointrail.tracing.services import Services
from cointrail.watch.destinations import freeze_request, name_outputs

COIN = 100_000_000


def build(path: Path, site_payment: bool = False, change: bool = False) -> ChainBuilder:
    """Ten depositors swept into a hot wallet that pays 7 withdrawals; with ``change``, that batch keeps its change
    at a fresh address (``chg``), a wallet of its own, whose next batch pays the customer who pays the site."""
    chain = ChainBuilder(path)
    for h in range(3):
        chain.block(miner=f"m{h}")
    chain.block(chain.tx("fund", [("cb0", 0)], [(f"c{i}", COIN) for i in range(10)]))
    chain.block(*(chain.tx(f"d{i}", [("fund", i)], [(f"dep{i}", COIN - 2000), (f"c{i}x", 1000)]) for i in range(10)))
    chain.block(chain.tx("sweep1", [(f"d{i}", 0) for i in range(5)], [("hot", 5 * COIN - 20000)]),
                chain.tx("sweep2", [(f"d{i}", 0) for i in range(5, 10)], [("hot", 5 * COIN - 20000)]))
    keeps = ("chg", 3 * COIN - 50000) if change else ("hot", 10)
    chain.block(chain.tx("out", [("sweep1", 0), ("sweep2", 0)], [(f"w{i}", COIN) for i in range(7)] + [keeps]))
    if change:  # the change pays the next withdrawals: the customer v0, who pays the site
        chain.block(chain.tx("out2", [("out", 7)], [(f"v{i}", COIN // 2) for i in range(3)] + [("chg2", COIN)]),
                    chain.tx("pay", [("out", 0)], [("x", COIN // 2), ("w0x", COIN // 2 - 1000)]))
        chain.block(chain.tx("pay2", [("out2", 0)], [("site", COIN // 4), ("v0x", COIN // 4 - 1000)]))
    chain.block(chain.tx("peer", [("cb1", 0)], [("friend", COIN), ("m1x", 49 * COIN - 1000)]))
    if site_payment:  # a customer pays a site with the exchange's withdrawal
        chain.block(chain.tx("pay", [("out", 0)], [("site", COIN - 1000)]))
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
    text = capsys.readouterr().out
    assert "behaves like an exchange (score" in text and "no label names it" in text


def test_payers_and_trace_name_an_unlabelled_exchange_as_a_lead_never_as_a_funder(tmp_path: Path, capsys):
    """No label anywhere: the payer's money came out of a wallet that behaves like an exchange. payers says so as
    a lead (wallet, deposit addresses, score, next step), never "funded by", never a service to ask; trace stops
    there with the lead's explanation; the text tells the same as --json."""
    chain = build(tmp_path / "ledger.duckdb", site_payment=True)
    site, hot = chain.address("site"), chain.address("hot")
    db = str(chain.store.path)
    chain.close()
    assert main(["payers", "--db", db, "--site", site, "--json"]) == 0  # before any detection: nothing known
    assert json.loads(capsys.readouterr().out)["payers"][0]["leads"] == []
    assert main(["services", "detect", "--db", db]) == 0  # kept in the store for this cluster build
    capsys.readouterr()
    assert main(["payers", "--db", db, "--site", site, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (payer,) = data["payers"]
    assert payer["funded_by"] is None and payer["funding"] == [] and data["services"] == []
    (lead,) = payer["leads"]
    assert lead["kind"] == "exchange" and lead["deposit_addresses"] == 10 and lead["address"] == hot
    assert lead["words"].startswith(f"funded by an unnamed exchange-like service (wallet {lead['wallet']}, 10 deposit")
    assert lead["share"] > 0.99 and lead["withdrawal_txids"] and "label add" in lead["next_step"]
    assert data["totals"]["with_service"] == 0 and data["totals"]["with_unnamed_service"] == 1
    assert main(["payers", "--db", db, "--site", site]) == 0
    text = capsys.readouterr().out
    assert "lead: funded by an unnamed exchange-like service" in text and "funded by Demo" not in text
    assert "no labelled service reached" not in text
    assert main(["trace", site, "--db", db, "--direction", "backward", "--hops", "3", "--json"]) == 0
    ends = [e for e in json.loads(capsys.readouterr().out)["ends"] if e["reason"] == "service"]
    assert ends and all(e["label"]["detected"] and not e["label"]["legal_process"] for e in ends)
    assert all("no label names it" in e["explanation"] for e in ends)
    # Named with one label, the same wallet becomes the funder, and a service to ask
    cases = str(tmp_path / "cases")
    assert main(["case", "new", "lead", "--cases-dir", cases, "--operator", "analyst"]) == 0
    assert main(["label", "add", hot, "--label", "Demo Exchange", "--category", "exchange", "--case", "lead",
                 "--cases-dir", cases, "--operator", "analyst", "--db", db]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["payers", "--db", db, "--site", site, "--json"]) == 0
    named = json.loads(capsys.readouterr().out)
    assert named["payers"][0]["funded_by"] == "Demo Exchange" and named["payers"][0]["leads"] == []
    assert [s["service"] for s in named["services"]] == ["Demo Exchange"]
    # Clustered again, the kept detections name wallets of the previous build: not used until detected again
    assert main(["cluster", "build", "--db", db, "--full"]) == 0
    with LedgerStore.open(db, read_only=True) as store:
        assert kept_detections(store) == []


def test_labels_that_contradict_the_behaviour_are_shown_as_conflicts(tmp_path: Path, capsys):
    """The hot wallet labelled a market by one source and 'Demo Exchange' by another: the detection lists both
    labels and says, in words, that one contradicts the behaviour; a fitting label alone agrees."""
    chain = build(tmp_path / "ledger.duckdb")
    hot, db, cases = chain.address("hot"), str(chain.store.path), str(tmp_path / "cases")
    chain.close()
    assert main(["case", "new", "c", "--cases-dir", cases, "--operator", "analyst"]) == 0
    label = ["label", "add", hot, "--case", "c", "--cases-dir", cases, "--operator", "analyst", "--db", db]
    assert main([*label, "--label", "Demo Exchange", "--category", "exchange"]) == 0
    capsys.readouterr()
    assert main(["services", "detect", "--db", db, "--json"]) == 0
    (agreeing,) = json.loads(capsys.readouterr().out)
    assert agreeing["named_by"] == "Demo Exchange" and agreeing["conflicts"] == []
    assert main([*label, "--label", "Hidden market", "--category", "market"]) == 0
    capsys.readouterr()
    assert main(["services", "detect", "--db", db, "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    assert {lab["category"] for lab in found["labels"]} == {"exchange", "market"}
    (conflict,) = found["conflicts"]
    assert "'Hidden market' (market)" in conflict and "behaves like an exchange" in conflict
    assert main(["services", "detect", "--db", db]) == 0
    assert "CONFLICT: labelled 'Hidden market'" in capsys.readouterr().out


def _labelled_hot_wallet_detected(db: str, cases: str, hot: str, capsys: Any) -> dict[str, Any]:
    """An analyst's case labels the exchange's hot wallet; services detect's one detection, as its --json gives it."""
    assert main(["case", "new", "c", "--cases-dir", cases, "--operator", "analyst"]) == 0
    assert main(["label", "add", hot, "--label", "Demo Exchange hot wallet", "--category", "exchange", "--case", "c",
                 "--cases-dir", cases, "--operator", "analyst", "--db", db]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["services", "detect", "--db", db, "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    return found


def test_a_label_on_the_hot_wallet_names_the_other_wallets_of_the_detected_exchange(tmp_path: Path, capsys):
    """A public label knows the exchange's hot wallet only. The withdrawal that paid the customer came from the
    change of an earlier one, a wallet of its own to the multi-input heuristic, which services detect joins to the
    hot wallet. payers then names the labelled exchange at "funded by", straight from that withdrawal, and says
    that the name reached the paying wallet through the detection (before, a detection whose hot wallet was
    labelled was set aside, and no funder was named)."""
    chain = build(tmp_path / "ledger.duckdb", change=True)
    site, hot, change = chain.address("site"), chain.address("hot"), chain.address("chg")
    db, cases = str(chain.store.path), str(tmp_path / "cases")
    chain.close()
    found = _labelled_hot_wallet_detected(db, cases, hot, capsys)
    assert found["named_by"] == "Demo Exchange hot wallet" and found["conflicts"] == []
    assert main(["cluster", "show", change, "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cluster_id"] in found["deposit_wallets"]
    assert main(["payers", "--db", db, "--site", site, "--json"]) == 0
    (payer,) = json.loads(capsys.readouterr().out)["payers"]
    assert payer["funded_by"] == "Demo Exchange hot wallet" and payer["leads"] == []
    (trail,) = payer["funding"]
    assert trail["service_address"] == change and trail["direct"] and len(trail["steps"]) == 1
    assert trail["joined_by"]["cluster_id"] == found["cluster_id"] and "services detect" in trail["joined_by"]["words"]
    assert f"on {hot}" in trail["steps"][0]["reason"] and "found them to be one exchange" in trail["steps"][0]["reason"]
    assert main(["payers", "--db", db, "--site", site]) == 0
    assert "named through its behaviour: the label is on another wallet of one service" in capsys.readouterr().out
    # Money watched into the joined wallet is money into the labelled exchange, with its freeze request
    with LedgerStore.open(db, read_only=True) as store:
        out = WatchedOutput(0, COIN, find_address(store, change)[0], change, 5)
        tx = WatchedTx(1, bytes(32), 9, bytes(32), 1_600_000_000, False, (out,), ())
        (dest,) = name_outputs(tx, set(), Services(store), None, "litecoin")
    assert dest.kind == "service" and "services detect found to be one exchange" in dest.words
    assert "on another address of your service's wallets" in freeze_request(dest, tx, "c", "litecoin")["text"]
    assert main(["trace", site, "--db", db, "--direction", "backward", "--hops", "3", "--json"]) == 0
    (end,) = [e for e in json.loads(capsys.readouterr().out)["ends"] if e["reason"] == "service"]
    assert end["service"] == "Demo Exchange hot wallet" and end["label"]["legal_process"]
    assert "another wallet of one service" in end["explanation"]
    # A label naming another service on the joined wallet: it is kept apart, and the detection says the behaviour
    # and the labels disagree
    assert main(["label", "add", change, "--label", "Hidden market", "--category", "market", "--case", "c",
                 "--cases-dir", cases, "--operator", "analyst", "--db", db]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["services", "detect", "--db", db, "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    assert found["named_by"] == "Demo Exchange hot wallet" and found["kept_apart"][0]["names"] == ["Hidden market"]
    (conflict,) = found["conflicts"]
    assert "labels name that wallet Hidden market and this one Demo Exchange hot wallet" in conflict
    assert main(["services", "detect", "--db", db]) == 0
    assert "CONFLICT: its coin moved on to wallet" in capsys.readouterr().out
    # The court report's label paragraph says so, for the wallet the payer's money came from
    assert main(["payers", "--db", db, "--site", site, "--json"]) == 0
    findings = {"payers": json.loads(capsys.readouterr().out), "flows": []}
    with LedgerStore.open(db, read_only=True) as store:
        conflicts = label_conflicts(store, findings)
    assert any("labels name that wallet Hidden market" in c for c in conflicts)
    text = label_quality({"findings": findings, "ledger": {"label_conflicts": conflicts}})
    assert "Labels and behaviour disagree here, which the court should weigh: wallet " in text
    assert "contradicted" in label_quality({"findings": findings, "ledger": {"label_conflicts": []}})
    unread = label_quality({"findings": findings, "ledger": {"label_conflicts": [], "services_detected": False}})
    assert "services detect was not run on this store" in unread


def test_a_label_on_the_hot_wallet_alone_names_a_detected_exchange_it_is_not_joined_to(tmp_path: Path, capsys):
    """The deposits swept into the labelled hot wallet, whose coin is not spent yet: the multi-input heuristic and
    the joining keep it apart from the deposit wallet (a sweep of customers' coins does not join), which also pays
    the customer's withdrawal. services detect says the hot wallet's label names the exchange; payers names it too,
    through the detection, not as an unnamed lead (it did not read the hot wallet's labels)."""
    chain = ChainBuilder(tmp_path / "ledger.duckdb")
    for h in range(3):
        chain.block(miner=f"m{h}")
    chain.block(chain.tx("fund", [("cb0", 0)], [(f"c{i}", 2 * COIN) for i in range(10)]))
    chain.block(*(chain.tx(f"d{i}", [("fund", i)], [(f"dep{i}", COIN - 1000), (f"dep{i}", COIN - 1000)])
                  for i in range(10)))  # fmt: skip
    chain.block(chain.tx("sweep", [(f"d{i}", 0) for i in range(10)], [("hot", 10 * COIN - 30000)]),
                chain.tx("out", [(f"d{i}", 1) for i in range(10)], [(f"w{i}", COIN - i * 7000) for i in range(7)]
                         + [("chg", 3 * COIN)]))  # fmt: skip
    chain.block(chain.tx("pay", [("out", 0)], [("site", COIN - 1000)]))
    build_clusters(chain.store, parse_heuristics("multi-input"))
    site, hot, paying = chain.address("site"), chain.address("hot"), chain.address("dep0")
    db, cases = str(chain.store.path), str(tmp_path / "cases")
    chain.close()
    found = _labelled_hot_wallet_detected(db, cases, hot, capsys)
    assert found["hot_wallet"] == hot and found["named_by"] == "Demo Exchange hot wallet"
    assert main(["cluster", "show", hot, "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cluster_id"] not in [found["cluster_id"], *found["deposit_wallets"]]
    assert main(["payers", "--db", db, "--site", site, "--json"]) == 0
    (payer,) = json.loads(capsys.readouterr().out)["payers"]
    assert payer["funded_by"] == "Demo Exchange hot wallet" and payer["leads"] == []
    (trail,) = payer["funding"]
    assert trail["joined_by"]["cluster_id"] == found["cluster_id"] and trail["service_address"] == paying


def _figures(**given: int) -> dict[str, int]:
    base = {"addresses": 20, "first_height": 120, "last_height": 144, "coinbase": 0, "sweeps": 4, "swept": 9,
            "hot_wallet": None, "hot_cluster": None, "hot_sweeps": 1, "depositors": 4, "paid_back": 0, "batches": 6,
            "batch_outputs": 18, "fresh_outputs": 18}  # fmt: skip
    return base | given


def test_an_exchange_few_paid_into_is_recognised_by_its_routine_repeated_and_says_so():
    """4 depositing wallets (3 customers and the miner's refills, seed 11's exchange0), below the 5 an exchange
    needs, but 4 consolidations and 6 batched withdrawals: recognised, with the reason in its evidence. One
    consolidation, too few batches or too few depositors are not enough."""
    (found,) = [d for d in [_detect(7, _figures(), {})] if d is not None]
    assert found.kind == "exchange"
    assert "fewer than 5 depositing wallets: recognised by its routine repeated (4 consolidations, 6 batched " \
           "withdrawals)" in found.evidence  # fmt: skip
    for weaker in ({"sweeps": 2}, {"batches": 4}, {"depositors": 2}, {"swept": 4}):
        assert _detect(7, _figures(**weaker), {}) is None, weaker
    broad = _detect(7, _figures(depositors=5, sweeps=1, batches=1), {})
    assert broad is not None and not any("fewer than" in e for e in broad.evidence)
