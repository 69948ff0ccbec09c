"""Fixtures of the export tests: the report tests' case, and its facts collected once."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "report"))

from reportcase import Story, make_story  # noqa: E402 - needs the path above

from cointrail.facts import collect_facts  # noqa: E402
from cointrail.store.duckdb.store import LedgerStore  # noqa: E402


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """The case with a capture of the site, and its ledger store (closed: tests open it themselves)."""
    yield make_story(tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def facts(story: Story) -> dict[str, Any]:
    with LedgerStore.open(story.db, read_only=True) as store:
        return collect_facts(story.case, store)
