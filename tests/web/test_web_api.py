"""The workspace over HTTP, without a ledger: security, errors in plain words, evidence shown as text only."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hostile_page import HIDDEN, SCRIPTED, VISIBLE, hostile_case
from webserver import Served, serving

from cointrail.cases import Case, verify_case
from cointrail.web import Workspace
from cointrail.web.server import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return hostile_case(tmp_path_factory.mktemp("web-api"))


@pytest.fixture(scope="module")
def served(hostile: Case) -> Iterator[Served]:
    with serving(Workspace(hostile.folder.parent, "Web Tester")) as running:
        yield running


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        yield http


def _warc(client: httpx.Client, case: str) -> str:
    path: str = client.get(f"/api/cases/{case}").json()["captures"][0]["warc"]["path"]
    return path


def test_pages_carry_a_strict_content_security_policy(client: httpx.Client) -> None:
    response = client.get("/cases")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/").headers["location"] == "/cases"


def test_another_host_name_is_refused(client: httpx.Client) -> None:
    response = client.get("/cases", headers={"Host": "rebinding.example:80"})
    assert response.status_code == 403
    assert "address `cointrail serve` printed" in response.text


def test_bad_input_gets_a_plain_message_and_never_a_crash(client: httpx.Client, hostile: Case) -> None:
    cases = {
        "/api/cases/bad%20name!": (400, "cannot be a case name"),
        "/api/cases/nobody": (400, "there is no case named 'nobody'"),
        f"/api/cases/{hostile.name}/address/1BoatSLRHtKNngkdXEeobR76b53LETtpyT": (400, "no ledger store yet"),
        f"/api/cases/{hostile.name}/graph/expand?node=cluster:1&limit=abc": (422, "limit"),
        f"/api/cases/{hostile.name}/evidence?warc=../../etc/passwd": (400, "is not a captured file"),
        "/api/jobs/12345": (404, "there is no job 12345"),
        "/no/such/page": (404, "no such page"),
    }
    for path, (status, words) in cases.items():
        response = client.get(path)
        assert response.status_code == status, (path, response.text)
        assert words in response.json()["error"] if path.startswith("/api/") else words in response.text, path
    bad_job = client.post(f"/api/cases/{hostile.name}/jobs",
                          json={"kind": "trace", "options": {"start": "x", "hops": 99}})
    assert bad_job.status_code == 400 and "hops" in bad_job.json()["error"]
    unknown = client.post(f"/api/cases/{hostile.name}/jobs", json={"kind": "mine-coins"})
    assert unknown.status_code == 400 and "payers, trace, report" in unknown.json()["error"]
    not_json = client.post(f"/api/cases/{hostile.name}/graph", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422 and not_json.json()["error"]
    page = client.get("/cases/nobody")  # a page, not the API: an HTML page with the sentence, escaped
    assert page.status_code == 400 and "text/html" in page.headers["content-type"] and "&#39;nobody&#39;" in page.text


def test_changes_from_another_site_are_refused(client: httpx.Client) -> None:
    forged = client.post("/cases", data={"name": "forged"}, headers={"Origin": "http://evil.example"})
    assert forged.status_code == 403
    fetched = client.post("/api/cases", json={"name": "forged"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status_code == 403
    assert "forged" not in {c["name"] for c in client.get("/api/cases").json()}


def test_a_case_is_created_from_the_form_and_logged(client: httpx.Client, served: Served) -> None:
    response = client.post("/cases", data={"name": "op-web-form", "operator": "Form Officer"},
                           headers={"Origin": served.url})
    assert response.status_code == 303 and response.headers["location"] == "/cases/op-web-form"
    page = client.get("/cases/op-web-form")
    assert page.status_code == 200 and "Form Officer" in page.text and "Intact." in page.text
    assert "op-web-form" in {c["name"] for c in client.get("/api/cases").json()}
    again = client.post("/api/cases", json={"name": "op-web-form"})
    assert again.status_code == 400 and "already exists" in again.json()["error"]


def test_a_captured_page_is_shown_as_escaped_text_with_its_addresses_marked(client: httpx.Client,
                                                                             hostile: Case) -> None:
    warc = _warc(client, hostile.name)
    page = client.get(f"/cases/{hostile.name}/evidence", params={"warc": warc})
    assert page.status_code == 200
    html = page.text
    body = html.split('<main id="main"', 1)[1]
    assert "<img" not in body and "<iframe" not in body and "<video" not in body and "<svg" not in body
    assert "onerror" not in body and "onload" not in body and "javascript:" not in body
    assert html.count("<script") == 1 and '<script src="/static/common.js" defer></script>' in html  # ours only
    assert "SCRIPT-RAN" not in body and "var wallet" not in body  # the page's script is dropped, not shown or run
    # ... but the address in it is listed, marked, with where it was (issue 13), outside the page's text
    assert f"{SCRIPTED}</mark> — in a &lt;script&gt; element" in body and body.count(SCRIPTED) == 1
    assert "&lt;b&gt;not bold&lt;/b&gt;" in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert f'<mark class="found" title="address found by the capture">{VISIBLE}</mark>' in body
    assert f">{HIDDEN}</mark>" in body  # the zero-width trick undone
    assert re.search(r"\b\d+ invisible characters removed", body)
    assert "image/png" in body and "(not shown)" in body  # the kept image is listed, never displayed
    data = client.get(f"/api/cases/{hostile.name}/evidence", params={"warc": warc}).json()
    assert {"address": VISIBLE} in data["pages"][0]["pieces"]


def test_a_saved_graph_is_write_once_evidence_in_the_custody_log(client: httpx.Client, hostile: Case) -> None:
    graph = {"title": "t", "nodes": [{"id": "address:A", "caption": "a <b>", "x": 1, "y": 2, "pinned": True,
                                      "note": "seen on the forum"}, {"id": "cluster:7", "caption": "b"}],
             "edges": [{"id": "e", "source": "address:A", "target": "cluster:7", "amount": 5}]}
    saved = client.post(f"/api/cases/{hostile.name}/graph", json=graph)
    assert saved.status_code == 201, saved.text
    item = saved.json()
    path = hostile.folder / item["path"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
    entry = [e for e in hostile.log.entries() if e["seq"] == item["log_seq"]][0]
    assert entry["action"] == "graph.save" and entry["sha256"] == item["sha256"] and entry["operator"] == "Web Tester"
    stored = json.loads(path.read_text())
    assert stored["nodes"][0]["note"] == "seen on the forum" and stored["nodes"][0]["pinned"] is True
    assert verify_case(hostile, record=False).intact
    listed = client.get(f"/cases/{hostile.name}/report").text
    assert item["sha256"] in listed
    download = client.get(f"/cases/{hostile.name}/files/{item['sha256']}")
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == item["sha256"]
    assert "attachment" in download.headers["content-disposition"]
    broken = {**graph, "edges": [{"source": "address:A", "target": "cluster:nowhere"}]}
    refused = client.post(f"/api/cases/{hostile.name}/graph", json=broken)
    assert refused.status_code == 400 and "join two of its nodes" in refused.json()["error"]
    # An export of the view: SVG text escaped, in the log as graph.export; a picture that is not a PNG refused.
    svg = client.post(f"/api/cases/{hostile.name}/graph/export", json={"format": "svg", "graph": graph})
    assert svg.status_code == 201, svg.text
    drawn = (hostile.folder / svg.json()["path"]).read_text()
    assert "a &lt;b&gt;" in drawn and "<b>" not in drawn
    assert [e["action"] for e in hostile.log.entries() if e["sha256"] == svg.json()["sha256"]] == ["graph.export"]
    for body, words in (({"format": "pdf", "graph": graph}, "PNG, SVG or GraphML"),
                        ({"format": "png", "graph": graph, "png": "data:image/png;base64,aGVsbG8="}, "not a PNG"),
                        ({"format": "png", "graph": graph, "png": "%%%"}, "not valid base64"),
                        ({"format": "svg"}, "graph as drawn")):  # fmt: skip
        answer = client.post(f"/api/cases/{hostile.name}/graph/export", json=body)
        assert answer.status_code == 400 and words in answer.json()["error"], answer.text


def test_a_label_from_the_browser_is_checked_then_kept_in_the_case(client: httpx.Client, hostile: Case) -> None:
    address = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    url = f"/cases/{hostile.name}/address/{address}/label"
    for fields, words in (({"label": "x", "category": "nope"}, "not a GraphSense category"),
                          ({"label": " ", "category": "exchange"}, "a label needs a text"),
                          ({"label": "x", "category": "exchange", "confidence": "sure"}, "not a confidence level")):
        refused = client.post(url, data=fields)
        assert refused.status_code == 400 and words in refused.text, refused.text
    wrong = client.post(f"/cases/{hostile.name}/address/not-an-address/label",
                        data={"label": "x", "category": "exchange"})
    assert wrong.status_code == 400 and "not a valid address" in wrong.text
    before = len(hostile.log.entries())
    kept = client.post(url, data={"label": "<b>cash-out</b>", "category": "exchange", "note": "seen twice"})
    assert kept.status_code == 303 and "#own-labels" in kept.headers["location"]
    assert "stored=0" in kept.headers["location"], "this case has no ledger store to give it to"
    entries = hostile.log.entries()
    assert len(entries) == before + 1 and entries[-1]["action"] == "label.add"
    assert verify_case(hostile, record=False).intact


def _serve_process(cases: Path, *options: str) -> tuple[subprocess.Popen[str], int, str]:
    port = free_port("127.0.0.1")
    process = subprocess.Popen([sys.executable, "-m", "cointrail", "serve", "--cases-dir", str(cases),
                                "--port", str(port), *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Open "):  # the last line it prints before serving
        line = process.stdout.readline()
        if not line:
            process.communicate(timeout=20)
            raise AssertionError(f"cointrail serve stopped: {''.join(lines)}")
        lines.append(line)
    return process, port, "".join(lines)


def _wait_up(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


def test_any_bind_but_loopback_needs_the_printed_token(hostile: Case) -> None:
    process, port, printed = _serve_process(hostile.folder.parent, "--host", "0.0.0.0")
    try:
        token = printed.split("Access token (every request must carry it): ", 1)[1].split()[0]
        assert f"?token={token}" in printed
        base = f"http://127.0.0.1:{port}"
        _wait_up(base + "/cases")
        refused = httpx.get(base + "/api/cases")
        assert refused.status_code == 401 and "access token" in refused.json()["error"]
        assert httpx.get(base + "/static/app.css").status_code == 401  # every request, static files too
        assert httpx.get(base + "/api/cases", headers={"X-Cointrail-Token": token + "x"}).status_code == 401
        assert httpx.get(base + "/api/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        with httpx.Client(base_url=base) as browser_like:
            first = browser_like.get(f"/cases?token={token}")
            assert first.status_code == 303 and first.headers["location"] == "/cases"
            cookie = first.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=strict" in cookie
            assert browser_like.get("/cases").status_code == 200  # the cookie now carries it
    finally:
        process.terminate()
        process.communicate(timeout=20)  # also closes the pipes


def test_loopback_needs_no_token_and_says_where_to_go(hostile: Case) -> None:
    process, port, printed = _serve_process(hostile.folder.parent, "--case", hostile.name)
    try:
        assert f"Open http://127.0.0.1:{port}/cases/{hostile.name}" in printed and "token" not in printed.lower()
        _wait_up(f"http://127.0.0.1:{port}/cases")
        assert httpx.get(f"http://127.0.0.1:{port}/").headers["location"] == f"/cases/{hostile.name}"
        second = subprocess.run([sys.executable, "-m", "cointrail", "serve", "--cases-dir", str(hostile.folder.parent),
                                 "--port", str(port)], capture_output=True, text=True, timeout=60)  # fmt: skip
        assert second.returncode == 2 and f"port {port} of 127.0.0.1 is in use" in second.stderr
    finally:
        process.terminate()
        process.communicate(timeout=20)  # also closes the pipes


def test_without_the_graph_bundle_the_page_says_how_to_build_it(hostile: Case, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    import cointrail.web.templating as templating

    monkeypatch.setattr(templating, "GRAPH_BUNDLE", tmp_path / "absent" / "cytoscape.min.js")
    with serving(Workspace(hostile.folder.parent)) as up, httpx.Client(base_url=up.url) as http:
        page = http.get(f"/cases/{hostile.name}/graph")
    assert page.status_code == 200
    assert "The graph library is not installed" in page.text and "scripts/web-assets.sh" in page.text
    assert "/static/vendor/cytoscape.min.js" not in page.text  # no script tag pointing at nothing
