"""Bounds of one capture: every number that stops a hostile site from hurting us."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class CaptureLimits:
    """Timeouts and size limits; a capture stops reading at each and says so."""

    connect_timeout_s: float = 20.0
    read_timeout_s: float = 30.0
    response_time_s: float = 120.0  # a whole response, head included, against sites that drip bytes
    capture_time_s: float = 1800.0  # the whole capture, every page, image and the rendering
    max_response_bytes: int = 20 * MIB  # raw bytes of one response as received
    max_decoded_bytes: int = 50 * MIB  # one body after gzip/deflate, against decompression bombs
    max_capture_bytes: int = 200 * MIB  # raw bytes of all responses of one capture
    max_redirects: int = 10
    max_pages: int = 200
    max_images: int = 100
    max_image_pixels: int = 40_000_000  # before decoding an image for QR codes
    render_timeout_s: float = 60.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data, recorded in the WARC metadata record."""
        return asdict(self)


class Budget:
    """Raw bytes left for the whole capture, shared by every fetch."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0

    @property
    def left(self) -> int:
        return max(0, self.total - self.used)

    def spend(self, count: int) -> None:
        self.used += count
