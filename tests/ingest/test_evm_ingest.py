"""Ethereum ingest on a real anvil (issue 16): balances close against the node, tokens from the curated list only,
issuer actions kept, poisoning flagged, both trace styles agree, case-scoped ingest fetches only what it needs,
eth_getLogs windows halve on refusal, and a forged answer is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evm_proxy import proxy as _proxy
from loopback import serving

from cointrail.chains.ethereum import abi
from cointrail.chains.ethereum.sources.rpc import EvmRpcError, EvmRpcSource, NodeHead
from cointrail.chains.ethereum.verify import EvmVerificationError
from cointrail.cli import main
from cointrail.errors import ExternalServiceError, InputError
from cointrail.ingest.evm import ingest_evm
from cointrail.simulation import anvil as chain
from cointrail.store.duckdb.account import NOT_SENDER, TOO_LARGE, ZERO_VALUE, AccountStore

pytestmark = [pytest.mark.anvil, pytest.mark.skipif(chain.anvil_binary() is None, reason="anvil missing: "
                                                    "run scripts/evm-tools.sh")]  # fmt: skip
START = 10_000 * 10**18  # anvil's default balance of each account


@pytest.fixture(scope="module")
def node() -> Iterator[tuple[chain.Anvil, dict[str, str]]]:
    """A small chain: USDT issued and paid, a batched withdrawal (internal calls), a reverted one, poisoning,
    a blacklisted account's funds destroyed."""
    with chain.Anvil(accounts=6) as anvil:
        issuer, exchange, alice, bob, mallory, quiet = anvil.accounts()
        usdt = chain.place_usdt(anvil, issuer)
        usdc = chain.place_usdc(anvil, issuer)
        batch = chain.deploy(anvil, exchange, "BatchSender")
        poisoner = chain.deploy(anvil, mallory, "Poisoner")
        ending = chain.deploy(anvil, exchange, "SelfDestructing")
        pay = "send(address[],uint256[])"
        chain.send(anvil, issuer, usdt, data=abi.call_data("issue(uint256)", 10**12))
        chain.send(anvil, issuer, usdt, data=abi.call_data("transfer(address,uint256)", alice, 50_000_000))
        chain.send(anvil, issuer, usdc, data=abi.call_data("mint(address,uint256)", alice, 70_000_000))
        chain.send(anvil, exchange, batch, 3 * 10**18, abi.call_data(pay, [alice, bob], [10**18, 2 * 10**18]), 300_000)
        chain.send(anvil, exchange, batch, 3 * 10**18, abi.call_data(pay, [alice, bob], [10**18, 3 * 10**18]), 300_000)
        anvil.mine()
        chain.send(anvil, alice, bob, 10**17)
        chain.send(anvil, alice, usdt, data=abi.call_data("transfer(address,uint256)", bob, 20_000_000))
        chain.send(anvil, mallory, poisoner, data=abi.call_data("zeroTransferFrom(address,address,address)", usdt,
                                                                alice, mallory))  # fmt: skip
        chain.send(anvil, mallory, poisoner, data=abi.call_data("spoof(address,address[],uint256)", alice, [bob],
                                                                20_000_000))  # fmt: skip
        anvil.mine()
        chain.send(anvil, issuer, usdt, data=abi.call_data("addBlackList(address)", bob))
        chain.send(anvil, issuer, usdt, data=abi.call_data("destroyBlackFunds(address)", bob))
        chain.send(anvil, alice, usdc, data=abi.call_data("transfer(address,uint256)", mallory, 30_000_000))
        chain.send(anvil, issuer, usdc, data=abi.call_data("blacklist(address)", mallory))
        chain.send(anvil, exchange, ending, 7 * 10**17, gas=60_000)
        anvil.mine()
        chain.send(anvil, exchange, ending, data=abi.call_data("end(address)", mallory))  # its ether, by a trace only
        anvil.mine(2)
        yield anvil, {"issuer": issuer, "exchange": exchange, "alice": alice, "bob": bob, "mallory": mallory,
                      "quiet": quiet, "usdt": usdt, "usdc": usdc, "batch": batch,
                      "ending": ending}  # fmt: skip


def _ingest(db: Path, url: str, *args: str) -> dict[str, Any]:
    return main(["ingest", "--chain", "ethereum", "--network", "devnet", "--rpc", url, "--db", str(db), *args])


