"""Fixtures of the report tests: the shared case (capture + ledger store), built once per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportcase import Story, make_story  # noqa: E402 - needs the path above


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """The case with a capture of the site, and its ledger store (closed: tests open it themselves)."""
    yield make_story(tmp_path_factory.mktemp("report"))
