"""Requests an attacker can make the browser send: odd tokens, cross-site GETs, crash loops, altered downloads.

Issue 22: a non-ASCII token made the token check raise before authentication (500 and a crash log each time);
cross-site GETs from any page could make the workspace re-hash a case or write crash logs; a download was
served under its logged hash without checking it.
"""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from webserver import Served, serving

from cointrail.cases import Case, create_case
from cointrail.web import Security, Workspace

pytestmark = pytest.mark.slow
TOKEN = "correct-horse-battery-staple-0123456789"


def _crash_logs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "cointrail-web-crash-*.log")))


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return create_case("hostile-requests", root=tmp_path_factory.mktemp("web-hostile") / "cases",
                       operator="Web Tester")  # fmt: skip


@pytest.fixture(scope="module")
def token_mode(case: Case) -> Iterator[Served]:
    with serving(Workspace(case.folder.parent, "Web Tester"), Security(token=TOKEN)) as up:
        yield up


@pytest.fixture(scope="module")
def loopback(case: Case) -> Iterator[Served]:
    with serving(Workspace(case.folder.parent, "Web Tester")) as up:
        yield up


def test_any_token_value_is_refused_as_wrong_never_a_crash(token_mode: Served) -> None:
    before = _crash_logs()
    odd = ["é", "\u2603" * 40, TOKEN + "é", "\x7f", "a" * 10_000]
    with httpx.Client(base_url=token_mode.url) as client:
        for _ in range(20):
            for value in odd:
                raw = value.encode("utf-8")
                assert client.get("/api/cases", headers={"X-Cointrail-Token": raw}).status_code == 401
                assert client.get("/api/cases", headers={"Authorization": b"Bearer " + raw}).status_code == 401
                assert client.get("/api/cases", headers={"Cookie": b"cointrail_token=" + raw}).status_code == 401
                assert client.get("/cases", params={"token": value}).status_code == 401
        assert client.get("/api/cases", headers={"X-Cointrail-Token": TOKEN}).status_code == 200
    assert _crash_logs() == before  # not one crash log


def test_a_crash_repeated_in_a_loop_writes_one_crash_log(loopback: Served) -> None:
    def buggy() -> None:
        raise RuntimeError("a bug, for this test")

    loopback.app.add_api_route("/api/test-bug", buggy)
    before = _crash_logs()
    # One connection each: after a crash, Starlette re-raises the error and uvicorn closes the connection.
    answers = [httpx.get(loopback.url + "/api/test-bug") for _ in range(50)]
    assert {a.status_code for a in answers} == {500}
    new = _crash_logs() - before
    assert len(new) == 1 and all(next(iter(new)) in a.json()["error"] for a in answers)


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Referer": "http://evil.example/page"}, {"Origin": "http://evil.example"}])
def test_a_page_of_another_site_cannot_make_the_workspace_work(loopback: Served, case: Case,
                                                              headers: dict[str, str]) -> None:
    with httpx.Client(base_url=loopback.url) as client:
        for path in (f"/cases/{case.name}", f"/api/cases/{case.name}", f"/cases/{case.name}/custody",
                     f"/cases/{case.name}/files/{'0' * 64}", "/api/cases/nosuchcase"):
            refused = client.get(path, headers=headers)
            assert refused.status_code == 403 and "opens only from the workspace itself" in refused.text, path
        assert client.get("/cases", headers=headers).status_code == 200  # the entry pages still open from a link
        assert client.get(f"/cases/{case.name}", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
        assert client.get(f"/cases/{case.name}", headers={"Sec-Fetch-Site": "none"}).status_code == 200
        assert client.get(f"/cases/{case.name}", headers={"Referer": f"{loopback.url}/cases"}).status_code == 200


def test_a_download_that_no_longer_matches_its_logged_hash_is_refused(loopback: Served, case: Case) -> None:
    graph = {"title": "t", "nodes": [{"id": "address:A", "caption": "a"}], "edges": []}
    with httpx.Client(base_url=loopback.url) as client:
        saved = client.post(f"/api/cases/{case.name}/graph", json=graph).json()
        assert client.get(f"/cases/{case.name}/files/{saved['sha256']}").status_code == 200
        path = Path(case.folder / saved["path"])
        path.chmod(0o644)
        path.write_bytes(path.read_bytes().replace(b'"t"', b'"T"'))
        refused = client.get(f"/cases/{case.name}/files/{saved['sha256']}")
    assert refused.status_code == 409 and "no longer matches the SHA-256" in refused.text
