"""Running the workspace inside another program (tests, benchmarks): uvicorn in a thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI


def free_port(host: str) -> int:
    """A port nobody listens on at ``host`` now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (so the server could not start there)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


@dataclass
class Served:
    """A running workspace: its base URL and its ``host:port``."""

    url: str
    netloc: str
    app: FastAPI


@contextmanager
def serve_in_thread(make_app: Callable[[int], FastAPI], host: str = "127.0.0.1") -> Iterator[Served]:
    """Serve the app ``make_app(port)`` returns until the block ends; the server always stops."""
    import uvicorn

    port = free_port(host)
    app = make_app(port)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="cointrail-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workspace did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://{host}:{port}", f"{host}:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
