"""Clustering over a real DuckDB store: multi-input merges, CoinJoins never merge, stable ids, incremental == full."""

from __future__ import annotations

import numpy as np

from cointrail.clustering import build_clusters, parse_heuristics
from cointrail.clustering.graph import Links, identity, merge, merge_with_scipy
from cointrail.simulation.named_chain import ChainBuilder

COIN = 100_000_000


def _clusters(chain: ChainBuilder) -> dict[str, int]:
    rows = chain.store.con.execute(
        "SELECT a.address, c.cluster_id FROM address_clusters c JOIN addresses a USING (address_id)"
    ).fetchall()
    return dict(rows)


def _same(chain: ChainBuilder, *names: str) -> bool:
    clusters = _clusters(chain)
    return len({clusters[chain.address(n)] for n in names}) == 1


def _fund(chain: ChainBuilder, *names: str) -> None:
    """Block 0 pays each named address 1 coin from a funding transaction."""
    chain.block(miner="m0")
    chain.block(chain.tx("fund", [("cb0", 0)], [(n, COIN) for n in names]))


def test_co_spent_addresses_form_one_cluster_with_the_smallest_id(chain: ChainBuilder):
    _fund(chain, "a1", "a2", "a3", "b1")
    chain.block(chain.tx("spend", [("fund", 0), ("fund", 1)], [("shop", COIN), ("a4", COIN - 1000)]),
                chain.tx("spend2", [("fund", 2), ("spend", 1)], [("shop2", COIN)]))  # fmt: skip
    summary = build_clusters(chain.store, parse_heuristics("multi-input"))
    assert _same(chain, "a1", "a2") and _same(chain, "a3", "a4")
    assert not _same(chain, "a1", "a3") and not _same(chain, "a1", "b1") and not _same(chain, "a1", "shop")
    ids = chain.store.con.execute(
        "SELECT min(address_id) = any_value(cluster_id) FROM address_clusters GROUP BY cluster_id"
    ).fetchall()
    assert all(row[0] for row in ids)
    assert summary["mode"] == "full" and summary["links_by_heuristic"]["multi-input"] == 2 == summary["new_links"]


