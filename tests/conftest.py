"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public test vectors in ../shared/data (not ours to commit).

    Tests that need them skip, with the reason, where the folder is absent.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public test vectors not found at {SHARED_DATA} (see ../shared/data/SOURCES.md)")
    return SHARED_DATA
