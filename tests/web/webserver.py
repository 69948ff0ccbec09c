"""The real workspace served by uvicorn on 127.0.0.1, on a free port, in a thread of the test process."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from cointrail.cli.serve_cmd import free_port
from cointrail.web import Security, Workspace, create_app


@dataclass
class Served:
    """A running workspace: its base URL, host:port, and the app."""

    url: str
    netloc: str
    app: FastAPI


@contextmanager
def serving(workspace: Workspace, security: Security | None = None) -> Iterator[Served]:
    """Serve ``workspace`` until the block ends (the server always stops)."""
    port = free_port("127.0.0.1")
    app = create_app(workspace, security or Security.for_bind("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="cointrail-web-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workspace did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def chromium_or_skip() -> str:
    """Debian's Chromium, or skip the test saying how to install it."""
    import pytest

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    return path