def test_coinjoin_inputs_are_never_merged(chain: ChainBuilder):
    people = [f"p{i}" for i in range(6)]
    _fund(chain, *people)
    pays = [(f"mix{i}", COIN // 2) for i in range(6)] + [(f"chg{i}", COIN // 2 - 500 - i) for i in range(6)]
    chain.block(chain.tx("join", [("fund", i) for i in range(6)], pays))
    summary = build_clusters(chain.store, parse_heuristics("multi-input"))
    clusters = _clusters(chain)
    assert len({clusters[chain.address(p)] for p in people}) == 6
    assert summary["coinjoins_found"] == 1
    rule = chain.store.con.execute("SELECT rule FROM coinjoins").fetchall()[0][0]
    assert rule == "equal_output"


def test_incremental_update_equals_a_full_run(chain: ChainBuilder, tmp_path):
    rng = np.random.default_rng(5)
    names = [f"w{i}" for i in range(40)]
    _fund(chain, *names)
    unspent = [("fund", i) for i in range(40)]
    heuristics = parse_heuristics("multi-input,change-fresh,change-address-type")
    for height in range(2, 14):
        txs = []
        for k in range(3):
            picked = rng.choice(len(unspent), size=min(len(unspent), int(rng.integers(1, 4))), replace=False)
            spends = [unspent[i] for i in sorted(picked, reverse=True)]
            for i in sorted(picked, reverse=True):
                unspent.pop(i)
            name = f"t{height}_{k}"
            chain.kinds[f"pay{name}"] = "p2pkh"
            txs.append(chain.tx(name, spends, [(f"pay{name}", 1000 * height), (f"chg{name}", 777 + k)]))
            unspent += [(name, 0), (name, 1)]
        chain.block(*txs)
        summary = build_clusters(chain.store, heuristics)
        assert summary["mode"] == ("full" if height == 2 else "incremental")
        assert _stored_counts(chain) == _summary_counts(summary)
    incremental = _clusters(chain)
    links = chain.store.con.execute("SELECT * FROM cluster_links ORDER BY ALL").fetchall()
    summary = build_clusters(chain.store, heuristics, full=True)
    assert summary["mode"] == "full"
    assert _clusters(chain) == incremental
    assert chain.store.con.execute("SELECT * FROM cluster_links ORDER BY ALL").fetchall() == links
    assert len(set(incremental.values())) < len(incremental)  # something did merge


def _stored_counts(chain: ChainBuilder) -> tuple:
    """The summary's counts and largest clusters, read from the stored assignment in SQL."""
    con = chain.store.con
    counts = con.execute("SELECT count(*), count(DISTINCT cluster_id), count(*) FILTER (WHERE n > 1) FROM "
                         "(SELECT cluster_id, count(*) OVER (PARTITION BY cluster_id) AS n FROM address_clusters)"
                         ).fetchone()  # fmt: skip
    largest = con.execute("SELECT t.cluster_id, t.size, a.address FROM (SELECT cluster_id, count(*) AS size FROM "
                          "address_clusters GROUP BY cluster_id ORDER BY size DESC, cluster_id LIMIT 5) t JOIN "
                          "addresses a ON a.address_id = t.cluster_id ORDER BY t.size DESC, t.cluster_id").fetchall()
    return tuple(counts), largest  # type: ignore[arg-type]


def _summary_counts(summary: dict) -> tuple:
    counts = (summary["addresses"], summary["clusters"], summary["addresses_in_multi_address_clusters"])
    return counts, [(c["cluster_id"], c["size"], c["first_address"]) for c in summary["largest_clusters"]]


def test_changing_the_heuristics_rebuilds(chain: ChainBuilder):
    _fund(chain, "a1", "a2")
    build_clusters(chain.store, parse_heuristics("multi-input"))
    assert build_clusters(chain.store, parse_heuristics("multi-input"))["mode"] == "current"
    assert build_clusters(chain.store, parse_heuristics("multi-input,change-fresh"))["mode"] == "full"


def test_merge_matches_a_plain_union_find_on_random_edges():
    rng = np.random.default_rng(1)
    count = 500
    a, b = rng.integers(0, count, 400), rng.integers(0, count, 400)
    links = Links(a, b, np.arange(400), np.zeros(400, np.int8))
    cluster, kept = merge(identity(0), links, count)
    parent = list(range(count))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for x, y in zip(a, b, strict=True):
        rx, ry = find(int(x)), find(int(y))
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    assert [find(i) for i in range(count)] == cluster.tolist()
    assert len(kept) == count - len(set(cluster.tolist()))  # a spanning forest
    half, _ = merge(identity(0), links.take(np.arange(200)), count)
    rest, _ = merge(half, links.take(np.arange(200, 400)), count)
    assert rest.tolist() == cluster.tolist()


def test_the_compiled_union_find_equals_scipys_kruskal():
    rng = np.random.default_rng(9)
    count = 3000
    a, b = rng.integers(0, count, 5000), rng.integers(0, count, 5000)
    links = Links(a, b, np.arange(5000), np.zeros(5000, np.int8))
    fast, fast_kept = merge(identity(0), links, count)
    slow, slow_kept = merge_with_scipy(identity(0), links, count)
    assert fast.tolist() == slow.tolist()
    assert fast_kept.tx_id.tolist() == slow_kept.tx_id.tolist()
    step, _ = merge(identity(0), links.take(np.arange(2500)), count)
    step, kept = merge(step, links.take(np.arange(2500, 5000)), count)
    _, kept_slow = merge_with_scipy(merge_with_scipy(identity(0), links.take(np.arange(2500)), count)[0],
                                    links.take(np.arange(2500, 5000)), count)  # fmt: skip
    assert step.tolist() == fast.tolist() and kept.tx_id.tolist() == kept_slow.tx_id.tolist()


def test_a_rolled_back_chain_is_clustered_again_from_scratch(chain: ChainBuilder):
    _fund(chain, "a1", "a2")
    chain.block(chain.tx("spend", [("fund", 0), ("fund", 1)], [("shop", COIN)]))
    heuristics = parse_heuristics("multi-input")
    build_clusters(chain.store, heuristics)
    assert _same(chain, "a1", "a2")
    chain.store.rollback_to(1)  # a reorganisation removed the co-spend
    summary = build_clusters(chain.store, heuristics)
    assert summary["mode"] == "full" and not _same(chain, "a1", "a2")


def test_the_set_based_payjoin_check_agrees_with_the_rule(chain: ChainBuilder):
    """The store finds PayJoin signs in SQL (two-output payments are too many to read one by one): on random
    two-output payments of 1-5 inputs it flags exactly what PayJoinRule flags on each resolved transaction."""
    from cointrail.clustering.heuristics import find_detections
    from cointrail.heuristics.coinjoin import PayJoinRule
    from cointrail.store.duckdb.arrays import DuckDBLedgerArrays

    rng = np.random.default_rng(78)
    names = [f"c{i}" for i in range(120)]
    _fund(chain, *names)
    unspent, txs = list(range(120)), []
    for k in range(30):
        picked = [unspent.pop(int(rng.integers(len(unspent)))) for _ in range(int(rng.integers(1, 6)))]
        total = COIN * len(picked)
        first = int(rng.integers(COIN // 10, total - COIN // 10))
        if k % 7 == 0:
            chain.kinds[f"legacy{k}"] = "p2pkh"
        pays = [(f"legacy{k}" if k % 7 == 0 else f"o{k}", first), (f"r{k}", total - first - 1000)]
        txs.append(chain.tx(f"t{k}", [("fund", i) for i in picked], pays))
    chain.block(*txs)
    source = DuckDBLedgerArrays(chain.store.con)
    _, collaborative = find_detections(source, 0, chain.height, "litecoin")
    query = "SELECT tx_id FROM transactions WHERE block_height = 2 AND NOT is_coinbase"
    ids = [tx_id for (tx_id,) in chain.store.con.execute(query).fetchall()]
    rule = PayJoinRule(chain="litecoin")
    detected = {i: rule.detect(rtx) for i, rtx in zip(ids, source._resolved_many(ids, 2, 2), strict=True)}
    expected = {i: d.evidence for i, d in detected.items() if d is not None}
    assert {f.tx_id: f.evidence for f in collaborative if f.rule == "payjoin"} == expected and expected
    # The build writes the set's words in SQL: the same rows as the findings rendered one by one in Python.
    build_clusters(chain.store, parse_heuristics("multi-input"), full=True)
    written = chain.store.con.execute("SELECT tx_id, rule, evidence, participants FROM collaborative_txs").fetchall()
    assert written == [(f.tx_id, f.rule, f.evidence, f.participants) for f in collaborative]
    assert len({row[2][:120] for row in written if row[1] == "payjoin"}) >= 2  # more than one reason was seen


def test_set_based_words_in_sql_read_as_in_python():
    """The SQL that writes a set's evidence gives Unit.text's amounts (separators, no trailing zeros) and each
    reason's words, for every chain's unit (cointrail.chains.CHAINS), on random and edge amounts; one text per
    reason is pinned word for word, so a change of wording on both sides still fails here."""
    import duckdb
    import pyarrow as pa

    from cointrail.amounts import chain_unit
    from cointrail.chains import CHAINS
    from cointrail.heuristics.collaborative import PAYJOIN_WHY, PayJoinRule
    from cointrail.store.duckdb import words_sql

    rng = np.random.default_rng(5)
    values = [0, 1, 10, 99_999_999, 100_000_000, 123_456_789_012, 2_100_000_000_000_000, -150_000_000,
              *rng.integers(1, 10**15, 200).tolist()]  # fmt: skip
    con = duckdb.connect()
    assert len(CHAINS) > 4
    for chain in CHAINS:
        unit = chain_unit(chain)
        con.register("v", pa.table({"x": pa.array(values, pa.int64())}))
        sql = con.execute(f"SELECT {words_sql.coin_text('x', unit)} FROM v").fetchall()
        assert [r[0] for r in sql] == [unit.text(v) for v in values], chain
    words = PayJoinRule(chain="litecoin").words()
    n = len(values) - 1
    facts = pa.table({"reason": pa.array([k % len(PAYJOIN_WHY) for k in range(n)], pa.int8()),
                      "inputs": [2 + k % 3 for k in range(n)], "scripts": [2] * n,
                      "kinds": [["p2pkh", "p2sh", "p2wpkh", "p2tr"][: 1 + k % 4] for k in range(n)],
                      "smaller": values[:n], "larger": values[1:], "smallest_input": values[::-1][:n]})  # fmt: skip
    con.register("f", facts)
    sql = [r[0] for r in con.execute(f"SELECT {words_sql.rendered(words)} FROM f").fetchall()]
    names = [c for c in facts.column_names if c != "reason"]
    assert sql == [words.render(r["reason"], {c: r[c] for c in names}) for r in facts.to_pylist()]
    pinned = pa.table({"reason": pa.array([0, 1, 2], pa.int8()), "inputs": [3, 2, 4], "scripts": [2, 2, 2],
                       "kinds": [["p2pkh", "p2wpkh"]] * 3, "smaller": [1_234_567_890_123, 2_500, 99_999_999],
                       "larger": [1_500_000_000_000, 100_000_000, 2_000_000_000],
                       "smallest_input": [100_000_000, 30_000_000, 120_000_000]})  # fmt: skip
    con.register("p", pinned)
    head, tail = "2 outputs, paid from {} inputs of 2 different p2pkh and p2wpkh scripts; ", (
        " Possibly two owners: the inputs are not merged.")  # fmt: skip
    assert [r[0] for r in con.execute(f"SELECT {words_sql.rendered(words)} FROM p").fetchall()] == [
        head.format(3) + "the smaller output (12,345.67890123 LTC) is at least the smallest input (1 LTC), so "
        "whichever output is the payment, one input was not needed to pay it (the unnecessary-input heuristic, "
        "Ghesmati et al. 2021). A wallet paying alone rarely adds such a coin; the receiver of a PayJoin (BIP78) "
        "adds exactly one." + tail,
        head.format(2) + "the two inputs are of different script types and each output is of one of them: as if two "
        "owners, each of its own address type, were each paid back in it (a PayJoin's sender and receiver)." + tail,
        head.format(4) + "the larger output (20 LTC) is larger than the smallest input (1.2 LTC), so it could hold "
        "that coin plus a payment: the shape of a PayJoin (BIP78), in which the payee adds a coin of its own and takes "
        "it back with the payment. One owner paying with several coins looks exactly the same; nothing in the "
        "transaction tells the two apart." + tail,
    ]
    three = pa.table({"reason": pa.array([1], pa.int8()), "inputs": [3], "scripts": [3],
                      "kinds": [["p2sh", "p2wpkh", "p2tr"]], "smaller": [2_500], "larger": [100_000_000],
                      "smallest_input": [30_000_000]})  # fmt: skip
    con.register("t", three)
    listed = "2 outputs, paid from 3 inputs of 3 different p2sh, p2wpkh and p2tr scripts; "  # a sentence's list
    assert con.execute(f"SELECT {words_sql.rendered(words)} FROM t").fetchone()[0].startswith(listed)
    assert words.render(1, {c: three.column(c)[0].as_py() for c in names}).startswith(listed)


def test_words_refuse_a_field_sql_would_render_otherwise():
    """A format spec or conversion in a set's words would pad or quote in Python and not in SQL: refused."""
    import pytest

    from cointrail.amounts import chain_unit
    from cointrail.domain import Words

    unit = chain_unit("litecoin")
    assert Words(("paid {smaller} from {inputs} inputs",), unit, amounts=("smaller",)).pieces(0) == [
        ("paid ", "smaller"), (" from ", "inputs"), (" inputs", None)]  # fmt: skip
    for text, shown in (("{inputs:>8} inputs", "{inputs:>8}"), ("{kinds!r}", "{kinds!r}"), ("{}", "{}"),
                        ("{kinds[0]}", "{kinds[0]}")):  # fmt: skip
        with pytest.raises(ValueError, match="only a bare name") as refused:
            Words(("ok {inputs}", text), unit)
        assert f"reason 1 have the field {shown}" in str(refused.value)


def _payjoin_like(chain: ChainBuilder, first: int, count: int, tag: str) -> None:
    """A block of ``count`` two-input payments from coins ``first``.. of "fund" (even ``first``): one output larger
    than an input (the PayJoin sign); every third from a p2wpkh and a p2pkh coin, paying one output of each type
    (the paired types, a stronger sign)."""
    txs = []
    for k in range(count):
        spends = [("fund", first + 2 * k), ("fund", first + 2 * k + 1)]
        if k % 3 == 0:
            chain.kinds[f"o{tag}{k}"] = "p2pkh"
        smaller = COIN // (k + 3)
        txs.append(chain.tx(f"{tag}{k}", spends, [(f"o{tag}{k}", smaller), (f"r{tag}{k}", 2 * COIN - smaller - 900)]))
    chain.block(*txs)


def _fund_payers(chain: ChainBuilder) -> None:
    """40 coins, every sixth from 1 at a p2pkh address (the second input of every third _payjoin_like payment)."""
    for i in range(1, 40, 6):
        chain.kinds[f"c{i}"] = "p2pkh"
    _fund(chain, *(f"c{i}" for i in range(40)))


def _collaborative(chain: ChainBuilder) -> list[tuple]:
    return chain.store.con.execute("SELECT * FROM collaborative_txs").fetchall()


def test_payjoin_evidence_is_kept_as_numbers_and_read_as_the_same_words(chain: ChainBuilder):
    """The ~10^5 PayJoin-like payments of a chain keep a reason code and numbers (facts_payjoin), not text:
    ``collaborative_txs`` renders them on read, the same rows as the rule's words rendered in Python, through a full
    build and an incremental one, and the transaction page reads the same evidence. Fails on the old code, which
    kept the text (no facts_payjoin)."""
    from cointrail.clustering.heuristics import find_detections
    from cointrail.store.duckdb.arrays import DuckDBLedgerArrays
    from cointrail.store.duckdb.queries import tx_coinjoin

    _fund_payers(chain)
    _payjoin_like(chain, 0, 12, "a")
    heuristics = parse_heuristics("multi-input")
    assert build_clusters(chain.store, heuristics)["collaborative_total"] == 12
    _payjoin_like(chain, 24, 8, "b")
    summary = build_clusters(chain.store, heuristics)
    assert summary["mode"] == "incremental" and summary["collaborative_total"] == 20
    con = chain.store.con
    assert con.execute("SELECT count(*) FROM facts_payjoin").fetchone() == (20,)
    text = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'facts_payjoin' AND "
                       "data_type = 'VARCHAR'").fetchall()  # fmt: skip
    assert sorted(text) == [("chain",), ("network",)]  # no words stored: only codes and numbers
    _, found = find_detections(DuckDBLedgerArrays(con), 0, chain.height, "litecoin")
    expected = [("litecoin", "regtest", f.tx_id, f.rule, f.evidence, f.participants) for f in found]
    assert _collaborative(chain) == expected
    assert con.execute("SELECT list(DISTINCT reason ORDER BY reason) FROM facts_payjoin").fetchone() == ([1, 2],)
    tx = con.execute("SELECT txid FROM transactions WHERE tx_id = ?", [expected[-1][2]]).fetchone()[0]
    page = tx_coinjoin(chain.store, bytes(tx)[::-1].hex())
    assert page == {"kind": "collaborative", "rule": "payjoin", "evidence": expected[-1][4], "participants": 2}
    build_clusters(chain.store, heuristics, full=True)
    assert _collaborative(chain) == expected


def test_a_store_that_kept_collaborative_text_keeps_it_and_adds_numbers(chain: ChainBuilder):
    """A store clustered before the view holds ``collaborative_txs`` as a table of text: the next incremental build
    keeps those rows as they are (renamed collaborative_found) and reads the same as a store built now."""
    _fund_payers(chain)
    _payjoin_like(chain, 0, 12, "a")
    heuristics = parse_heuristics("multi-input")
    build_clusters(chain.store, heuristics)
    con = chain.store.con
    con.execute("CREATE TABLE kept AS SELECT * FROM collaborative_txs")  # the layout of stop 33: text in a table
    con.execute("DROP VIEW collaborative_txs")
    con.execute("DROP TABLE facts_payjoin")
    con.execute("DROP TABLE collaborative_found")
    con.execute("ALTER TABLE kept RENAME TO collaborative_txs")
    assert chain.store.has_table("collaborative_txs")
    _payjoin_like(chain, 24, 8, "b")
    assert build_clusters(chain.store, heuristics)["mode"] == "incremental"
    assert con.execute("SELECT count(*) FROM collaborative_found").fetchone() == (12,)
    incremental = _collaborative(chain)
    build_clusters(chain.store, heuristics, full=True)
    assert _collaborative(chain) == incremental and len(incremental) == 20
    assert con.execute("SELECT count(*) FROM collaborative_found").fetchone() == (0,)


def test_a_build_asks_for_the_payjoin_sign_once_for_all_its_blocks(chain: ChainBuilder, monkeypatch):
    """The PayJoin SQL joins the whole addresses table: a build runs it once over the blocks it reads, not once per
    range (20 on a long chain), and finds the same payments. Fails on the old code (one query per range)."""
    from cointrail.store.duckdb.arrays import DuckDBLedgerArrays

    asked: list[tuple[int, int]] = []
    real = DuckDBLedgerArrays.payjoin_signs
    monkeypatch.setattr(DuckDBLedgerArrays, "payjoin_signs",
                        lambda self, lo, hi, most: asked.append((lo, hi)) or real(self, lo, hi, most))  # fmt: skip
    _fund_payers(chain)
    for k in range(4):
        _payjoin_like(chain, 8 * k, 4, f"p{k}")
    summary = build_clusters(chain.store, parse_heuristics("multi-input"))
    assert asked == [(0, chain.height)] and summary["collaborative_total"] == 16
    assert len({row[2] for row in _collaborative(chain)}) == 16
