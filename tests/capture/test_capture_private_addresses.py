"""A site may not lead a capture into the investigator's machine or network (issue 22).

The test site runs on 127.0.0.1: it is the start URL the user gave, so it is captured. What it redirects,
links or points an image to on another host that is loopback, link-local or private is refused, unless the
user allows it. A second loopback server, reached as ``localhost``, stands for an internal service.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from capture_site import ADDR, Site, qr_png, running
from socks_logger import logging_socks_proxy
from test_capture_site import found

from cointrail.capture import CaptureOptions, capture_url
from cointrail.cases import Case

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def internal() -> Iterator[Site]:
    """An "internal" service on loopback: what a hostile site would like the capture to fetch."""
    secret = f"<p>router admin page; its wallet {ADDR.faq}</p>".encode()
    routes = {"/admin": (200, HTML, secret), "/qr.png": (200, {"Content-Type": "image/png"}, qr_png(ADDR.qr))}
    with running(Site("", routes)) as served:  # type: ignore[arg-type]
        yield served


def _as_localhost(site: Site) -> str:
    return site.url.replace("127.0.0.1", "localhost")


@pytest.mark.parametrize("target", ["{internal}/admin", "http://169.254.169.254/latest/meta-data/",
                                    "http://10.0.0.1/", "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/",
                                    "http://0.0.0.0:9/"])
def test_a_redirect_into_the_local_network_is_refused(case: Case, site: Site, internal: Site, target: str) -> None:
    location = target.format(internal=_as_localhost(internal))
    site.routes["/go"] = (302, {"Location": location}, b"")
    summary = capture_url(case, site.url + "/go")
    assert internal.log == [], "the internal service must not be fetched"
    assert ADDR.faq not in found(summary) and summary["status"] == "partial"
    assert any("which was refused" in w and "--allow-private-addresses" in w for w in summary["warnings"])


def test_the_user_may_allow_it(case: Case, site: Site, internal: Site) -> None:
    site.routes["/go"] = (302, {"Location": _as_localhost(internal) + "/admin"}, b"")
    summary = capture_url(case, site.url + "/go", CaptureOptions(allow_private_addresses=True))
    assert internal.log == ["/admin"] and ADDR.faq in found(summary)


def test_images_on_local_addresses_are_not_fetched(case: Case, site: Site, internal: Site) -> None:
    site.routes["/page"] = (200, HTML, f'<p>{ADDR.text}</p><img src="{_as_localhost(internal)}/qr.png">'
                                       '<img src="http://192.168.0.1/qr.png">'.encode())
    summary = capture_url(case, site.url + "/page", CaptureOptions(include_media=True))
    assert internal.log == [] and ADDR.qr not in found(summary) and ADDR.text in found(summary)
    problems = [m["problem"] for m in summary["media"]["fetched"]]
    assert len(problems) == 2 and all("may not lead the capture" in (p or "") for p in problems)


def test_the_start_host_itself_is_allowed_also_on_another_path(case: Case, site: Site) -> None:
    """Redirects and links within the start URL's own host are what the user asked to capture."""
    site.routes["/go"] = (302, {"Location": site.url + "/faq.html"}, b"")
    summary = capture_url(case, site.url + "/go")
    assert ADDR.faq in found(summary) and summary["status"] == "complete"


def test_a_name_that_resolves_to_a_local_address_is_refused_without_a_proxy() -> None:
    from cointrail.capture.netpolicy import private_target

    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 80)}
    except OSError:
        pytest.skip("this machine's own name does not resolve")
    if not any(a.startswith(("127.", "10.", "192.168.", "172.")) or a == "::1" for a in addresses):
        pytest.skip(f"{name} resolves to a public address here")
    why = private_target(f"http://{name}/", "http://203.0.113.5/", proxied=False)
    assert why and f"its host {name.lower()} resolves to" in why
    # with a proxy, names are the proxy's to resolve: looking them up here would leak the lookup
    assert private_target(f"http://{name}/", "http://203.0.113.5/", proxied=True) is None


def test_with_a_proxy_address_literals_are_still_refused(case: Case, site: Site) -> None:
    site.routes["/go"] = (302, {"Location": "http://10.1.2.3/internal"}, b"")
    with logging_socks_proxy() as proxy:
        summary = capture_url(case, site.url + "/go", CaptureOptions(proxy=proxy.url))
    assert proxy.targets() == {site.url.split("//", 1)[1]}, "the refused address was never asked of the proxy"
    assert any("10.1.2.3 is a private address" in w for w in summary["warnings"])
