"""The workspace over the demo investigation, through its HTTP API: the same answers as the Python API."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from webserver import Served, serving

from cointrail.cases import open_case, verify_case
from cointrail.clustering import show_cluster
from cointrail.graph import expand as graph_expand
from cointrail.investigation import Investigation, case_store
from cointrail.store.duckdb.store import LedgerStore
from cointrail.web import Workspace

pytestmark = [pytest.mark.slow, pytest.mark.node]


@pytest.fixture
def client(demo_served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo_served.url, timeout=60) as http:
        yield http


def finished(client: httpx.Client, job: dict[str, Any], seconds: float = 240) -> dict[str, Any]:
    """Poll a job as the page does, until it is done; return it with its result."""
    deadline = time.monotonic() + seconds
    seen_progress = False
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job['id']}").json()
        seen_progress = seen_progress or state["total"] > 0
        if state["state"] in ("done", "failed"):
            assert state["state"] == "done", state["error"]
            data: dict[str, Any] = client.get(f"/api/jobs/{job['id']}", params={"result": "true"}).json()
            data["seen_progress"] = seen_progress
            return data
        time.sleep(0.1)
    raise AssertionError(f"job {job['id']} did not finish")


def site_wallet(client: httpx.Client, case: str) -> dict[str, Any]:
    start = client.get(f"/api/cases/{case}/graph/start").json()
    [site] = start["nodes"]  # the site's wallets, one node
    node: dict[str, Any] = max(site["wallets"], key=lambda n: n["size"])
    assert node["role"] == "site" and node["captured"] and "captured" in node["reason"]
    return node


def expand(client: httpx.Client, case: str, node: str, direction: str, limit: int = 20) -> dict[str, Any]:
    params: dict[str, Any] = {"node": node, "direction": direction, "limit": limit}
    data: dict[str, Any] = client.get(f"/api/cases/{case}/graph/expand", params=params).json()
    return data


def test_an_address_page_gives_totals_labels_members_and_why(client: httpx.Client, demo_case: str,
                                                             demo_run: dict[str, Any]) -> None:  # fmt: skip
    node = site_wallet(client, demo_case)
    data = client.get(f"/api/cases/{demo_case}/address/{node['address']}").json()
    info, wallet = data["info"], data["wallet"]
    assert info["received"] > 0 and info["first_seen"]["txid"]
    assert info["last_seen"]["time"] >= info["first_seen"]["time"]
    assert wallet["cluster_id"] == node["cluster_id"] and len(wallet["members"]) == node["size"]
    explained = [wallet["why_members"][m] for m in wallet["members"] if m != node["address"]]
    assert explained and all(w["in_cluster"] and w["steps"] for w in explained)
    sentences = [s["explanation"] for w in explained for s in w["steps"]]
    assert all("spent together" in s or "change" in s for s in sentences)
    page = client.get(f"/cases/{demo_case}/address/{node['address']}").text
    assert "Why is it in this wallet?" in page and 'href="/glossary#multi-input"' in page
    assert " LTC in " in page and not re.search(r"\d coins", page)  # amounts in the case's chain's unit


def test_an_exchange_wallet_shows_its_labels_with_sources(client: httpx.Client, demo_case: str,
                                                          demo_run: dict[str, Any]) -> None:  # fmt: skip
    exchange = demo_run["payers"]["payers"][0]["funding"][0]
    with LedgerStore.open(case_store(open_case(demo_case, root=demo_run["workdir"] + "/cases")),
                          read_only=True) as store:
        expected = show_cluster(store, exchange["service_address"])
    page = client.get(f"/api/cases/{demo_case}/cluster/{expected['cluster_id']}").json()
    assert page["attribution"] == expected["attribution"]
    group = page["attribution"]["groups"][0]
    assert group["service"] == exchange["service"] and group["sources"][0]["source"]
    assert page["node"]["role"] == "exchange" and exchange["service"] in page["node"]["caption"]
    html = client.get(f"/cases/{demo_case}/cluster/{expected['cluster_id']}").text
    assert "legal process can be served there" in html and group["sources"][0]["source"] in html


def test_expanding_a_hop_accounts_for_every_coin(client: httpx.Client, demo_case: str) -> None:
    node = site_wallet(client, demo_case)
    wallet = client.get(f"/api/cases/{demo_case}/cluster/{node['cluster_id']}").json()
    back = expand(client, demo_case, node["id"], "backward")
    # What the site's wallet received came from the wallets drawn, its own wallet, or new coins: nothing is lost.
    assert back["total"] + back["own_wallet_amount"] + back["mined_amount"] == wallet["totals"]["received"]
    assert sum(e["amount"] for e in back["edges"]) == back["total"]
    assert all(e["target"] == node["id"] for e in back["edges"])
    assert all(e["txids"] and e["reason"] for e in back["edges"])
    # Amounts are named in the case's chain's unit (the demo is Litecoin), never as bare "coins".
    assert back["unit"] == "LTC" and f"{back['total_coin']} LTC in all" in back["explanation"]
    assert all(" LTC of what was received" in e["reason"] for e in back["edges"])
    forward = expand(client, demo_case, node["id"], "forward")
    assert forward["edges"] and all(e["source"] == node["id"] for e in forward["edges"])
    assert forward["total"] + forward["own_wallet_amount"] <= wallet["totals"]["sent"]  # the rest paid the fees


def test_the_site_is_one_node_and_edges_carry_their_transactions(client: httpx.Client, demo_case: str,
                                                                 demo_run: dict[str, Any]) -> None:  # fmt: skip
    """The graph opens on the site, its wallets as one node; a hop from it is the hops of its wallets together, and
    every edge carries its money in coin and in dollars, its dates and each of its transactions."""
    [site] = client.get(f"/api/cases/{demo_case}/graph/start").json()["nodes"]
    assert site["id"] == "site:captured" and site["role"] == "site" and len(site["wallets"]) == len(site["members"])
    assert sorted(w["cluster_id"] for w in site["wallets"]) == sorted(demo_run["payers"]["site"]["cluster_ids"])
    assert site["caption"] == f"the site: 11 captured addresses in {len(site['wallets'])} wallets"
    back = expand(client, demo_case, site["id"], "backward")
    one_by_one = [expand(client, demo_case, w["id"], "backward") for w in site["wallets"]]
    assert back["total"] == sum(h["total"] for h in one_by_one)  # the site's wallets never pay each other here
    assert {e["source"] for e in back["edges"]} == {e["source"] for h in one_by_one for e in h["edges"]}
    assert back["counterparties"] == len(demo_run["payers"]["payers"])
    paid = {p["txid"]: p for p in demo_run["payers"]["payments"]}
    for edge in back["edges"]:
        assert edge["target"] == "site:captured" and len(edge["items"]) == edge["transactions"]
        assert sum(i["amount"] for i in edge["items"]) == edge["amount"]
        assert edge["first_time"] == edge["items"][0]["time"] and edge["last_time"] == edge["items"][-1]["time"]
        assert edge["fiat"]["currency"] == "USD" and "fictitious" in edge["fiat"]["source"]
        assert edge["fiat"]["value"] == round(sum(i["fiat"]["value"] for i in edge["items"]), 2)
        for item in edge["items"]:  # each transaction as the payers analysis lists the payment
            assert item["amount"] == paid[item["txid"]]["amount"] and item["fiat"] == paid[item["txid"]]["fiat"]
    assert "8 other wallets" in back["explanation"] and "(s)" not in back["explanation"]
    out = expand(client, demo_case, site["id"], "forward")
    assert out["edges"] and all(e["source"] == "site:captured" for e in out["edges"])


def test_a_large_neighbourhood_is_summed_up_not_drawn(client: httpx.Client, demo_case: str) -> None:
    node = site_wallet(client, demo_case)
    full = expand(client, demo_case, node["id"], "backward")
    assert full["counterparties"] >= 3
    small = expand(client, demo_case, node["id"], "backward", limit=2)
    assert len(small["nodes"]) == 1 and small["summary"]["size"] == full["counterparties"] - 1
    assert len(small["hidden"]) == small["summary"]["size"]
    assert small["nodes"][0]["id"] == full["nodes"][0]["id"]  # the biggest is drawn
    assert small["summary_edge"]["amount"] + small["edges"][0]["amount"] == full["total"]
    assert full["all_read"]


def test_a_hop_reads_at_most_so_many_transactions_and_says_so(demo_run: dict[str, Any], demo_case: str) -> None:
    case = open_case(demo_case, root=demo_run["workdir"] + "/cases")
    with LedgerStore.open(case_store(case), read_only=True) as store:
        hops = [graph_expand(store, f"cluster:{c}", "backward") for c in demo_run["payers"]["site"]["cluster_ids"]]
        whole = max(hops, key=lambda h: sum(e["transactions"] for e in h["edges"]))  # the site's busiest wallet
        assert sum(e["transactions"] for e in whole["edges"]) >= 2
        cut = graph_expand(store, whole["origin"]["id"], "backward", max_transactions=1)
    assert whole["all_read"] and not cut["all_read"] and "newest transactions were read" in cut["explanation"]
    assert len({t for e in cut["edges"] for t in e["txids"]}) == 1 and cut["total"] < whole["total"]


def test_the_payers_job_gives_what_the_python_api_gives(client: httpx.Client, demo_case: str,
                                                        demo_run: dict[str, Any]) -> None:  # fmt: skip
    job = client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "payers", "options": {"hops": 6}})
    assert job.status_code == 202, job.text
    done = finished(client, job.json())
    assert done["seen_progress"] or done["total"] > 0
    case = open_case(demo_case, root=demo_run["workdir"] + "/cases")
    with LedgerStore.open(case_store(case), read_only=True) as store:
        expected = Investigation(store, case).payers(hops=6).to_json()
    assert done["result"] == expected
    assert done["result"]["totals"]["payers"] == len(demo_run["payers"]["payers"])
    # Kept in the case, logged, and listed and shown by a workspace started afresh (a restart forgets its jobs).
    kept = done["kept"]
    entry = next(e for e in case.log.entries() if e["seq"] == kept["log_seq"])
    assert entry["action"] == "analysis.payers" and entry["sha256"] == kept["sha256"]
    stored = json.loads((case.folder / kept["path"]).read_text())
    assert stored["result"] == expected and stored["options"]["hops"] == 6 and stored["operator"] == "Web Tester"
    with serving(Workspace(case.folder.parent, "Another Tester")) as again, httpx.Client(base_url=again.url) as fresh:
        listed = fresh.get(f"/cases/{demo_case}/payers").text
        assert f'href="/cases/{demo_case}/results/{kept["sha256"]}"' in listed and "Results kept in this case" in listed
        shown = fresh.get(f"/cases/{demo_case}/results/{kept['sha256']}").text
        assert 'id="payers-table"' in shown and shown.count('class="payer-link"') == len(expected["payers"])
        assert kept["sha256"] in shown and "stays after the workspace restarts" in shown
        assert fresh.get(f"/cases/{demo_case}/results/{'0' * 64}").status_code == 404
    assert verify_case(case, record=False).intact


def test_the_payers_form_follows_the_fiat_setting(client: httpx.Client, demo_case: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The payers form and job default to ``COINTRAIL_FIAT``, as the report's and the CLI's ``payers --fiat`` do."""
    monkeypatch.setenv("COINTRAIL_FIAT", "eur")
    assert '<input id="fiat" name="fiat" value="EUR" maxlength="3">' in client.get(f"/cases/{demo_case}/payers").text
    job = client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "payers", "options": {"hops": 1}})
    assert job.status_code == 202, job.text
    assert finished(client, job.json())["result"]["parameters"]["fiat"] == "EUR"
    refused = client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "payers", "options": {"fiat": "euro"}})
    assert refused.status_code == 400 and "three-letter code" in refused.text, refused.text


