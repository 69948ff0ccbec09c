"""Labels in a real ledger store: real TagPacks and generated OFAC/CSV files, attributed to clusters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labelchain import ARCHIVE_BCH, ARCHIVE_BTC, BINANCE, SANCTIONED, MainnetChain
from test_labels_ofac import Entry, make_entries, sdn_xml

from cointrail.cases import create_case, verify_case
from cointrail.cli import main
from cointrail.clustering import show_cluster
from cointrail.errors import InputError
from cointrail.labels.store import import_label_file, list_labels


def _csv(tmp_path: Path, rows: list[str], name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text("address,label,currency,category,actor,confidence\n" + "\n".join(rows) + "\n")
    return path


def test_real_tagpacks_are_stored_once_and_other_chains_are_marked(story: MainnetChain, tagpacks: Path):
    first = import_label_file(story.store, tagpacks / "demo.yaml")
    assert first["stored"] == {"added": 5, "already_stored": 0, "repeated": 0, "on_chain": 1,
                               "other_chain": 4}
    again = import_label_file(story.store, tagpacks / "demo.yaml")
    assert again["stored"] == {"added": 0, "already_stored": 5, "repeated": 0, "on_chain": 1,
                               "other_chain": 4}
    (bch,) = list_labels(story.store, ARCHIVE_BCH)
    assert bch["on_chain"] is False and bch["label_chains"] == ["bitcoin-cash"] and bch["currency"] == "BCH"
    assert bch["chain_note"] == "a bitcoin-cash mainnet address; this store holds bitcoin mainnet"
    assert bch["source_sha256"] == first["source_sha256"] and bch["importer"] == "tagpack"
    (btc,) = list_labels(story.store, ARCHIVE_BTC)
    assert btc["on_chain"] and btc["chain"] == "bitcoin" and btc["confidence_value"] == 50
    assert btc["lastmod"] == "2021-11-12" and btc["imported_utc"].endswith("Z")
    # The same address string is a Bitcoin address in this store: the BCH label must not be attributed to it.
    shown = show_cluster(story.store, ARCHIVE_BCH)
    assert shown["labels"] == [] and shown["attribution"]["groups"] == []
    assert shown["attribution"]["other_chain"][0]["label"] == "Internet Archive"


def test_an_exchange_cluster_names_where_legal_process_can_be_served(story: MainnetChain, tagpacks: Path):
    import_label_file(story.store, tagpacks / "binance.yaml")
    attribution = show_cluster(story.store, story.address("x1"))["attribution"]
    (group,) = attribution["groups"]
    assert (group["service"], group["category"], group["addresses"]) == ("binance", "exchange", [BINANCE])
    assert group["sources"][0]["confidence"] == "service_data" and group["sources"][0]["confidence_value"] == 50
    assert attribution["conflicts"] == []
    (sentence,) = attribution["legal_process"]
    assert sentence.startswith(f"Cluster {attribution['cluster_id']} is attributed to binance, an exchange (source ")
    assert "confidence service_data 50): legal process can be served there" in sentence


def test_two_services_in_one_cluster_are_a_conflict_shown_not_hidden(story: MainnetChain, tagpacks: Path,
                                                                     tmp_path: Path):  # fmt: skip
    import_label_file(story.store, tagpacks / "binance.yaml")
    import_label_file(story.store, _csv(tmp_path, [f"{story.address('x1')},Kraken deposit,BTC,exchange,kraken,"
                                                   "service_data"]))  # fmt: skip
    shown = show_cluster(story.store, BINANCE)
    attribution = shown["attribution"]
    assert [g["service"] for g in attribution["groups"]] == ["binance", "kraken"]
    (conflict,) = attribution["conflicts"]
    assert conflict["kind"] == "services" and conflict["names"] == ["binance", "kraken"]
    assert "probably a false merge" in conflict["message"]
    assert [flag["kind"] for flag in shown["red_flags"]] == ["services"]
    assert len(attribution["legal_process"]) == 2
    assert all("Caution: this cluster also carries labels of other services" in s for s in attribution["legal_process"])


def test_a_sanctioned_address_beside_another_actor_is_listed_as_a_conflict(story: MainnetChain, tmp_path: Path):
    sdn = tmp_path / "sdn.xml"
    sdn.write_bytes(sdn_xml([Entry(30001, "TEST ORGANISATION 1 LLC", "", [("XBT", SANCTIONED)])]))
    imported = import_label_file(story.store, sdn)
    assert imported["format"] == "ofac-xml" and imported["stored"]["added"] == 1
    import_label_file(story.store, _csv(tmp_path, [f"{story.address('y1')},payer of site A,BTC,user,,"
                                                   "forensic_investigation"]))  # fmt: skip
    attribution = show_cluster(story.store, SANCTIONED)["attribution"]
    assert [(g["service"], g["category"]) for g in attribution["groups"]] == [
        ("payer of site A", "user"), ("TEST ORGANISATION 1 LLC", "sanction")]  # most confident first (70, 60)
    (conflict,) = attribution["conflicts"]
    assert conflict["kind"] == "actors" and "2 different actors" in conflict["message"]
    assert attribution["legal_process"] == []


def test_import_into_a_case_keeps_the_file_as_logged_evidence(story: MainnetChain, tagpacks: Path, tmp_path: Path):
    case = create_case("c1", tmp_path / "cases", "analyst")
    result = import_label_file(story.store, tagpacks / "binance_hack.yaml", case=case)
    assert result["evidence"] == f"evidence/{result['source_sha256']}.yaml"
    assert (case.folder / result["evidence"]).read_bytes() == (tagpacks / "binance_hack.yaml").read_bytes()
    actions = [(e["action"], e["object"]) for e in case.log.entries()]
    assert ("labels.source", result["evidence"]) in actions
    assert ("labels.import", f"store:{story.store.path.name}") in actions  # no path of this machine (issue 13)
    stored = list_labels(story.store)
    assert len(stored) == 44 and {row["case_name"] for row in stored} == {"c1"}
    assert verify_case(case).intact


def test_a_foreign_labels_table_is_refused(story: MainnetChain, tagpacks: Path):
    story.store.con.execute("CREATE TABLE labels (address VARCHAR, label VARCHAR)")
    with pytest.raises(InputError, match="not made by 'cointrail labels import'"):
        import_label_file(story.store, tagpacks / "binance.yaml")


def test_cli_import_list_and_cluster_show(story: MainnetChain, tagpacks: Path, tmp_path: Path, capsys):
    db = str(story.store.path)
    story.close()
    assert main(["labels", "import", str(tagpacks / "binance.yaml"), "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stored"]["added"] == 2
    # kucoin's pack has entries the importer rejects: stored what it could, exit code 1.
    assert main(["labels", "import", str(tagpacks / "exchange-wallets-kucoin.yaml"), "--db", db]) == 1
    assert "39 new labels, 0 already there, 3 repeated in the file" in capsys.readouterr().out
    assert main(["labels", "list", "--db", db, "--address", BINANCE, "--json"]) == 0
    assert [row["label"] for row in json.loads(capsys.readouterr().out)] == ["binance.com"]
    assert main(["labels", "list", "--db", db, "--address", ARCHIVE_BTC]) == 1
    assert "no label is stored" in capsys.readouterr().err
    assert main(["labels", "import", str(tagpacks / "binance.yaml"), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert main(["cluster", "show", BINANCE, "--db", db]) == 0
    text = capsys.readouterr().out
    assert "label: binance [exchange] on 1 address" in text
    assert "is attributed to binance, an exchange" in text and "legal process can be served there" in text


def test_the_whole_ofac_list_splits_by_chain(story: MainnetChain, shared_data: Path, tmp_path: Path):
    lists = {p.stem.rsplit("_", 1)[1]: json.loads(p.read_text())
             for p in (shared_data / "ofac-addresses").glob("sanctioned_addresses_*.json")}  # fmt: skip
    sdn = tmp_path / "sdn.xml"
    sdn.write_bytes(sdn_xml(make_entries(lists)))
    result = import_label_file(story.store, sdn)
    stored = list_labels(story.store)
    assert len(stored) == result["stored"]["added"] == result["label_count"]
    on_chain = [row for row in stored if row["on_chain"]]
    assert len(on_chain) == result["stored"]["on_chain"] >= 400
    assert {row["currency"] for row in on_chain} <= {"XBT", "USDT"}  # Bitcoin, and Tether on Omni
    assert all("bitcoin" not in row["label_chains"] for row in stored if not row["on_chain"])
    assert {row["category"] for row in stored} == {"sanction"}