def test_range_ingest_closes_every_balance(node, tmp_path, capsys):
    anvil, who = node
    db = tmp_path / "eth.duckdb"
    assert _ingest(db, anvil.url, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "range" and report["blocks_fetched"] == anvil.height() + 1
    with AccountStore.open(db, read_only=True) as store:
        for name in ("issuer", "exchange", "alice", "bob", "mallory", "quiet"):
            address = who[name]
            balances = store.balances(address)
            assert START + balances["ETH"] == int(anvil.rpc("eth_getBalance", address, "latest"), 16), name
            for symbol in ("USDT", "USDC"):
                on_chain = anvil.rpc("eth_call", {"to": who[symbol.lower()], "data": abi.call_data(
                    "balanceOf(address)", address)}, "latest")  # fmt: skip
                assert balances.get(symbol, 0) == int(on_chain, 16), (name, symbol)
        internal = store.rows("SELECT receiver, value, failed FROM evm_value_transfers WHERE kind = 'call'")
        assert sorted((r["value"], r["failed"]) for r in internal) == [
            (10**18, False), (10**18, True), (2 * 10**18, False), (3 * 10**18, True)]
        ended = store.rows("SELECT sender, receiver, value FROM evm_value_transfers WHERE kind = 'selfdestruct'")
        assert ended == [{"sender": who["ending"], "receiver": who["mallory"], "value": 7 * 10**17}]
        flagged = {(r["symbol"], r["poisoning"]) for r in store.token_moves(include_poisoning=True)} - {None}
        # the spoofed log came from a contract not on the list, so is not stored; USDC's mint logs a Transfer from
        # the zero address in a transaction the issuer sent: it moved tokens, so balances count it, never a payment
        assert {f for f in flagged if f[1]} == {("USDT", ZERO_VALUE), ("USDC", NOT_SENDER)}
        assert [r["value"] for r in store.token_moves(who["alice"])] == [50_000_000, 20_000_000, 30_000_000]
        assert [(a["symbol"], a["action"]) for a in store.issuer_actions()] == [
            ("USDT", "Issue"), ("USDT", "AddedBlackList"), ("USDT", "DestroyedBlackFunds"), ("USDC", "Blacklisted")]
        assert store.issuer_actions(who["mallory"])[0]["action"] == "Blacklisted"
        assert store.rows("SELECT bool_and(hash_recomputed AND tx_hashes_recomputed) AS ok FROM evm_blocks")[0]["ok"]
    capsys.readouterr()
    assert main(["cluster", "build", "--db", str(db)]) == 2  # a Bitcoin-family command refuses it, saying why
    assert "an account chain" in capsys.readouterr().err


def test_geth_traces_give_the_same_transfers(node, tmp_path):
    anvil, _ = node
    found = []
    for style in ("parity", "geth"):
        assert _ingest(tmp_path / f"{style}.duckdb", anvil.url, "--trace-style", style) == 0
        with AccountStore.open(tmp_path / f"{style}.duckdb", read_only=True) as store:
            found.append(store.rows("SELECT * EXCLUDE (chain, network) FROM evm_value_transfers ORDER BY ALL"))
    assert found[0] == found[1] and found[0]


def test_case_scoped_ingest_fetches_only_the_blocks_touching_the_addresses(node, tmp_path, capsys):
    anvil, who = node
    db = tmp_path / "scoped.duckdb"
    assert _ingest(db, anvil.url, "--around", who["bob"], "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "addresses" and report["blocks_fetched"] == 3  # withdrawals, payments, blacklist
    assert _ingest(db, anvil.url, "--around", who["quiet"], "--json") == 0
    assert json.loads(capsys.readouterr().out)["blocks_fetched"] == 0
    with AccountStore.open(db, read_only=True) as store:
        coverage = store.coverage()
    assert [c["addresses"] for c in coverage] == [[who["bob"]], [who["quiet"]]]
    assert coverage[0]["client_version"].startswith("anvil/") and coverage[0]["chain_id"] == 31337
    assert "traces" in coverage[0]["trusted"]


def test_log_windows_halve_when_the_node_refuses_a_range(node):
    anvil, who = node
    asked: list[int] = []

    def cap(request: dict[str, Any], answer: Any = None) -> Any:
        if request["method"] == "eth_getLogs" and answer is None:
            query = request["params"][0]
            span = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
            asked.append(span)
            if span > 2:  # as public providers refuse wide ranges, each in its own words
                return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32005, "message": "range too large"}}
        return None

    with serving(_proxy(anvil.url, cap)) as url, EvmRpcSource(url) as source:
        logs = source.logs(0, anvil.height(), who["usdt"])
    assert [int(log["logIndex"], 16) for log in logs if log["topics"][0] == abi.topic("Issue(uint256)")] == [0]
    assert len(logs) == len(anvil.rpc("eth_getLogs", {"fromBlock": "0x0", "address": who["usdt"]}))
    assert max(asked) > 2 and min(asked) <= 2


