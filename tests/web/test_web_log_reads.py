"""Each request of the workspace reads and checks the case's custody log once (cointrail.web.request_case)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from webserver import Served

from cointrail.cases import open_case
from cointrail.cases.custody import ChainReport, CustodyLog
from cointrail.cases.site import captured_site_addresses
from cointrail.web.request_case import for_one_request

pytestmark = [pytest.mark.node]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Every read and check of a custody log from here on, by its file."""
    found: list[Path] = []
    check = CustodyLog.check

    def counted(self: CustodyLog) -> ChainReport:
        found.append(self.path)
        return check(self)

    monkeypatch.setattr(CustodyLog, "check", counted)
    yield found


def test_a_page_reads_the_custody_log_once(demo_served: Served, demo_case: str, demo_run: dict[str, Any],
                                           reads: list[Path]) -> None:  # fmt: skip
    case = open_case(demo_case, root=Path(demo_run["capture"]["case_folder"]).parent)
    address = captured_site_addresses(case).addresses[0]
    pages = [f"/cases/{demo_case}", f"/cases/{demo_case}/address/{address}",  # the site, labels, own labels
             f"/api/cases/{demo_case}/graph/expand?node=site:captured&direction=backward",  # the site read twice
             f"/api/cases/{demo_case}/graph/start", f"/cases/{demo_case}/alerts", f"/cases/{demo_case}/report"]
    with httpx.Client(base_url=demo_served.url, timeout=60) as client:
        for url in pages:
            reads.clear()
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.text[:300])
            assert reads == [case.folder / "custody.jsonl"], (url, len(reads))


def test_an_entry_the_request_adds_is_read_back(tmp_path: Path, reads: list[Path]) -> None:
    from cointrail.cases import create_case

    case = for_one_request(create_case("once", root=tmp_path, operator="Ana"))
    first = case.log.entries()
    assert case.log.entries() == first and len(reads) == 1
    case.log.entries().reverse()  # a caller's own copy: the next one is in order still
    entry = case.record("note.add", "a note")
    assert case.log.entries() == [*first, entry] and len(reads) == 2
    assert case.log.check().intact


def test_a_log_changed_by_another_process_is_read_again(tmp_path: Path, reads: list[Path]) -> None:
    from cointrail.cases import create_case

    case = for_one_request(create_case("grows", root=tmp_path, operator="Ana"))
    assert len(case.log.entries()) == 1
    open_case("grows", root=tmp_path, operator="Watch").record("watch.alert", "an alert")  # another process
    assert [e["action"] for e in case.log.entries()][-1] == "watch.alert" and len(reads) == 2
    text = case.log.path.read_bytes()
    case.log.path.write_bytes(text.replace(b"an alert", b"an alarm"))  # changed by hand: checked again, refused
    assert not case.log.check().intact and len(reads) == 3
