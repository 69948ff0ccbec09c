"""``cointrail label add``: investigators' labels kept in a case as logged evidence, in a real store."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from labelchain import BINANCE, MainnetChain

from cointrail.cases import create_case, open_case, verify_case
from cointrail.cli import main
from cointrail.clustering import show_cluster
from cointrail.errors import InputError, IntegrityError
from cointrail.labels.investigator import add_investigator_label, case_labels, restore_case_labels
from cointrail.labels.store import label_sha256, list_labels

SITE = "payment address of site A"


def test_a_label_is_evidence_logged_with_its_hash_and_rebuilt_from_the_case(story: MainnetChain, tmp_path: Path):
    case = create_case("c1", tmp_path / "cases", "det. smith")
    y1 = story.address("y1")
    added = add_investigator_label(case, y1, SITE, "child_sexual_abuse", notes=["seen on the page of 2026-11-01"],
                                   store=story.store)  # fmt: skip
    evidence = case.folder / added["evidence"]
    assert evidence.name == f"{added['sha256']}.label.json" and evidence.stat().st_mode & 0o222 == 0  # read-only
    entry = case.log.entries()[-1]
    assert (entry["action"], entry["object"], entry["sha256"], entry["seq"]) == (
        "label.add", added["evidence"], added["sha256"], added["log_seq"])
    document = json.loads(evidence.read_bytes())
    assert (document["operator"], document["case"], document["address"]) == ("det. smith", "c1", y1)
    label = added["label"]
    assert label["source"] == "investigator:det. smith" and label["source_sha256"] == added["sha256"]
    assert label["confidence"] == {"name": "forensic_investigation", "value": 70} and label["currency"] == "BTC"
    assert added["stored"]["added"] == 1 and added["chain_note"] is None
    (row,) = list_labels(story.store, y1)
    assert (row["importer"], row["case_name"]) == ("investigator", "c1")
    assert row["notes"] == ["seen on the page of 2026-11-01"]
    (rebuilt,) = case_labels(open_case("c1", tmp_path / "cases"))
    assert rebuilt.to_dict() == label and label_sha256(rebuilt) == row["label_sha256"]
    groups = show_cluster(story.store, y1)["attribution"]["groups"]
    assert [(g["service"], g["category"], g["confidence"]) for g in groups] == [
        (SITE, "child_sexual_abuse", "forensic_investigation")]
    assert verify_case(case).intact


def test_tampering_with_a_label_is_caught(story: MainnetChain, tmp_path: Path):
    case = create_case("c2", tmp_path / "cases", "analyst")
    added = add_investigator_label(case, BINANCE, "Binance deposit of suspect", "exchange", "manual_transaction")
    evidence = case.folder / added["evidence"]
    os.chmod(evidence, stat.S_IRUSR | stat.S_IWUSR)
    evidence.write_bytes(evidence.read_bytes().replace(b"Binance deposit of suspect", b"Kraken deposit of suspect"))
    report = verify_case(case)
    assert not report.intact and report.changed[0]["file"] == added["evidence"]
    with pytest.raises(IntegrityError, match="no longer matches its SHA-256"):
        case_labels(case)
    db = str(story.store.path)
    story.close()
    assert main(["label", "rebuild", "--case", "c2", "--cases-dir", str(tmp_path / "cases"), "--db", db]) == 1


def test_a_store_is_given_the_case_labels_again_from_the_evidence_alone(story: MainnetChain, tmp_path: Path,
                                                                        capsys):  # fmt: skip
    case = create_case("c5", tmp_path / "cases", "analyst")
    add_investigator_label(case, BINANCE, "Binance deposit of suspect", "exchange")
    add_investigator_label(case, story.address("y1"), SITE, "market", notes=["from the capture of 2026-11-02"])
    assert list_labels(story.store) == []
    restored = restore_case_labels(case, story.store)
    assert restored["labels"] == 2 and restored["stored"]["added"] == 2
    assert {row["source"] for row in list_labels(story.store)} == {"investigator:analyst"}
    db = str(story.store.path)
    story.close()
    assert main(["label", "rebuild", "--case", "c5", "--cases-dir", str(tmp_path / "cases"), "--db", db,
                 "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["stored"] == {
        "added": 0, "already_stored": 2, "repeated": 0, "on_chain": 2, "other_chain": 0}


def test_bad_input_is_refused_before_anything_is_written(tmp_path: Path):
    case = create_case("c3", tmp_path / "cases", "analyst")
    with pytest.raises(InputError, match="is not a valid address"):
        add_investigator_label(case, "1NDyJtNTjmwk5xPNhjgAMu4HDHigtobu1t", SITE, "market")
    with pytest.raises(InputError, match="not a GraphSense category"):
        add_investigator_label(case, BINANCE, SITE, "csam-site")
    with pytest.raises(InputError, match="not a confidence level"):
        add_investigator_label(case, BINANCE, SITE, "market", "very sure")
    assert [e["action"] for e in case.log.entries()] == ["case.create"] and case_labels(case) == []


def test_cli_label_add_then_verify(story: MainnetChain, tmp_path: Path, capsys):
    db, cases = str(story.store.path), str(tmp_path / "cases")
    story.close()
    assert main(["case", "new", "c4", "--cases-dir", cases, "--operator", "analyst", "--json"]) == 0
    capsys.readouterr()
    args = ["label", "add", BINANCE, "--label", "Binance deposit", "--category", "exchange", "--case", "c4",
            "--cases-dir", cases, "--operator", "analyst"]  # fmt: skip
    assert main([*args, "--db", db, "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["label"]["source"] == "investigator:analyst" and added["stored"]["added"] == 1
    assert main([*args, "--note", "second look", "--confidence", "ownership"]) == 0
    assert "custody log entry 3" in capsys.readouterr().out
    assert main(["label", "add", "not-an-address", "--label", "x", "--category", "exchange", "--case", "c4",
                 "--cases-dir", cases]) == 2  # fmt: skip
    assert "is not a valid address" in capsys.readouterr().err
    assert main([*args, "--confidence", "very"]) == 2
    assert main(["label", "add", BINANCE, "--label", "x", "--category", "exchange", "--case", "nope",
                 "--cases-dir", cases]) == 2  # fmt: skip
    capsys.readouterr()
    assert main(["cluster", "show", BINANCE, "--db", db]) == 0
    assert "is attributed to Binance deposit, an exchange (source investigator:analyst" in capsys.readouterr().out
    assert main(["verify", "--case", "c4", "--cases-dir", cases, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["intact"]


@pytest.mark.parametrize("text", ["Binance \udcff deposit", "Binance\u202e deposit", "Binance\x00"])
def test_a_label_text_that_cannot_be_logged_is_refused_before_anything_is_written(tmp_path: Path, text: str):
    case = create_case("texts", root=tmp_path, operator="Ann Smith")
    with pytest.raises(InputError, match="cannot be a label's text"):
        add_investigator_label(case, BINANCE, text, "exchange")
    assert len(case.log.entries()) == 1 and verify_case(case).intact
