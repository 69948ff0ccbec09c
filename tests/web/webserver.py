"""The real workspace served by uvicorn on 127.0.0.1, on a free port, in a thread of the test process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cointrail.capture.render import chromium_path
from cointrail.errors import ExternalServiceError
from cointrail.web import Security, Workspace, create_app
from cointrail.web.server import Served, serve_in_thread

__all__ = ["Served", "chromium_or_skip", "serving"]


@contextmanager
def serving(workspace: Workspace, security: Security | None = None) -> Iterator[Served]:
    """Serve ``workspace`` until the block ends (loopback rules unless ``security`` is given)."""
    with serve_in_thread(lambda port: create_app(workspace, security or Security.for_bind("127.0.0.1", port))) as up:
        yield up


def chromium_or_skip() -> str:
    """Debian's Chromium, or skip the test saying how to install it."""
    import pytest

    try:
        return chromium_path()
    except ExternalServiceError:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
