"""Capturing through a real SOCKS5 proxy (Debian's microsocks) on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from capture_site import ADDR, Site, default_routes, running
from test_capture_hostile import free_port
from test_capture_site import found, warc_records

from cointrail.capture import CaptureOptions, capture_url
from cointrail.cases import Case
from cointrail.errors import ExternalServiceError


@pytest.fixture
def socks_proxy(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A microsocks SOCKS5 proxy on a free loopback port; yields (proxy URL, its log file)."""
    binary = shutil.which("microsocks")
    if binary is None:
        pytest.skip("microsocks is not installed (scripts/system-deps.sh installs it)")
    port, log = free_port(), tmp_path / "microsocks.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([binary, "-i", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out)
    try:
        _wait_listening(port)
        yield f"socks5h://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_listening(port: int) -> None:
    import socket

    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("microsocks did not start")


def _logged(log: Path, line: str) -> bool:
    """Whether microsocks logged ``line`` (it writes from its own thread; give it a moment)."""
    for _ in range(40):
        if line in log.read_text():
            return True
        time.sleep(0.05)
    return False


def test_capture_goes_through_the_socks_proxy(case: Case, site: Site, socks_proxy: tuple[str, Path]) -> None:
    proxy, log = socks_proxy
    summary = capture_url(case, site.url + "/", CaptureOptions(proxy=proxy))
    assert ADDR.text in found(summary)
    port = site.url.rsplit(":", 1)[1]
    assert _logged(log, f"connected to 127.0.0.1:{port}"), "the request did not go through the proxy"
    meta = json.loads(warc_records(case.folder / summary["warc"]["path"])[-1][3])
    assert meta["proxy"] == proxy and summary["proxy"] == proxy
    response = next(r for r in warc_records(case.folder / summary["warc"]["path"]) if r[0] == "response")
    assert response[1].get_header("WARC-IP-Address") is None  # it would be the proxy's, not the site's


@pytest.fixture
def localhost_site() -> Iterator[Site]:
    """The payment site at http://localhost:PORT, on both loopback addresses."""
    try:
        served = running(Site("", default_routes()), host="localhost")
        site = served.__enter__()
    except OSError:
        pytest.skip("this machine has no IPv6 loopback for a dual-stack test server")
    yield site
    served.__exit__(None, None, None)


def test_names_are_resolved_by_the_proxy(case: Case, localhost_site: Site, socks_proxy: tuple[str, Path]) -> None:
    """With socks5h the proxy gets the name, as Tor needs for .onion: microsocks logs what it was asked for."""
    proxy, log = socks_proxy
    site = localhost_site
    summary = capture_url(case, site.url + "/", CaptureOptions(proxy=proxy))
    assert ADDR.text in found(summary)
    assert _logged(log, f"connected to localhost:{site.url.rsplit(':', 1)[1]}")


def test_a_dead_proxy_is_named_as_the_cause(case: Case, site: Site) -> None:
    with pytest.raises(ExternalServiceError, match="could not capture"):
        capture_url(case, site.url + "/", CaptureOptions(proxy=f"socks5h://127.0.0.1:{free_port()}"))
    assert site.log == [], "nothing may bypass the proxy"
