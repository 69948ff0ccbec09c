"""A generated payment page full of things the workspace must never render: scripts, images, frames, handlers.

Everything is benign and made here: the "image" is a one-pixel PNG drawn at run time, the addresses are
generated from a seed (Bitcoin testnet), the script only writes a word.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

from cointrail.addresses import address_for_script
from cointrail.addresses.script import witness_script
from cointrail.capture import CaptureOptions, capture_url, served_directory
from cointrail.cases import Case, create_case

ZWSP = "\u200b"


def generated_address(seed: str) -> str:
    """A valid Bitcoin testnet address from a hash of ``seed`` (no one holds its key)."""
    address = address_for_script(witness_script(0, hashlib.sha256(seed.encode()).digest()[:20]), "bitcoin", "testnet")
    assert address is not None
    return address


VISIBLE = generated_address("web-visible")
HIDDEN = generated_address("web-hidden")
SCRIPTED = generated_address("web-script")


def tiny_png() -> bytes:
    """A one-pixel grey PNG, made here."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + \
        chunk(b"IEND", b"")


def page() -> str:
    hidden = ZWSP.join(HIDDEN[i:i + 5] for i in range(0, len(HIDDEN), 5))
    return f"""<!doctype html><html><head><title>Members</title>
<style>body {{ background: url(/bg.png) }}</style>
<script>document.write("SCRIPT-RAN"); var wallet = "{SCRIPTED}";</script></head>
<body onload="alert('x')"><h1>Join the club</h1>
<p>Pay 0.001 BTC to {VISIBLE} for a month.</p>
<p>Backup: <span>{hidden}</span></p>
<p>Literal markup in the text: &lt;b&gt;not bold&lt;/b&gt; and &lt;script&gt;alert(1)&lt;/script&gt;</p>
<img src="/pic.png" onerror="alert('img')" alt="PICTURE-ALT">
<iframe src="/frame.html"></iframe><video src="/clip.mp4"></video>
<svg><text>SVG-TEXT</text></svg>
<a href="javascript:alert(1)">a link</a>
</body></html>"""


def hostile_case(root: Path, name: str = "web-hostile") -> Case:
    """A case holding a capture (with media: the one-pixel image is fetched and kept) of the page."""
    site = root / f"{name}-site"
    site.mkdir(parents=True)
    (site / "index.html").write_text(page(), encoding="utf-8")
    (site / "pic.png").write_bytes(tiny_png())
    (site / "bg.png").write_bytes(tiny_png())
    case = create_case(name, root=root / "cases", operator="Web Tester")
    with served_directory(site) as (url, _):
        capture_url(case, url + "index.html", CaptureOptions(include_media=True))
    return case
