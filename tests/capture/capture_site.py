"""A benign payment site for capture tests, served on loopback, with generated addresses.

The site is a real HTTP server (``http.server``) in a thread; its access log
tells the tests what was really requested. Every address is generated here
from hashes of fixed strings: none belongs to anyone.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import segno

from cointrail.addresses import address_for_script
from cointrail.addresses.script import p2pkh_script, witness_script

ZWSP = "\u200b"


def generated_address(seed: str, kind: str = "p2wpkh", chain: str = "bitcoin", network: str = "testnet") -> str:
    """A valid test-network address from a hash of ``seed`` (no one holds its key)."""
    digest = hashlib.sha256(seed.encode()).digest()[:20]
    script = witness_script(0, digest) if kind == "p2wpkh" else p2pkh_script(digest)
    address = address_for_script(script, chain, network)
    assert address is not None
    return address


@dataclass(frozen=True)
class Addresses:
    text: str = generated_address("text")
    attribute: str = generated_address("attribute", "p2pkh")
    script_inline: str = generated_address("inline script")
    uri: str = generated_address("payment uri")
    zero_width: str = generated_address("zero width", chain="litecoin", network="regtest")
    script_file: str = generated_address("script file", "p2pkh")
    faq: str = generated_address("faq page")
    qr: str = generated_address("qr code")


ADDR = Addresses()


def zero_width(address: str) -> str:
    """The address with zero-width spaces between every few characters."""
    return ZWSP.join(address[i:i + 6] for i in range(0, len(address), 6))


def payment_page() -> bytes:
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Premium access - payment</title>
<script src="/static/pay.js"></script></head>
<body>
<h1>Choose your plan</h1>
<p>Send 0.001 BTC to {ADDR.text} to unlock the monthly plan.</p>
<div class="wallet" data-wallet="{ADDR.attribute}">copy</div>
<a href="bitcoin:{ADDR.uri}?amount=0.0015&amp;label=Premium">Pay with your wallet</a>
<p>Litecoin: <span>{zero_width(ADDR.zero_width)}</span></p>
<img src="/img/qr.png" alt="scan to pay">
<video src="/media/promo.mp4" poster="/media/poster.jpg"></video>
<a href="/faq.html">Questions</a> <a href="https://elsewhere.example/">partner</a>
<script>var backupWallet = "{ADDR.script_inline}";</script>
</body></html>
""".encode()


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


Route = Callable[[BaseHTTPRequestHandler], None] | tuple[int, dict[str, str], bytes]


def dripping(seconds: float, piece: bytes = b" ", pause: float = 0.05) -> Callable[[BaseHTTPRequestHandler], None]:
    """A route that sends a page with an address, then ``piece`` every ``pause`` s for ``seconds``, never finishing.

    Its Content-Length promises 100,000 bytes, so the body stays incomplete: a slow site for the time limits.
    """

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        handler.wfile.write(f"<p>{ADDR.text}</p>".encode())
        handler.wfile.flush()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                handler.wfile.write(piece)
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(pause)

    return route


def default_routes() -> dict[str, Route]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    return {
        "/": (200, html, payment_page()),
        "/static/pay.js": (200, {"Content-Type": "application/javascript"},
                           f'const fallback = "{ADDR.script_file}";\n'.encode()),
        "/faq.html": (200, html, f"<html><body><p>Support wallet: {ADDR.faq}</p></body></html>".encode()),
        "/img/qr.png": (200, {"Content-Type": "image/png"}, qr_png(f"bitcoin:{ADDR.qr}?amount=0.002")),
        "/media/promo.mp4": (200, {"Content-Type": "video/mp4"}, b"\x00" * 1000),
        "/media/poster.jpg": (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff"),
        "/old": (302, {"Location": "/"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/gzip": (200, {**html, "Content-Encoding": "gzip"}, gzip.compress(payment_page())),
    }


@dataclass
class Site:
    """A running test site: its base URL, routes (editable) and access log."""

    url: str
    routes: dict[str, Route]
    log: list[str] = field(default_factory=list)

    def requested(self, path: str) -> bool:
        return path in self.log


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            site.log.append(self.path)
            route = site.routes.get(self.path)
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
            elif callable(route):
                route(self)
            else:
                self._send(*route)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class _DualStackServer(ThreadingHTTPServer):
    """Listens on ::1 and 127.0.0.1 at once, so ``localhost`` works whichever a resolver picks."""

    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


@contextmanager
def running(site: Site, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[Site]:
    """Serve ``site`` on ``host`` (a free port) while the block runs; over TLS with ``tls``.

    ``host="localhost"`` serves on both loopback addresses (IPv6 and IPv4).
    """
    if host == "localhost":
        server: ThreadingHTTPServer = _DualStackServer(("::", 0), _handler(site))
    else:
        server = ThreadingHTTPServer((host, 0), _handler(site))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    site.url = f"{scheme}://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