def test_the_head_is_asked_in_one_batch_or_call_by_call_where_batches_are_refused(node):
    anvil, _ = node
    want = NodeHead(anvil.height(), 0, anvil.rpc("web3_clientVersion"), 31337)  # anvil's finalized block is 0
    keep = lambda request, answer=None: None  # noqa: E731
    seen: list[str] = []
    with serving(_proxy(anvil.url, keep, seen=seen)) as url, EvmRpcSource(url) as source:
        assert source.head() == want
        assert seen == ["batch"]  # the four questions in one request
        answers = source.call_batch([("eth_chainId", ()), ("no_such_method", ())])
    assert answers[0] == "0x7a69" and isinstance(answers[1], EvmRpcError) and answers[1].code == -32601
    one_by_one = ["batch", "eth_blockNumber", "eth_getBlockByNumber", "web3_clientVersion", "eth_chainId"]
    for refusing in (False, "each"):  # one error for the batch, or one for each of its calls
        seen.clear()
        with serving(_proxy(anvil.url, keep, batches=refusing, seen=seen)) as url, EvmRpcSource(url) as source:
            assert source.head() == want
        assert seen == one_by_one, refusing
    html = r"HTTP 403 with something that is not JSON-RPC \('<html><body><h1>403 Forbidden.*API key"
    with serving(_proxy(anvil.url, keep, batches="html")) as url, EvmRpcSource(url) as source, \
            pytest.raises(ExternalServiceError, match=html):  # fmt: skip
        source.head()


def test_a_forged_transaction_is_refused(node):
    anvil, _ = node

    def forge(request: dict[str, Any], answer: Any = None) -> Any:
        if answer is not None and answer["result"]["transactions"]:
            answer["result"]["transactions"][0]["value"] = hex(10**24)
            return answer
        return None

    with serving(_proxy(anvil.url, forge)) as url, EvmRpcSource(url) as source, pytest.raises(EvmVerificationError):
        source.block(2)


def test_a_forged_block_in_a_pipelined_range_stores_nothing_and_connections_stay_few(node, tmp_path):
    anvil, _ = node

    def forge(request: dict[str, Any], answer: Any = None) -> Any:
        if answer is not None and request["method"] == "eth_getBlockByNumber" and request["params"][0] == "0x2":
            answer["result"]["transactions"][0]["value"] = hex(10**24)
            return answer
        return None

    db = tmp_path / "forged.duckdb"
    with serving(_proxy(anvil.url, forge)) as url, EvmRpcSource(url) as source, \
            AccountStore.open(db, "ethereum", "devnet") as store:  # fmt: skip
        with pytest.raises(EvmVerificationError):
            ingest_evm(store, source)  # blocks asked for ahead of block 2's check: none of them is kept
        assert store.rows("SELECT count(*) AS n FROM evm_blocks") == [{"n": 0}]
    with EvmRpcSource(anvil.url) as source:
        for round_ in range(3):  # as a watch run does at each new tip
            with AccountStore.open(tmp_path / f"again{round_}.duckdb", "ethereum", "devnet") as store:
                ingest_evm(store, source)
        assert len(source._clients) <= 1  # each ingest's fetch threads closed their connections


def test_not_sender_rule_words():
    assert "approved spender" in NOT_SENDER


def test_a_reorg_of_blocks_not_final_is_read_again(tmp_path):
    with chain.Anvil(accounts=3) as anvil:
        alice, bob, carol = anvil.accounts()
        snapshot = anvil.rpc("evm_snapshot")
        chain.send(anvil, alice, bob, 10**18)
        anvil.mine()
        db = tmp_path / "reorg.duckdb"
        assert _ingest(db, anvil.url) == 0
        anvil.rpc("evm_revert", snapshot)  # the chain changes under the stored block 1
        chain.send(anvil, alice, carol, 2 * 10**18)
        anvil.mine(2)
        assert _ingest(db, anvil.url) == 0
        with AccountStore.open(db, read_only=True) as store:
            moved = [(r["receiver"], r["value"]) for r in store.ether_moves()]
            stored = {r["number"]: r["hash"] for r in store.rows("SELECT number, hash FROM evm_blocks")}
        assert moved == [(carol, 2 * 10**18)]
        assert stored == {n: anvil.rpc("eth_getBlockByNumber", hex(n), False)["hash"] for n in range(3)}


