"""``cointrail labels update`` and ``labels sources`` against a loopback HTTP server serving the published formats.

The server serves an OFAC SDN advanced XML and sdn.csv built at test time around the real sanctioned addresses
(../shared/data/ofac-addresses), and a tar.gz of a TagPack repository made of the real packs in
../shared/data/tagpacks, laid out as GitHub serves a branch (``<repo>-master/packs/*.yaml``).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from labelchain import BINANCE, MainnetChain
from loopback import serving
from test_labels_ofac import make_entries, sdn_advanced, sdn_csv

from cointrail.cli import main

PACKS = ("binance.yaml", "binance_hack.yaml", "bitzillions_ltc.yaml", "demo.yaml", "exchange-wallets-kucoin.yaml")


def repository(packs: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in packs.items():
            info = tarfile.TarInfo(f"graphsense-tagpacks-master/packs/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture
def site(shared_data: Path):
    """A loopback server of label files; the test changes ``files`` between updates."""
    lists = {p.stem.rsplit("_", 1)[1]: json.loads(p.read_text())
             for p in (shared_data / "ofac-addresses").glob("sanctioned_addresses_*.json")}  # fmt: skip
    entries = make_entries(lists)
    packs = {name: (shared_data / "tagpacks" / name).read_bytes() for name in PACKS}
    files = {"/SDN_ADVANCED.XML": sdn_advanced(entries), "/SDN.CSV": sdn_csv(entries),
             "/tagpacks.tar.gz": repository(packs)}  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        yield url.rstrip("/"), files, packs


def _run(capsys, *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_update_keeps_evidence_and_says_what_changed(story: MainnetChain, site, capsys):
    url, files, packs = site
    db = str(story.store.path)
    story.close()
    code, first = _run(capsys, "labels", "update", "--db", db, "--json",
                       "--url", f"ofac-sdn-advanced={url}/SDN_ADVANCED.XML",
                       "--url", f"graphsense-tagpacks={url}/tagpacks.tar.gz")  # fmt: skip
    assert code == 0, first
    done = {u["source"]: u for u in first["updated"]}
    assert set(done) == {"ofac-sdn-advanced", "graphsense-tagpacks"}
    ofac = done["ofac-sdn-advanced"]
    assert ofac["sha256"] == hashlib.sha256(files["/SDN_ADVANCED.XML"]).hexdigest()
    assert Path(ofac["evidence"]).read_bytes() == files["/SDN_ADVANCED.XML"]
    assert ofac["added"] == ofac["label_count"] > 600 and ofac["rejected_count"] > 0  # the XMR txid, …
    assert done["graphsense-tagpacks"]["added"] == done["graphsense-tagpacks"]["label_count"] > 80
    # The pack with Binance's address is withdrawn; kucoin's first tag changes category.
    kucoin = yaml.safe_load(packs["exchange-wallets-kucoin.yaml"])
    kucoin["tags"][0]["category"] = "mixing_service"
    changed = {n: d for n, d in packs.items() if n != "binance.yaml"}
    changed["exchange-wallets-kucoin.yaml"] = yaml.safe_dump(kucoin, sort_keys=False).encode()
    files["/tagpacks.tar.gz"] = repository(changed)
    code, second = _run(capsys, "labels", "update", "--db", db, "--json")  # the configured URLs are remembered
    assert code == 0
    again = {u["source"]: u for u in second["updated"]}
    assert again["ofac-sdn-advanced"]["added"] == again["ofac-sdn-advanced"]["removed"] == 0
    packs_update = again["graphsense-tagpacks"]
    assert packs_update["removed"] == 2 and packs_update["added"] == 0 and packs_update["changed"] >= 1
    assert BINANCE in {r["address"] for r in packs_update["removed_labels"]}
    assert main(["labels", "list", "--db", db, "--address", BINANCE]) == 1  # gone from the store
    capsys.readouterr()
    code, sources = _run(capsys, "labels", "sources", "--db", db, "--json")
    by_name = {s["name"]: s for s in sources}
    assert by_name["ofac-sdn-advanced"]["by_chain"]["bitcoin"] > 400
    assert "exchange" in by_name["graphsense-tagpacks"]["by_category"]
    assert by_name["ofac-sdn-advanced"]["reliability"].startswith("official")
    assert by_name["ofac-sdn-csv"]["latest"] is None


def test_the_csv_form_gives_the_same_addresses(story: MainnetChain, site, capsys):
    url, _files, _packs = site
    db = str(story.store.path)
    story.close()
    code, data = _run(capsys, "labels", "update", "--db", db, "--json", "--source", "ofac-sdn-csv",
                      "--url", f"ofac-sdn-csv={url}/SDN.CSV", "--url", f"ofac-sdn-advanced={url}/SDN_ADVANCED.XML")
    assert code == 0
    counts = {u["source"]: u["label_count"] for u in data["updated"]}
    assert counts["ofac-sdn-csv"] == counts["ofac-sdn-advanced"]


def test_offline_says_what_it_would_fetch_and_exits_3(story: MainnetChain, capsys):
    db = str(story.store.path)
    story.close()
    assert main(["labels", "update", "--db", db, "--offline"]) == 3
    out = capsys.readouterr().out
    assert "ofac-sdn-advanced: https://sanctionslistservice.ofac.treas.gov/" in out and "graphsense-tagpacks" in out
    assert "cointrail labels import FILE --db DB" in out  # what to do next, offline
    # Nothing listening: the same.
    mine = "mine=http://127.0.0.1:9/packs.yaml"
    assert main(["labels", "update", "--db", db, "--url", mine, "--source", "mine"]) == 3
    assert "mine: http://127.0.0.1:9/packs.yaml (tagpack)" in capsys.readouterr().out


def test_the_report_quotes_the_reliability_recorded_for_the_source_a_label_came_from(story: MainnetChain, site,
                                                                                     capsys):  # fmt: skip
    """A partner's TagPack configured by the unit and the public TagPacks: the report facts list each source
    fetched with its reliability and latest download, and a label from either is quoted with that reliability. A
    TagPack's label cites its tag's own source (KuCoin's blog), and a partner's URL names neither OFAC nor a
    TagPack: both read 'not assessed' before."""
    from cointrail.facts.limitations import source_reliability
    from cointrail.facts.sources import label_sources
    from cointrail.store.duckdb.store import LedgerStore

    url, files, packs = site
    files["/partner.yaml"] = packs["demo.yaml"]
    db = str(story.store.path)
    story.close()
    code, _ = _run(capsys, "labels", "update", "--db", db, "--json", "--source", "partner",
                   "--source", "graphsense-tagpacks", "--url", f"partner={url}/partner.yaml",
                   "--url", f"graphsense-tagpacks={url}/tagpacks.tar.gz")  # fmt: skip
    assert code == 0
    kucoin = yaml.safe_load(packs["exchange-wallets-kucoin.yaml"])["source"]
    partner_cites = yaml.safe_load(packs["demo.yaml"])["source"]
    with LedgerStore.open(db, read_only=True) as store:
        fetched = label_sources(store, {kucoin, partner_cites})
    assert {s["name"]: s["cited"] for s in fetched} == {"partner": [partner_cites],
                                                        "graphsense-tagpacks": sorted([kucoin, partner_cites])}
    quoted = source_reliability(kucoin, fetched)
    assert "'graphsense-tagpacks'" in quoted and "community-curated (GraphSense TagPacks)" in quoted
    assert "SHA-256 " in quoted and "'partner'" not in quoted
    both = source_reliability(partner_cites, fetched)  # the partner's pack is also in the public repository
    assert "configured by the unit" in both and "community-curated" in both
    assert "not assessed" in source_reliability(kucoin)  # without the recorded sources
    # A file imported by hand is listed apart, with how far it can be relied on and what its labels cite
    unit = yaml.safe_load(packs["binance.yaml"])
    unit["label"] = "binance, as the unit knows it"
    own = Path(db).with_name("unit.yaml")
    own.write_text(yaml.safe_dump(unit, sort_keys=False))
    assert main(["labels", "import", str(own), "--db", db]) == 0
    capsys.readouterr()
    code, listed = _run(capsys, "labels", "sources", "--db", db, "--json")
    (imported,) = [s for s in listed if "imported" in s]
    assert imported["name"] == "imported (tagpack)" and imported["imported"]["by_category"] == {"exchange": 2}
    assert "TagPack file imported" in imported["reliability"]
    assert main(["labels", "sources", "--db", db]) == 0
    assert "imported (tagpack): 2 labels not fetched from a source above" in capsys.readouterr().out
