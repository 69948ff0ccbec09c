"""Fixtures for capture tests: the benign payment site on loopback, and a fresh case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from capture_site import Site, default_routes, running

from cointrail.cases import Case, create_case


@pytest.fixture
def site() -> Iterator[Site]:
    """The benign payment site, served on 127.0.0.1 for one test."""
    with running(Site("", default_routes())) as served:
        yield served


@pytest.fixture
def case(tmp_path: Path) -> Case:
    """An empty case in the test's own folder."""
    return create_case("test-case", root=tmp_path / "cases", operator="Test Operator")
