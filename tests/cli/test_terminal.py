"""Every command as a person runs it (issue 13): in a terminal, colours and progress bars on, on the demo case
and on real mainnet blocks; no internal error anywhere, and the text says what ``--json`` says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from session import GENESIS_COINBASE, JOBS, OPERATOR, Session, demo_facts, json_answer, mainnet_job

from cointrail.amounts import format_amount
from cointrail.cases import open_case
from cointrail.cli.cluster_cmd import render_build
from cointrail.times import format_time
from cointrail.wording import counted

pytestmark = [pytest.mark.slow, pytest.mark.node]


@pytest.fixture(scope="module")
def session(forkserver, demo_case, request, tmp_path_factory: pytest.TempPathFactory) -> Session:
    try:
        blocks: Path | None = request.getfixturevalue("mainnet_blocks")
    except pytest.skip.Exception:  # ../shared/data absent: the demo case alone (the mainnet test says why)
        blocks = None
    s = Session(tmp_path_factory.mktemp("terminal"), forkserver)
    s.facts = demo_facts(demo_case, s.tmp)
    s.screens["demo"], s.allowed["demo"] = demo_case.screen, (0,)
    s.run_jobs([*JOBS, mainnet_job(blocks)])
    return s


def test_no_command_crashes_in_a_terminal(session):
    crashed = [screen.describe() for screen in session.screens.values() if screen.crashed()]
    assert not crashed, "\n\n".join(crashed)


def test_every_command_ends_with_its_documented_exit_code(session):
    wrong = [f"{name}: {screen.describe()}" for name, screen in session.screens.items()
             if screen.returncode not in session.allowed[name]]  # fmt: skip
    assert not wrong, "\n\n".join(wrong)


def test_no_text_leaks_a_programmers_value(session):
    """What a person reads never shows Python's None, a dict, or amounts in base units (issue 13)."""
    leaks = re.compile(r"\bNone\b(?! of)|\{'|\bbase units\b|\bnan\b")
    shown = {name: leaks.findall(screen.text) for name, screen in session.screens.items()}
    assert not {name: found for name, found in shown.items() if found}


def test_colours_and_progress_bars_are_on(session):
    assert session.screens["ingest --blocks"].coloured  # rich saw a terminal
    assert "ingest heights 0–" in session.screens["ingest --blocks"].text  # its progress bar
    assert "━" in session.screens["payers --case"].text  # the payers' progress bar was drawn


def test_cluster_build_in_a_terminal_draws_its_bar_and_reports(session):
    text = session.screens["cluster build"].text
    assert "clustering blocks" in text and "Clustered litecoin regtest blocks 0–" in text
    answer = json_answer("cluster", "build", "--db", session.facts["fresh"])  # nothing new: the same clusters
    assert f"{answer['addresses']:,} addresses in {answer['clusters']:,} clusters" in text
    again = render_build(answer)  # that run had no block to read: it says so, not "blocks 129–128"
    assert again.startswith(f"Nothing new to cluster: litecoin regtest blocks through {answer['through_height']} ")


def test_address_info_gives_coins_and_utc_times_as_its_json(session):
    text = session.screens["address-info"].text
    info = json_answer("address-info", session.facts["site"], "--db", session.facts["db"])
    for key in ("received", "sent", "balance"):
        assert f"{key}:".ljust(10) + format_amount(info[key], "litecoin") in text
    first = info["first_seen"]
    assert f"first seen: {format_time(first['time'], first['height'])}, transaction {first['txid']}" in text
    assert "base units" not in text and "LTC" in text


def test_tx_shows_a_coinbase_and_a_payment_with_the_amounts_of_its_json(session):
    for name, txid in (("tx coinbase", session.facts["coinbase"]), ("tx", session.facts["payment"])):
        text = session.screens[name].text
        tx = json_answer("tx", txid, "--db", session.facts["db"])
        assert f"paid out {format_amount(tx['output_total'], 'litecoin')}" in text
        for output in tx["outputs"]:
            assert f"{output['n']}: {output['address'] or '(' + output['type'] + ')'}  " \
                   f"{format_amount(output['value'], 'litecoin')}" in text  # fmt: skip
    assert "coinbase (newly mined coins" in session.screens["tx coinbase"].text


def test_block_text_agrees_with_its_json(session):
    block = json_answer("block", "1", "--db", session.facts["db"])
    text = session.screens["block"].text
    assert f"time {format_time(block['time'])}, {counted(block['tx_count'], 'transaction')}," in text
    assert all(txid in text for txid in block["txids"])