def test_case_scoped_ingest_on_a_node_without_trace_filter_says_what_to_do(node, tmp_path, capsys):
    anvil, who = node

    def no_traces(request: dict[str, Any], answer: Any = None) -> Any:
        if answer is None and request["method"] == "trace_filter":  # as geth answers: no such method
            return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "method not found"}}
        return None

    with serving(_proxy(anvil.url, no_traces)) as url:
        assert _ingest(tmp_path / "x.duckdb", url, "--around", who["bob"]) == 3
    assert "--from-block" in capsys.readouterr().err


def test_each_store_is_written_as_its_own_columns_say(tmp_path):
    """The columns an insert writes are read from each store, not once for every store of the process: a store
    laid out otherwise (another version's) is refused by name, not written wrongly or with a bare KeyError."""
    key = ["ethereum", "devnet", "0x" + "11" * 20, "02" + "ab" * 32, "0x" + "22" * 32, 7]
    with AccountStore.open(tmp_path / "today.duckdb", "ethereum", "devnet") as store:
        store._insert("evm_keys", [key])
        assert store.rows("SELECT block_number FROM evm_keys") == [{"block_number": 7}]
    for extra, refused in (("DOUBLE", r"evm_keys\.seen of type DOUBLE, which this version of cointrail does not"),
                           ("VARCHAR", r"7 columns in evm_keys \(chain, .*, seen\), this version of cointrail "
                                       "writes 6")):  # fmt: skip
        with AccountStore.open(tmp_path / f"other-{extra}.duckdb", "ethereum", "devnet") as store:
            store.con.execute(f"ALTER TABLE evm_keys ADD COLUMN seen {extra}")
        with AccountStore.open(tmp_path / f"other-{extra}.duckdb") as store, pytest.raises(InputError, match=refused):
            store._insert("evm_keys", [key])


# Hand-assembled runtime code (no compiler needed) a fork can place at a listed token's address. LOG3: calldata
# words topic0, topic1, topic2, data; LOG1: words topic0, data. Each emits that one log and stops.
LOG3 = "0x606035600052604035602035600035602060" + "00a300"
LOG1 = "0x602035600052600035602060" + "00a100"
UINT256_MAX = 2**256 - 1


def _log_call(*words: int | str) -> str:
    return "0x" + "".join(abi.word(w).hex() for w in words)


