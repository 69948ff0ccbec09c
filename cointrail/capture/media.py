"""Images, handled safely: decoded only to read QR codes, never shown.

Pillow parses the image (after its size is checked, so a pixel bomb is
refused before it is decoded) and zxing-cpp reads the barcodes.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

import zxingcpp
from PIL import Image, UnidentifiedImageError


@dataclass
class QrReading:
    """The barcodes read from one image, or why none could be."""

    texts: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    problem: str | None = None


def read_codes(data: bytes, max_pixels: int) -> QrReading:
    """Decode every barcode (QR and others) in an image's bytes."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                return QrReading(problem=f"the image is {width}×{height} pixels, over the limit; it was not decoded")
            image.load()
            results = zxingcpp.read_barcodes(image.convert("L"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        return QrReading(problem=f"the image could not be decoded ({error})")
    return QrReading([r.text for r in results], [str(r.format).split(".")[-1] for r in results])


def data_uri_bytes(uri: str) -> bytes | None:
    """The bytes of a ``data:`` URI (base64 or percent-encoded), or None if malformed."""
    head, sep, body = uri.partition(",")
    if not sep:
        return None
    try:
        if head.lower().endswith(";base64"):
            return base64.b64decode(body, validate=False)
        return unquote_to_bytes(body)
    except (binascii.Error, ValueError):
        return None