def test_a_job_that_cannot_be_done_says_why(client: httpx.Client, demo_case: str) -> None:
    job = client.post(f"/api/cases/{demo_case}/jobs",
                      json={"kind": "payers", "options": {"site_from": "addresses", "addresses": "tb1qnotanaddress"}})
    assert job.status_code == 202  # the options are well formed; the address is checked when the job runs
    deadline = time.monotonic() + 60
    while (state := client.get(f"/api/jobs/{job.json()['id']}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["state"] == "failed" and "not a valid address" in state["error"]
    page = client.get(f"/cases/{demo_case}/jobs/{state['id']}").text
    assert "It could not be done:" in page and "not a valid address" in page


def test_a_trace_job_with_the_cli_options(client: httpx.Client, demo_case: str) -> None:
    node = site_wallet(client, demo_case)
    options = {"start": f"cluster:{node['cluster_id']}", "direction": "forward", "hops": 4, "model": "fifo"}
    job = client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "trace", "options": options})
    done = finished(client, job.json())
    result = done["result"]
    assert result["model"]["name"] == "fifo" and result["hops"] == 4 and result["ends"]
    assert done["total"] == 4 and done["done"] >= 1
    assert any(end["reason"] == "service" for end in result["ends"])  # the operator cashes out at an exchange
    page = client.get(f"/cases/{demo_case}/jobs/{done['id']}").text
    assert "Where the trails end" in page and 'href="/glossary#taint"' in page
    drawn = client.get(f"/api/cases/{demo_case}/graph/start", params={"trace": done["id"]}).json()
    kept = client.get(f"/api/cases/{demo_case}/graph/start", params={"trace": done["kept"]["sha256"]}).json()
    assert kept == drawn  # the trace kept in the case draws the same graph, after a restart too
    assert f'?trace={done["kept"]["sha256"]}"' in page
    assert drawn["nodes"][0]["cluster_id"] == node["cluster_id"]  # the start first
    assert drawn["edges"]
    assert all(e["amount"] > 0 and e["txids"] and "traced money" in e["reason"] for e in drawn["edges"])
    for edge in drawn["edges"]:  # each with its transactions, dates and dollars, for the timeline
        assert sum(i["amount"] for i in edge["items"]) == edge["amount"] and len(edge["items"]) == edge["transactions"]
        assert edge["first_time"] <= edge["last_time"] and edge["fiat"]["currency"] == "USD"
    assert any(n["role"] == "exchange" for n in drawn["nodes"])  # where the trail ended
    ids = {n["id"] for n in drawn["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids and e["source"] != e["target"] for e in drawn["edges"])


def test_the_export_form_takes_the_fius_profile_and_the_trafficking_flag(client: httpx.Client, demo_case: str,
                                                                         demo_run: dict[str, Any]) -> None:  # fmt: skip
    """As ``export --profile`` and ``--trafficking``: the profiles of the workspace's profiles folder are offered
    (one that cannot be read says why), goAML is written under the one chosen, the SAR sheet with the flag."""
    form = client.get(f"/cases/{demo_case}/report").text
    assert "generic goAML 5.0.1 (USD)" in form and 'name="trafficking"' in form and "No FIU profile yet" in form
    folder = Path(demo_run["workdir"]) / "cases" / "goaml-profiles"
    folder.mkdir(exist_ok=True)
    (folder / "fiu-at.toml").write_text('name = "FIU Austria"\ncurrency = "EUR"\nrentity_id = 4711\n')
    (folder / "broken.toml").write_text('currency = "EUR"\ncolour = "blue"\n')
    form = client.get(f"/cases/{demo_case}/report").text
    assert '<option value="fiu-at">FIU Austria (EUR, goAML 5.0.1)</option>' in form
    assert re.search(r'<option value="broken" disabled>broken: cannot be used \([^)]*unknown keys: colour', form)

    def exported(**fields: str) -> httpx.Response:
        return client.post(f"/cases/{demo_case}/export", data=fields)

    generic = etree.fromstring(exported(fmt="goaml", profile="").content)
    txs = generic.findall("transaction")
    assert generic.findtext("currency_code_local") == "USD" and {"payment", "withdrawal", "deposit"} == {
        t.findtext("internal_ref_number").split("-")[0] for t in txs}
    assert all(float(t.findtext("amount_local")) > 0 for t in txs)  # the demo's (made-up) USD prices, every one
    austria = etree.fromstring(exported(fmt="goaml", profile="fiu-at").content)
    assert austria.findtext("currency_code_local") == "EUR" and austria.findtext("rentity_id") == "4711"
    assert all(t.findtext("amount_local") == "0" and "no EUR price" in t.findtext("transaction_description")
               for t in austria.findall("transaction"))  # the demo has no euro prices, and says so  # fmt: skip
    for wrong, why in (("broken", "cannot be used: the goAML profile"), ("../../fiu-at", "no goAML profile")):
        refused = exported(fmt="goaml", profile=wrong)
        assert refused.status_code == 400 and why in refused.text, wrong
    assert "FIN-2020-A008" in exported(fmt="sar-sheet", trafficking="on").text
    assert "FIN-2020-A008" not in exported(fmt="sar-sheet").text
    assert exported(fmt="csv", profile="fiu-at", trafficking="on").status_code == 200  # each field for its format
    case = open_case(demo_case, root=demo_run["workdir"] + "/cases")
    assert [e["action"] for e in case.log.entries()[-5:]] == [
        "export.goaml", "export.goaml", "export.sar-sheet", "export.sar-sheet", "export.csv"]


def test_the_report_is_written_into_the_case_and_downloaded(client: httpx.Client, demo_case: str,
                                                            demo_run: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    job = client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "report", "options": {"pdf": False}}).json()
    result = finished(client, job)["result"]
    html = result["files"]["html"]
    download = client.get(f"/cases/{demo_case}/files/{html['sha256']}")
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == html["sha256"]
    case = open_case(demo_case, root=demo_run["workdir"] + "/cases")
    logged = {e["object"]: e for e in case.log.entries()}
    assert logged[html["path"]]["operator"] == "Web Tester" and logged[html["path"]]["action"] == "report.html"
    export = client.post(f"/cases/{demo_case}/export", data={"fmt": "csv"})
    assert export.status_code == 200 and b"txid" in export.content.splitlines()[0]
    assert demo_run["payers"]["payments"][0]["txid"].encode() in export.content
    entry = case.log.entries()[-1]
    assert entry["action"] == "export.csv" and entry["sha256"] == hashlib.sha256(export.content).hexdigest()
    packs = client.post(f"/cases/{demo_case}/request-packs")
    assert packs.status_code == 303
    letters = [e for e in case.log.entries()[entry["seq"]:] if e["action"] == "request-pack.letter"]
    assert letters and all(e["operator"] == "Web Tester" for e in letters)
    listed = client.get(f"/cases/{demo_case}/report").text
    assert all(e["sha256"] in listed for e in letters)
    exchanges = {x["exchange"].replace(" ", "-") for x in demo_run["request_packs"]}
    assert all(f"request pack (letter) for {name}</td>" in listed for name in exchanges)  # each names its exchange
    assert "the report (HTML)</td>" in listed and "<td>report.html</td>" not in listed
    letter = client.get(f"/cases/{demo_case}/files/{letters[0]['sha256']}")
    assert letter.status_code == 200 and hashlib.sha256(letter.content).hexdigest() == letters[0]["sha256"]
    # The forms read the COINTRAIL_FIAT setting through the CLI's own function (issue 18): the demo prices only USD,
    # so packs in EUR say "no price" where the report's own (USD) give every value; the form's field comes first.
    def pack_rows(fiat: str | None) -> list[dict[str, str]]:
        seq = case.log.entries()[-1]["seq"]
        assert client.post(f"/cases/{demo_case}/request-packs", data={"fiat": fiat} if fiat else {}).status_code == 303
        written = [e for e in case.log.entries()[seq:] if e["action"] == "request-pack.csv"]
        assert len(written) == len(exchanges)
        return [r for e in written for r in csv.DictReader(io.StringIO((case.folder / e["object"]).read_text()))]

    assert all(r["fiat_currency"] == "USD" and float(r["fiat_value"]) > 0 for r in pack_rows(None))
    monkeypatch.setenv("COINTRAIL_FIAT", "eur")
    form = client.get(f"/cases/{demo_case}/report").text
    assert '<input id="fiat" name="fiat" value="EUR"' in form
    assert '<input id="pack-fiat" name="fiat" value="EUR"' in form
    assert all((r["fiat_value"], r["fiat_price_source"]) == ("", "no price") for r in pack_rows(None))
    assert all(r["fiat_currency"] == "USD" and float(r["fiat_value"]) > 0 for r in pack_rows("usd"))
    monkeypatch.setenv("COINTRAIL_FIAT", "EURO")  # refused as by the CLI, in one sentence, before any job starts
    for refused in (client.get(f"/cases/{demo_case}/report"), client.post(f"/cases/{demo_case}/request-packs"),
                    client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "report", "options": {"pdf": False}})):
        assert refused.status_code == 400 and "three-letter code" in refused.text, refused.text
    monkeypatch.delenv("COINTRAIL_FIAT")
    refused = client.post(f"/api/cases/{demo_case}/jobs", json={"kind": "report", "options": {"fiat": "euro"}})
    assert refused.status_code == 400 and "fiat" in refused.text and "three-letter code" in refused.text