def test_an_amount_no_token_could_have_is_stored_exactly_never_counted(tmp_path, capsys):
    """A Transfer log of uint256's largest amount (a poisoning trick: any contract at a listed token's address can
    log one, on a fork) and one of 10^37 twice (each fits HUGEINT; their sum does not): the ingest keeps every row,
    the amount exactly, and nothing counts or sums it. The old code's insert failed on the first (beyond
    DECIMAL(38)), and its address totals on the second pair (HUGEINT overflow)."""
    from cointrail.cases import create_case
    from cointrail.facts import collect_facts

    with chain.Anvil(accounts=4) as anvil:
        issuer, site, payer, mallory = anvil.accounts()
        chain.place_contract(anvil, chain.USDT_MAINNET, LOG3)
        chain.place_contract(anvil, chain.USDC_MAINNET, LOG1)
        usdt, usdc, transfer = chain.USDT_MAINNET.lower(), chain.USDC_MAINNET.lower(), abi.topic(
            "Transfer(address,address,uint256)")  # fmt: skip
        chain.send(anvil, payer, usdt, data=_log_call(transfer, payer, site, 25_000_000))  # a payment
        chain.send(anvil, mallory, usdt, data=_log_call(transfer, mallory, site, UINT256_MAX))
        chain.send(anvil, mallory, usdt, data=_log_call(transfer, mallory, site, 10**37))
        chain.send(anvil, mallory, usdt, data=_log_call(transfer, mallory, site, 10**37))
        chain.send(anvil, issuer, usdc, data=_log_call(abi.topic("Issue(uint256)"), UINT256_MAX))
        anvil.mine()
        db = tmp_path / "eth.duckdb"
        assert _ingest(db, anvil.url) == 0
    capsys.readouterr()
    with AccountStore.open(db, read_only=True) as store:
        stored = store.rows("SELECT value, value_text, poisoning FROM evm_token_transfers ORDER BY tx_hash")
        assert sorted((r["value"], r["value_text"]) for r in stored if r["value"] is not None) == [(25_000_000, None)]
        assert sorted(r["value_text"] for r in stored if r["value"] is None) == [str(10**37)] * 2 + [str(UINT256_MAX)]
        assert {r["poisoning"] for r in stored} == {None, TOO_LARGE}
        assert store.rows("SELECT amount, amount_text FROM evm_issuer_actions") == [
            {"amount": None, "amount_text": str(UINT256_MAX)}]
        assert store.balances(site) == {"ETH": 0, "USDT": 25_000_000}
        assert sorted(r["value"] for r in store.poisoning_of(site)) == [10**37, 10**37, UINT256_MAX]
    assert main(["address-info", site, "--db", str(db), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [(a["asset"], a["received"]) for a in info["assets"]] == [("USDT", 25_000_000)]
    assert sorted(p["value"] for p in info["suspected_poisoning"]) == [10**37, 10**37, UINT256_MAX]
    assert main(["address-info", site, "--db", str(db)]) == 0
    told = capsys.readouterr().out
    assert told.count(f"suspected poisoning, not counted: USDT {mallory}") == 3 and TOO_LARGE in told
    assert main(["payers", "--site", site, "--db", str(db), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(p["address"], p["total"]) for p in found["payers"]] == [(payer, 25_000_000)]
    assert sorted(p["value"] for p in found["poisoning"]) == [10**37, 10**37, UINT256_MAX]
    assert {p["reason"] for p in found["poisoning"]} == {TOO_LARGE}
    case = create_case("huge", root=tmp_path / "cases", operator="Test Operator")
    with AccountStore.open(db, read_only=True) as store:
        listed = collect_facts(case, store, site=[site]).findings["payers"]["poisoning"]
    exact = f"{UINT256_MAX // 10**6}.{UINT256_MAX % 10**6:06d}"  # USDT's 6 decimals, every digit
    assert [p["amount_coin"] for p in listed if p["amount"] == UINT256_MAX] == [exact]
    assert {p["reason"] for p in listed} == {TOO_LARGE}


def test_a_version_1_store_reads_as_before_and_gains_the_exact_text_when_written(tmp_path):
    """A store made before amounts too large to count were kept as text: read-only it answers as it did (it holds
    none); opened to write it gains the two columns, and its value column takes NULL."""
    db = tmp_path / "v1.duckdb"
    row = ["ethereum", "devnet", "0x" + "ab" * 20, "USDT", 6, "0x" + "01" * 32, 3, 0, 9, "0x" + "11" * 20,
           "0x" + "22" * 20, 5_000_000, "0x" + "11" * 20, True, None]  # fmt: skip
    with AccountStore.open(db, "ethereum", "devnet") as store:
        store.con.execute("ALTER TABLE evm_token_transfers DROP COLUMN value_text;"
                          "ALTER TABLE evm_token_transfers ALTER value SET NOT NULL;"
                          "ALTER TABLE evm_issuer_actions DROP COLUMN amount_text;"
                          "UPDATE meta SET value = '1' WHERE key = 'schema_version'")  # fmt: skip
        store._described = None
        store._insert("evm_token_transfers", [row])
    with AccountStore.open(db, read_only=True) as store:
        assert [(r["value"], r["too_large"]) for r in store.token_moves()] == [(5_000_000, False)]
        assert store.issuer_actions() == [] and store.poisoning_of(row[9]) == []
    with AccountStore.open(db) as store:
        assert store.rows("SELECT value FROM meta WHERE key = 'schema_version'") == [{"value": "2"}]
        store._insert("evm_token_transfers", [[*row[:7], 1, *row[8:11], None, row[12], True, TOO_LARGE, "9" * 80]])
        assert [(r["value"], r["too_large"]) for r in store.token_moves(include_poisoning=True)] == [
            (5_000_000, False), (int("9" * 80), True)]
        assert store.balances(row[10]) == {"ETH": 0, "USDT": 5_000_000}