def test_cluster_show_gives_its_totals_in_coins(session):
    f = session.facts
    item = json_answer("cluster", "show", f["site"], "--db", f["db"])
    totals, text = item["totals"], session.screens["cluster show"].text
    assert f"cluster {item['cluster_id']} of {item['size']:,} address" + ("" if item['size'] == 1 else "es") in text
    received, sent = (format_amount(totals[k], "litecoin") for k in ("received", "sent"))
    assert f"received {received}, sent {sent}" in text
    assert f"Why {f['member']} is in this cluster:" in text or f["member"] == f["site"]


def test_trace_counts_and_amounts_agree_with_its_json(session):
    data = json_answer("trace", session.facts["site"], "--db", session.facts["db"])
    text = session.screens["trace"].text
    nodes, edges = counted(len(data["nodes"]), "address", "addresses"), counted(len(data["edges"]), "flow")
    assert f"{nodes}, {edges}" in text
    assert f"({format_amount(data['start']['amount'], 'litecoin')})" in text and " coins" not in text
    for reason, value in data["totals"]["by_reason"].items():
        assert f"  {reason}: {format_amount(value, 'litecoin')}" in text


def test_payers_of_the_case_leave_out_the_other_chain_and_say_so(session):
    f = session.facts
    data = json_answer("payers", "--db", f["db"], "--case", f["case"], "--cases-dir", f["cases"])
    text = session.screens["payers --case"].text
    totals = data["totals"]
    assert f"{totals['payments']} payments ({format_amount(totals['amount'], 'litecoin')}" in text
    assert f"from {totals['payers']} payers" in text and " coins" not in text
    assert f["left_out"] and [i["address"] for i in data["site"]["from_case"]["left_out"]] == f["left_out"]
    assert "left out: the store holds litecoin regtest" in text
    assert not set(f["left_out"]) & set(data["site"]["addresses"])


def test_verify_text_agrees_with_its_json(session):
    f = session.facts
    report = json_answer("verify", "--case", f["case"], "--cases-dir", f["cases"])
    assert report["intact"] and str(report["files_checked"]) in session.screens["verify"].text


def test_a_capture_without_operator_is_logged_under_the_case_operator(session):
    case = open_case("second", session.tmp / "cases")
    actors = {entry["operator"] for entry in case.log.entries()}
    assert actors == {OPERATOR}, actors
    assert f"by {OPERATOR}" in session.screens["capture"].text
    assert "1 investigator label of case second given to" in session.screens["label rebuild"].text


def test_a_store_without_blocks_says_so_for_every_question(session):
    for name in ("address-info", "tx", "block", "cluster show", "trace", "payers"):
        text = session.screens[f"{name} on an empty store"].text
        assert "holds no blocks yet: run cointrail ingest --chain litecoin --network regtest" in text, text
        assert "never appears" not in text


def test_a_failed_first_ingest_leaves_no_store_behind(session):
    assert not Path(session.facts["failed"]).exists()
    assert "there is no ledger store" in session.screens["address-info after failed ingest"].text


def test_serve_prints_its_address_and_stops_on_ctrl_c(session):
    assert re.search(r"Open http://127\.0\.0\.1:\d+", session.screens["serve"].text)


def test_real_mainnet_blocks_ingest_and_read_back_in_a_terminal(session, shared_data):
    text = session.screens["mainnet tx genesis coinbase"].text
    tx = json_answer("tx", GENESIS_COINBASE, "--db", str(session.tmp / "mainnet.duckdb"))
    assert "coinbase (newly mined coins" in text and "50 BTC" in text and tx["outputs"][0]["value"] == 50 * 10**8
    assert "time 2009-01-03T18:15:05Z, 1 transaction," in session.screens["mainnet block 0"].text
    assert "The store now holds heights 0 to 1." in session.screens["mainnet ingest"].text
    assert "Links recorded: none" in session.screens["mainnet cluster build"].text  # said, not left blank


def test_the_demo_tells_its_story_in_a_terminal(session):
    text = session.screens["demo"].text
    for words in ("Step 1: the chain", "zero-width", "who paid the site", "funded by Demo Exchange",
                  "Ask Demo Exchange", "request pack:", ".report.html", "intact", "caught by verify"):  # fmt: skip
        assert words in text, words
    assert "… Capturing the site" in text  # its progress lines, on the same terminal
