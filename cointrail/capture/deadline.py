"""Deadlines that a slow site cannot stretch: per response (head included) and per capture (issue 22).

httpx's timeouts are per socket operation: a site that sends its response head one byte a second never trips
the read timeout, and httpx's own time limit starts only after the head. So every socket read and write of a
capture goes through :class:`DeadlineBackend`, whose streams wait at most until the current deadline and
then fail as a read timeout, whatever the site does. The bytes read while no response has been handed over yet
(a response head still arriving) are kept, bounded, so that even a head that never finished is evidence.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
from httpcore import NetworkBackend, NetworkStream
from httpcore._backends.sync import SyncBackend

MAX_KEPT_HEAD = 64 * 1024  # raw bytes of an unfinished response head kept for the WARC


class Clock:
    """The deadline of the exchange under way (monotonic seconds) and what arrived before its head was read."""

    def __init__(self) -> None:
        self.until: float | None = None
        self.expired = False
        self.head_bytes = bytearray()
        self.watching_head = False

    def start(self, seconds: float, capture_until: float | None) -> None:
        """A new exchange: it may take ``seconds``, and no longer than the capture's own deadline."""
        until = time.monotonic() + seconds
        self.until = min(until, capture_until) if capture_until is not None else until
        self.expired = False
        self.head_bytes.clear()
        self.watching_head = True

    def left(self, timeout: float | None) -> float | None:
        """The socket timeout to use now: the smaller of ``timeout`` and the time left; fails when none is."""
        if self.until is None:
            return timeout
        remaining = self.until - time.monotonic()
        if remaining <= 0:
            self.expired = True
            raise httpcore.ReadTimeout("the time limit for this response was reached")
        return remaining if timeout is None else min(timeout, remaining)

    def saw(self, data: bytes) -> None:
        if self.watching_head and len(self.head_bytes) < MAX_KEPT_HEAD:
            self.head_bytes += data[: MAX_KEPT_HEAD - len(self.head_bytes)]


class _Stream(NetworkStream):
    def __init__(self, inner: NetworkStream, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data = self.inner.read(max_bytes, self.clock.left(timeout))
        except httpcore.ReadTimeout:
            if self.clock.until is not None and time.monotonic() >= self.clock.until:
                self.clock.expired = True
            raise
        self.clock.saw(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # What was read before the request went out (a SOCKS proxy's handshake replies) is not the response.
        self.clock.head_bytes.clear()
        self.inner.write(buffer, self.clock.left(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> NetworkStream:
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, self.clock.left(timeout)), self.clock)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class DeadlineBackend(NetworkBackend):
    """httpcore's synchronous sockets, each operation bounded by the :class:`Clock`'s deadline."""

    def __init__(self, clock: Clock) -> None:
        self.inner = SyncBackend()
        self.clock = clock

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> NetworkStream:
        stream = self.inner.connect_tcp(host, port, self.clock.left(timeout), local_address, socket_options)
        return _Stream(stream, self.clock)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> NetworkStream:
        return _Stream(self.inner.connect_unix_socket(path, self.clock.left(timeout), socket_options), self.clock)

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def install(transport: Any, clock: Clock) -> None:
    """Put the deadline backend under an httpx transport (httpx 0.28 takes no backend argument).

    The pool (a plain pool, or a SOCKS or HTTP proxy pool) opens every connection through
    ``_network_backend``; replacing it before the first request is the smallest change that bounds them all.
    """
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpcore has no _network_backend: the capture deadline cannot be enforced")
    pool._network_backend = DeadlineBackend(clock)
