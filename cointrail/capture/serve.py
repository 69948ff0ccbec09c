"""Serve a folder over HTTP on loopback, in a thread: for the demo and the tests."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files; records each request path instead of printing it."""

    access_log: list[str]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.access_log.append(self.path)


def serve_directory(path: str | Path, host: str = "127.0.0.1") -> tuple[str, Callable[[], None], list[str]]:
    """Serve ``path`` at ``http://host:PORT/`` on a free port.

    Returns ``(base_url, stop, access_log)``: call ``stop()`` to shut the
    server down; ``access_log`` lists the paths requested so far.
    """
    log: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"access_log": log})
    server = ThreadingHTTPServer((host, 0), functools.partial(handler, directory=str(path)))
    thread = threading.Thread(target=server.serve_forever, name="cointrail-serve", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return f"http://{host}:{server.server_address[1]}/", stop, log


@contextmanager
def served_directory(path: str | Path, host: str = "127.0.0.1") -> Iterator[tuple[str, list[str]]]:
    """Serve ``path`` for the ``with`` block: ``(base_url, access_log)``; stopped however the block ends."""
    url, stop, log = serve_directory(path, host)
    try:
        yield url, log
    finally:
        stop()
