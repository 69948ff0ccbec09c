"""Exports for partners, each read back by the library or importer that the partner would use."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import stix2
from followthemoney import model
from reportcase import EXCHANGE, SITE, Story

from cointrail.cli import main
from cointrail.exports import export
from cointrail.labels import from_bytes, parse_labels


def test_stix_bundle_validates_with_declared_extensions(facts: dict[str, Any], story: Story) -> None:
    bundle = stix2.parse(export(facts, "stix"), allow_custom=False)
    by_type: dict[str, list[Any]] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    definitions = {d.id: d.name for d in by_type["extension-definition"]}
    assert set(definitions.values()) == {"cryptocurrency-wallet", "cryptocurrency-transaction"}
    for obj in by_type["cryptocurrency-wallet"] + by_type["cryptocurrency-transaction"]:
        [(extension, body)] = obj.extensions.items()
        assert definitions[extension] == obj.type and body["extension_type"] == "new-sco"
    wallets = {w.value for w in by_type["cryptocurrency-wallet"]}
    assert {story.address(name) for name in SITE} <= wallets
    txs = {t.value: t for t in by_type["cryptocurrency-transaction"]}
    assert txs[story.txid("sweep")].kind == "cash-out"
    assert set(by_type["report"][0].object_refs) >= {t.id for t in txs.values()}


def test_graphml_reads_back_in_networkx(facts: dict[str, Any], story: Story, tmp_path: Path) -> None:
    path = tmp_path / "flows.graphml"
    path.write_text(export(facts, "graphml"))
    graph = nx.read_graphml(path)
    assert graph.nodes["site"]["kind"] == "site"
    assert graph.nodes[f"service:{EXCHANGE}"]["kind"] == "service"
    txids = {data["txid"] for _, _, data in graph.edges(data=True)}
    assert {story.txid("pay_a"), story.txid("pay_b"), story.txid("pay_a2"), story.txid("sweep")} <= txids


def test_tagpack_reimports_with_cointrails_importer(facts: dict[str, Any], story: Story) -> None:
    imported = parse_labels(from_bytes(export(facts, "tagpack").encode(), "site.yaml"))
    assert not imported.rejected
    assert {label.address for label in imported.labels} == {story.address(name) for name in SITE}
    assert {label.abuse for label in imported.labels} == {"child_sexual_abuse"}
    assert {label.confidence.name for label in imported.labels} == {"forensic_investigation"}


def test_ftm_entities_validate_against_the_model(facts: dict[str, Any], story: Story) -> None:
    entities = [json.loads(line) for line in export(facts, "ftm").splitlines()]
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and schema.validate(data) is None
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.to_dict()["properties"] == data["properties"]
    wallets = {e["properties"]["publicKey"][0]: e for e in entities if e["schema"] == "CryptoWallet"}
    assert story.address("site1") in wallets and wallets[story.address("site1")]["properties"]["holder"]
    payments = {e["properties"]["transactionNumber"][0] for e in entities if e["schema"] == "Payment"}
    assert story.txid("pay_b") in payments and story.txid("sweep") in payments


def test_csv_has_one_row_per_transaction(facts: dict[str, Any], story: Story) -> None:
    rows = list(csv.DictReader(io.StringIO(export(facts, "csv"))))
    kinds = {r["txid"]: r["kind"] for r in rows}
    assert kinds[story.txid("pay_a2")] == "payment" and kinds[story.txid("sweep")] == "cash-out"
    assert all(r["currency"] == "LTC" and r["time_utc"].endswith("UTC") for r in rows)


@pytest.mark.slow
def test_export_cli_writes_after_a_report_and_logs_it(story: Story, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    common = ["--case", story.case.name, "--cases-dir", str(story.case.folder.parent), "--json"]
    assert main(["report", "--db", str(story.db), "--no-pdf", *common]) == 0
    capsys.readouterr()
    out = tmp_path / "case.stix.json"
    assert main(["export", "--format", "stix", "--out", str(out), *common]) == 0  # from the report's facts
    result = json.loads(capsys.readouterr().out)
    assert result["out"] == str(out) and stix2.parse(out.read_text(), allow_custom=False)
    last = story.case.log.entries()[-1]
    assert last["action"] == "export.stix" and last["sha256"] == result["sha256"]
