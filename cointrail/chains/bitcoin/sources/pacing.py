"""How fast a light source is asked: a least interval between requests per host, and exponential back-off.

Public servers limit what one client may ask (Esplora answers ``429 Too Many Requests`` without a
``Retry-After`` header, ElectrumX refuses "excessive resource usage"); a crawl that keeps asking is cut off, and
through Tor all sessions share those limits at the exit. So every request to a host waits its turn, and a refused
one is asked again after 1, 2, 4 … times the back-off, a few times, before the crawl gives up with a message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Pacer:
    """Spacing of requests per host (shared by every session of a source) and the back-off after a refusal."""

    min_interval: float = 0.0  # seconds between two requests to one host
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    retries: int = 4
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    waited: float = 0.0  # seconds slept, spacing and back-off together (for the crawl's report)

    def wait_turn(self, host: str) -> None:
        """Sleep until ``min_interval`` has passed since the last request to ``host``."""
        with self._lock:
            now = self.clock()
            due = self._last.get(host, now - self.min_interval) + self.min_interval
            self._last[host] = max(now, due)
        if due > now:
            self.pause(due - now)

    def pause(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)

    def delays(self) -> Iterator[float]:
        """The waits before each retry: backoff, 2 x backoff, 4 x backoff … (``retries`` of them)."""
        return (self.backoff * (1 << attempt) for attempt in range(self.retries))
