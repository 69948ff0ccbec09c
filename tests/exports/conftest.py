"""Fixtures of the export tests: the report tests' case, and its facts collected once."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clustering"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "report"))

from reportcase import Story, build_chain, captured_case  # noqa: E402 - needs the paths above

from cointrail.ledger.store import LedgerStore  # noqa: E402
from cointrail.report import collect_facts  # noqa: E402


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    root = tmp_path_factory.mktemp("exports")
    chain = build_chain(root / "ledger.duckdb")
    try:
        case = captured_case(root, chain)
    finally:
        chain.close()
    yield Story(case, root / "ledger.duckdb", chain)


@pytest.fixture(scope="module")
def facts(story: Story) -> dict[str, Any]:
    with LedgerStore.open(story.db, read_only=True) as store:
        return collect_facts(story.case, store)
