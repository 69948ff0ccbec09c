"""HTTPS capture: the server certificate's SHA-256 fingerprint is recorded."""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from capture_site import ADDR, Site, default_routes, running
from test_capture_site import found

from cointrail.capture import CaptureOptions, capture_url
from cointrail.capture.fetch import Fetcher
from cointrail.capture.limits import CaptureLimits
from cointrail.cases import Case
from cointrail.errors import ExternalServiceError
from cointrail.tls import verified_context


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[Site, str]]:
    """The payment site over HTTPS with a fresh self-signed certificate; yields (site, its SHA-256)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl program is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    fingerprint = hashlib.sha256(ssl.PEM_cert_to_DER_cert(cert.read_text())).hexdigest()
    with running(Site("", default_routes()), tls=context) as site:
        yield site, fingerprint


def test_https_capture_records_the_certificate_fingerprint(case: Case, tls_site: tuple[Site, str]) -> None:
    site, fingerprint = tls_site
    summary = capture_url(case, site.url + "/", CaptureOptions(insecure=True))
    assert summary["tls_certificates_sha256"] == {site.url: fingerprint}
    assert ADDR.text in found(summary)


def test_an_untrusted_certificate_is_refused_without_insecure(case: Case, tls_site: tuple[Site, str]) -> None:
    site, _ = tls_site
    with pytest.raises(ExternalServiceError, match="certificate is not trusted.*--insecure"):
        capture_url(case, site.url + "/")


@pytest.mark.parametrize("proxy", [None, "socks5h://127.0.0.1:9050", "http://127.0.0.1:8080"])
def test_the_fetcher_checks_certificates_with_the_shared_context(proxy: str | None) -> None:
    # One certificate store per process (cointrail.tls), not one per capture: about 40 ms of CPU each.
    fetcher = Fetcher(CaptureLimits(), proxy, insecure=False)
    try:
        assert fetcher.client._transport._pool._ssl_context is verified_context()
    finally:
        fetcher.close()
    fetcher = Fetcher(CaptureLimits(), proxy, insecure=True)  # --insecure still checks nothing
    try:
        assert fetcher.client._transport._pool._ssl_context.verify_mode == ssl.CERT_NONE
    finally:
        fetcher.close()
