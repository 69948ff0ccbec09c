"""``capture --render --proxy``: nothing the page's JavaScript or Chromium does may bypass the proxy (issue 22).

A real STUN listener (UDP on loopback) stands for a hostile site's STUN server, and a logging SOCKS5 proxy
sees every connection: the page tries WebRTC twice (in its own window, and in a fresh iframe that init
scripts may not reach), and the test checks that no UDP packet arrived, that every TCP connection went
through the proxy to the site, that the rendering browser sent the plain fetches' User-Agent, and that
Chromium ran sandboxed as an unprivileged user.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from capture_site import ADDR, Site
from socks_logger import logging_socks_proxy
from test_capture_site import found, warc_records

from cointrail.capture import CaptureOptions, capture_url
from cointrail.capture.fetch import USER_AGENT
from cointrail.cases import Case
from cointrail.errors import ExternalServiceError

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")


class StunListener:
    """A UDP socket on loopback that keeps every datagram it gets (a STUN server would answer them)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets: list[tuple[bytes, tuple[str, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self.packets.append(self.sock.recvfrom(2048))
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def stun() -> Iterator[StunListener]:
    listener = StunListener()
    yield listener
    listener.close()


def webrtc_page(stun_port: int) -> bytes:
    """A page that asks for ICE candidates from a STUN server, in its window and in a new iframe."""
    return f"""<!doctype html><html><head><meta charset="utf-8"></head><body><p id="pay">loading</p>
<script>
  const ice = {{iceServers: [{{urls: "stun:127.0.0.1:{stun_port}"}}]}};
  function probe(P) {{
    if (!P) return "absent";
    const pc = new P(ice);
    pc.createDataChannel("leak");
    pc.createOffer().then((offer) => pc.setLocalDescription(offer));
    return "tried";
  }}
  let own = "error", framed = "error";
  try {{ own = probe(window.RTCPeerConnection || window.webkitRTCPeerConnection); }} catch (e) {{}}
  const frame = document.createElement("iframe");
  document.body.appendChild(frame);
  try {{ framed = probe(frame.contentWindow.RTCPeerConnection); }} catch (e) {{}}
  document.getElementById("pay").textContent = "Pay to {ADDR.faq} (webrtc " + own + "/" + framed + ")";
</script></body></html>""".encode()


def _browser_processes() -> list[dict[str, object]]:
    """Chromium processes started for a cointrail render: their uid, flags and seccomp state."""
    found_processes = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except (OSError, ValueError):
            continue
        if not any(b"cointrail-render-" in part for part in cmdline):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        found_processes.append({"uid": int(fields["Uid"].split()[1]), "seccomp": fields.get("Seccomp", "").strip(),
                                "renderer": b"--type=renderer" in cmdline, "no_sandbox": b"--no-sandbox" in cmdline})
    return found_processes


def test_render_through_a_proxy_leaks_nothing(case: Case, site: Site, stun: StunListener) -> None:
    seen: list[dict[str, str]] = []
    processes: list[dict[str, object]] = []

    def page(handler: BaseHTTPRequestHandler) -> None:
        seen.append({k.lower(): v for k, v in handler.headers.items()})
        processes.extend(_browser_processes())  # none while httpx fetches; Chromium's while it renders
        body = webrtc_page(stun.port)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.routes["/app"] = page
    with logging_socks_proxy() as proxy:
        summary = capture_url(case, site.url + "/app", CaptureOptions(proxy=proxy.url, render=True))
        time.sleep(1.0)  # any late STUN retransmission would arrive by now
    assert ADDR.faq in found(summary) and summary["rendered"]["problem"] is None
    dom = next(r[3] for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "resource")
    assert b"(webrtc absent/" in dom, "the page's own window has no RTCPeerConnection"
    assert stun.packets == [], "a STUN packet went out directly, outside the proxy"
    site_target = site.url.split("//", 1)[1]
    assert proxy.targets() == {site_target}, f"connections other than to the site: {proxy.requests}"
    assert all(command == "connect" for command, _, _ in proxy.requests)
    assert len(seen) >= 2, "the page was fetched and rendered"
    assert {headers["user-agent"] for headers in seen} == {USER_AGENT}
    assert not [name for headers in seen for name in headers if name.startswith("sec-ch-")]
    if os.geteuid() == 0:
        assert processes and all(p["uid"] != 0 and not p["no_sandbox"] for p in processes), processes
        assert all(p["seccomp"] == "2" for p in processes if p["renderer"]), processes


def test_the_page_sees_no_webrtc(case: Case, site: Site, stun: StunListener) -> None:
    site.routes["/app"] = (200, {"Content-Type": "text/html; charset=utf-8"}, webrtc_page(stun.port))
    summary = capture_url(case, site.url + "/app", CaptureOptions(render=True))
    dom = next(r[3] for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "resource")
    assert ADDR.faq in found(summary) and b"(webrtc absent/" in dom, dom
    assert stun.packets == [], "with no proxy, WebRTC may still send no UDP of its own"


@pytest.mark.skipif(os.geteuid() != 0, reason="as an ordinary user Chromium is sandboxed without a user switch")
def test_render_is_refused_when_the_sandbox_cannot_be_had(case: Case, site: Site,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from cointrail.capture import sandbox

    monkeypatch.setattr(sandbox, "RENDER_USER", "cointrail-no-such-user")
    with pytest.raises(ExternalServiceError, match="sandbox"):
        capture_url(case, site.url + "/", CaptureOptions(proxy="socks5h://127.0.0.1:9", render=True))
    assert site.log == [] and len(case.log.entries()) == 1, "refused before anything was fetched or written"


def test_the_webrtc_policy_holds_even_where_the_api_is_left(case: Case, site: Site, stun: StunListener,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The two guards are independent: with the init script empty, WebRTC runs, and still sends no UDP."""
    from cointrail.capture import render

    monkeypatch.setattr(render, "_INIT_SCRIPT", "")
    site.routes["/app"] = (200, {"Content-Type": "text/html; charset=utf-8"}, webrtc_page(stun.port))
    with logging_socks_proxy() as proxy:
        summary = capture_url(case, site.url + "/app", CaptureOptions(proxy=proxy.url, render=True))
        time.sleep(1.0)
    dom = next(r[3] for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "resource")
    assert b"(webrtc tried/tried)" in dom, "the page could use WebRTC"
    assert stun.packets == [], "yet no STUN packet went out"
    assert proxy.targets() == {site.url.split("//", 1)[1]}
