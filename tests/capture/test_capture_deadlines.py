"""Deadlines a slow site cannot stretch, and captures that end early but keep what came (issue 22).

A response head sent a byte at a time used to keep ``capture`` waiting for ever (the response time limit
started after the head, and the read timeout restarted with every byte); a SIGTERM lost everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest
from capture_site import ADDR, Site, dripping
from test_capture_site import found, warc_records

from cointrail.capture import CaptureLimits, CaptureOptions, capture_url
from cointrail.cases import Case, open_case, verify_case
from cointrail.errors import ExternalServiceError

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n" + b"X-Pad: slow\r\n" * 20 + b"\r\n"


def _drip_head(handler: BaseHTTPRequestHandler) -> None:
    """The response head at ten bytes a second (40 s for all of it)."""
    for byte in HEAD:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.1)


def test_a_response_head_sent_byte_by_byte_is_cut_at_the_response_limit(case: Case, site: Site) -> None:
    site.routes["/slow-head"] = _drip_head
    began = time.monotonic()
    with pytest.raises(ExternalServiceError, match=r"did not arrive within 1 s"):
        capture_url(case, site.url + "/slow-head", CaptureOptions(limits=CaptureLimits(response_time_s=1.0)))
    assert time.monotonic() - began < 10, "the head's slowness must not stretch the response limit"
    warc = next(e["object"] for e in case.log.entries() if e["action"] == "capture.warc")
    kept = [r for r in warc_records(case.folder / warc) if r[0] == "resource"]
    assert kept and kept[0][1].get_header("WARC-Truncated") == "time"
    assert HEAD.startswith(kept[0][3]) and kept[0][3].startswith(b"HTTP/1.1"), "the bytes that came are kept"
    assert verify_case(case).intact


def test_the_whole_capture_has_a_deadline(case: Case, site: Site) -> None:
    links = "".join(f'<a href="/slow{i}">{i}</a>' for i in range(6))
    site.routes["/index"] = (200, {"Content-Type": "text/html"}, f"<p>{ADDR.faq}</p>{links}".encode())
    for i in range(6):
        site.routes[f"/slow{i}"] = dripping(1.0)
    limits = CaptureLimits(capture_time_s=1.5, response_time_s=30.0)
    began = time.monotonic()
    summary = capture_url(case, site.url + "/index", CaptureOptions(depth=1, limits=limits))
    assert time.monotonic() - began < 6
    assert summary["status"] == "partial" and {ADDR.faq, ADDR.text} <= found(summary)
    assert any("overall time limit of 2 s was reached" in w for w in summary["warnings"])
    assert len([p for p in summary["pages"] if p["status"]]) < 7
    entry = case.log.entries()[-1]
    assert entry["action"] == "capture.cut_short" and "overall time limit" in entry["object"]
    assert verify_case(case).intact


@pytest.mark.parametrize("signum, name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")])
def test_a_signal_keeps_and_logs_what_was_received(case: Case, site: Site, signum: int, name: str) -> None:
    started = threading.Event()
    inner = dripping(60.0)

    def route(handler: BaseHTTPRequestHandler) -> None:
        started.set()
        inner(handler)

    site.routes["/endless"] = route
    command = [sys.executable, "-m", "cointrail", "capture", site.url + "/endless", "--case", case.name,
               "--cases-dir", str(case.folder.parent), "--json"]
    # SIGINT as a terminal gives it: a suite started in the background (nohup, a shell's &) hands its children
    # SIGINT ignored, and Python then never turns it into KeyboardInterrupt (the capture read on for 60 s).
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    try:
        assert started.wait(30), "the capture never asked for the page"
        time.sleep(1.0)  # the address has arrived; the body keeps coming
        process.send_signal(signum)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
        process.communicate()  # reaped here, whatever happened: never left running into the next test
    assert process.returncode == 130, err
    case = open_case(case.name, case.folder.parent)
    actions = [e["action"] for e in case.log.entries()]
    assert actions[1:] == ["capture.warc", "capture.findings", "capture.summary", "capture.cut_short"]
    assert f"stopped by {name}" in case.log.entries()[-1]["object"]
    summary_path = next(e["object"] for e in case.log.entries() if e["action"] == "capture.summary")
    summary = json.loads((case.folder / summary_path).read_text())
    assert summary["status"] == "partial" and ADDR.text in found(summary)
    response = next(r for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "response")
    assert response[1].get_header("WARC-Truncated") == "unspecified" and ADDR.text.encode() in response[3]
    assert verify_case(case).intact


def test_through_a_proxy_the_kept_head_is_the_site_s_alone(case: Case, site: Site) -> None:
    from socks_logger import logging_socks_proxy

    site.routes["/slow-head"] = _drip_head
    with logging_socks_proxy() as proxy, pytest.raises(ExternalServiceError, match="did not arrive"):
        capture_url(case, site.url + "/slow-head",
                    CaptureOptions(proxy=proxy.url, limits=CaptureLimits(response_time_s=1.0)))
    warc = next(e["object"] for e in case.log.entries() if e["action"] == "capture.warc")
    kept = [r for r in warc_records(case.folder / warc) if r[0] == "resource"]
    assert kept[0][3].startswith(b"HTTP/1.1"), "no SOCKS handshake bytes in the kept head"
