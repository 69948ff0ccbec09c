"""A damaged ledger store is a clear error naming the store and what to do, never "a bug in cointrail" (issue 22)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from webserver import serving

from cointrail.cases import create_case
from cointrail.cli import main
from cointrail.investigation import case_store
from cointrail.store.duckdb.store import LedgerStore
from cointrail.web import Workspace

pytestmark = pytest.mark.slow


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for at in range(4096, len(data), 97):  # past the file header: the blocks fail their checksums
        data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_store_is_exit_2_with_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "ledger.duckdb"
    LedgerStore.open(db, "bitcoin", "mainnet").close()
    _damage(db)
    assert main(["labels", "list", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"the ledger store {db} is damaged" in err and "restore it" in err and "cointrail ingest" in err
    assert "bug" not in err


def test_the_workspace_says_which_case_has_a_damaged_store_and_still_shows_it(tmp_path: Path) -> None:
    case = create_case("damaged-store", root=tmp_path / "cases", operator="Web Tester")
    store = case_store(case)
    store.parent.mkdir(parents=True, exist_ok=True)
    LedgerStore.open(store, "bitcoin", "mainnet").close()
    _damage(store)
    with serving(Workspace(case.folder.parent, "Web Tester")) as up, httpx.Client(base_url=up.url) as client:
        page = client.get(f"/cases/{case.name}")
    assert page.status_code == 200
    assert "The case damaged-store: the ledger store" in page.text and "is damaged" in page.text
    assert "Intact." in page.text  # its evidence is still checked and shown
