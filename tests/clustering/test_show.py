"""cluster show / --why / export, through the CLI, on a small real store; change links and red flags."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq

from cointrail.chains.bitcoin.model import display_hash
from cointrail.cli import main
from cointrail.clustering import build_clusters, parse_heuristics, show_cluster
from cointrail.simulation.named_chain import ChainBuilder

COIN = 100_000_000


def _story(chain: ChainBuilder) -> None:
    """a1+a2 co-spent (tx 'pay'), whose change a3 is then co-spent with b1 (tx 'pay2'). Neither payment's outputs
    is larger than its smaller input, so no PayJoin (a payee's coin plus a payment) hides in them."""
    chain.block(miner="m0")
    chain.block(chain.tx("fund", [("cb0", 0)], [("a1", COIN), ("a2", COIN), ("b1", COIN), ("x1", COIN)]))
    chain.kinds["shop"] = chain.kinds["shop2"] = "p2pkh"
    chain.block(chain.tx("pay", [("fund", 0), ("fund", 1)], [("shop", COIN), ("a3", COIN - 1234)]))
    chain.block(chain.tx("pay2", [("pay", 1), ("fund", 2)], [("shop2", COIN - 5000), ("a4", COIN - 9000)]))


def test_why_explains_the_chain_of_links_in_plain_words(chain: ChainBuilder):
    _story(chain)
    build_clusters(chain.store, parse_heuristics("multi-input,change-address-type"))
    shown = show_cluster(chain.store, chain.address("a1"), why=chain.address("b1"))
    assert shown["size"] == 5  # a1, a2, a3 (change), b1, a4 (change)
    assert shown["totals"]["received"] == 3 * COIN + COIN - 1234 + COIN - 9000
    assert shown["totals"]["balance"] == COIN - 9000
    steps = shown["why"]["steps"]
    assert [s["heuristic"] for s in steps] == ["change-address-type", "multi-input"]
    assert steps[0]["txid"] == display_hash(chain.txids["pay"])
    assert steps[0]["to"] == chain.address("a3")
    assert "looks like its change output" in steps[0]["explanation"]
    assert (
        f"{chain.address('a3')} and {chain.address('b1')} were spent together in transaction" in steps[1]["explanation"]
    )
    assert "so one wallet controlled both" in steps[1]["explanation"]
    assert not show_cluster(chain.store, chain.address("a1"), why=chain.address("x1"))["why"]["in_cluster"]


def test_cli_build_show_export(chain: ChainBuilder, tmp_path, capsys):
    _story(chain)
    db = str(chain.store.path)
    chain.close()
    assert main(["cluster", "build", "--db", db, "--heuristics", "multi-input", "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["links_by_heuristic"]["multi-input"] == 2 and built["red_flags"] == []
    assert main(["cluster", "show", ChainBuilder.address(chain, "a2"), "--db", db, "--why",
                 ChainBuilder.address(chain, "a3")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "cluster" in text and "spent together" not in text.split("Why")[0]
    assert "Why" not in text or "spent together" in text
    out_csv, out_parquet = tmp_path / "c.csv", tmp_path / "c.parquet"
    assert main(["cluster", "export", "--db", db, "--csv", str(out_csv), "--parquet", str(out_parquet), "--json"]) == 0
    with out_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == pq.read_table(out_parquet).num_rows == json.loads(capsys.readouterr().out)["addresses"]
    by_address = {r["address"]: r["cluster_id"] for r in rows}
    assert by_address[ChainBuilder.address(chain, "a1")] == by_address[ChainBuilder.address(chain, "a2")]
    assert main(["cluster", "show", "rltc1qnotthere", "--db", db]) == 1
    assert main(["cluster", "build", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert main(["cluster", "build", "--db", db, "--heuristics", "bogus"]) == 2


def test_change_heuristics_link_payer_and_change(chain: ChainBuilder):
    _story(chain)
    build_clusters(chain.store, parse_heuristics("change-round-amount"))
    links = chain.store.con.execute("SELECT heuristic, tx_id FROM cluster_links ORDER BY tx_id").fetchall()
    assert [h for h, _ in links] == ["change-round-amount"]  # pay: COIN is round, COIN - 1234 is change


def test_growth_through_change_links_is_a_red_flag(chain: ChainBuilder):
    chain.block(miner="m0")
    names = [f"u{i}" for i in range(12)]
    chain.block(chain.tx("fund", [("cb0", 0)], [(n, COIN) for n in names]))
    for i, name in enumerate(names[:-1]):  # each user "pays" the next one round amounts: chained change links
        chain.block(
            chain.tx(
                f"p{i}", [("fund", i)], [(f"r{i}", COIN // 2), (names[i + 1] if i else name + "c", COIN // 2 - 777)]
            )
        )
    summary = build_clusters(chain.store, parse_heuristics("multi-input,change-round-amount"))
    assert any(flag["kind"] == "growth" for flag in summary["red_flags"])


def test_labels_of_two_services_in_one_cluster_are_a_red_flag(chain: ChainBuilder):
    _story(chain)
    build_clusters(chain.store, parse_heuristics("multi-input"))
    con = chain.store.con
    con.execute("CREATE TABLE labels (address VARCHAR, label VARCHAR, category VARCHAR, actor VARCHAR, source VARCHAR)")
    con.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?)", [
        [chain.address("a1"), "Exchange A hot wallet", "exchange", "exchange_a", "test"],
        [chain.address("a2"), "Exchange B deposit", "exchange", "exchange_b", "test"],
        [chain.address("b1"), "a shop", "shop", None, "test"],
    ])  # fmt: skip
    shown = show_cluster(chain.store, chain.address("a1"))
    assert {label["service"] for label in shown["labels"]} == {"exchange_a", "exchange_b"}
    assert [flag["kind"] for flag in shown["red_flags"]] == ["services"]
    assert "exchange_a, exchange_b" in shown["red_flags"][0]["message"]
    assert show_cluster(chain.store, chain.address("b1"))["red_flags"] == []
