"""``cointrail trace`` on a hand-made chain: JSON with the documented fields, text for people, clear errors."""

from __future__ import annotations

import json

from cointrail.cli import main

EDGE_FIELDS = {"from", "to", "txid", "time", "height", "hop", "amount", "taint", "taint_share", "amount_coin",
               "taint_coin"}  # fmt: skip
END_FIELDS = {"address", "txid", "hop", "taint", "reason", "explanation", "service", "category"}


def test_trace_json_has_the_documented_fields(flow, capsys):
    db = str(flow.store.path)
    flow.close()
    assert main(["trace", flow.address("src"), "--db", db, "--hops", "3", "--model", "fifo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["start"]["kind"] == "address" and data["model"]["name"] == "fifo"
    assert all(set(edge) >= EDGE_FIELDS for edge in data["edges"]) and data["edges"]
    assert all(set(end) >= END_FIELDS for end in data["ends"])
    assert data["totals"]["by_reason"] == {"unspent": 30 * 10**8 + 1_867_500_000}


def test_trace_text_and_backward_from_a_transaction(flow, capsys):
    db = str(flow.store.path)
    txid = flow.txids["t2"][::-1].hex()
    flow.close()
    assert main(["trace", txid, "--db", db, "--direction", "backward", "--hops", "3"]) == 0
    text = capsys.readouterr().out
    assert "Trace backward from transaction" in text and "origin" in text


def test_trace_of_an_unknown_transaction_is_a_clear_error(flow, capsys):
    db = str(flow.store.path)
    flow.close()
    assert main(["trace", "ab" * 32, "--db", db]) == 1
    assert "is not in" in capsys.readouterr().err


def test_payers_of_a_site_taken_from_a_case_capture(flow, tmp_path, capsys):
    from cointrail.cases.case import create_case

    case = create_case("site-case", tmp_path / "cases", operator="tester")
    row = {"address": flow.address("dest1"), "source": "http-response"}
    case.add_evidence(json.dumps(row).encode() + b"\n", ".findings.jsonl", "capture.findings")
    db = str(flow.store.path)
    flow.close()
    args = ["payers", "--db", db, "--case", "site-case", "--cases-dir", str(tmp_path / "cases"), "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["payer_addresses"] for p in data["payers"]] == [[flow.address("mix1")]]
    assert data["payments"][0]["amount"] == 30 * 10**8 and data["payments"][0]["fiat"] is None
    # The text counts in the singular where there is one, and says a one-day span as the report does.
    assert main(args[:-1]) == 0
    text = capsys.readouterr().out
    day = data["payers"][0]["first_date"]
    assert text.startswith("1 payment (")
    assert " from 1 payer (paying wallet) into 1 site address; 0 wallets traced" in text
    assert f", on {day}; addresses " in text and f"{day} to {day}" not in text
    assert main(["payers", "--db", db]) == 2
