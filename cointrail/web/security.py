"""Who may use a workspace, and what a page may load.

Bound to loopback, the workspace answers only requests whose Host header names the address it was
started on (a web page elsewhere cannot reach it through DNS rebinding). Bound anywhere else, every
request must also carry the access token ``cointrail serve`` printed: given once as ``?token=`` it
becomes a cookie (HttpOnly, SameSite=Strict), or sent as ``Authorization: Bearer`` or
``X-Cointrail-Token``. Requests that change something must come from the workspace's own pages
(Origin and Fetch-Metadata checked); so must any page that costs work, since a page elsewhere can
make the browser fetch it. Every response carries a Content-Security-Policy that lets
a page load scripts, styles and data from the workspace alone: no CDN, no other host, no inline script.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import Request

TOKEN_COOKIE = "cointrail_token"
TOKEN_HEADER = "x-cointrail-token"
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; font-src 'self'; object-src 'none'; media-src 'none'; "
                           "frame-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it Chromium sends "Origin: null" with the workspace's own form posts.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_OWN_SITE = ("same-origin", "none")  # Sec-Fetch-Site of a request from the workspace's pages, or typed in
CROSS_SITE_OK = frozenset({"/", "/cases", "/glossary", "/favicon.ico"})  # cheap pages, opened from anywhere


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A fresh access token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


@dataclass
class Security:
    """The rules of one server: the access token (None on loopback) and the Host names it answers to."""

    token: str | None = None
    hosts: set[str] = field(default_factory=set)  # empty: any Host header

    @classmethod
    def for_bind(cls, host: str, port: int, token: str | None = None) -> Security:
        """The rules for a server bound to ``host:port``: a token unless it is loopback."""
        names = {f"{host}:{port}"}
        if is_loopback(host):
            names |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
            return cls(token, names)
        return cls(token or new_token(), set())  # reachable by other names: the token is the guard

    def host_problem(self, request: Request) -> str | None:
        if self.hosts and request.headers.get("host", "") not in self.hosts:
            return ("this workspace answers only at the address `cointrail serve` printed; "
                    "the request named another host")
        return None

    def token_given(self, request: Request) -> str | None:
        """The token a request carries (cookie, header or bearer), if any."""
        bearer = request.headers.get("authorization", "")
        return (request.headers.get(TOKEN_HEADER) or (bearer[7:] if bearer.lower().startswith("bearer ") else None)
                or request.cookies.get(TOKEN_COOKIE))  # fmt: skip

    def token_ok(self, given: str | None) -> bool:
        """Whether ``given`` is the token, compared in constant time; any header value is handled.

        ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters (a TypeError, before any
        authentication: issue 22), so both sides are compared as UTF-8 bytes.
        """
        if self.token is None:
            return True
        if given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8", "backslashreplace"), self.token.encode("utf-8"))

    def cross_site_problem(self, request: Request) -> str | None:
        """Why a request from another site is refused, if it is: only the entry pages open from elsewhere.

        Any page the investigator visits can make the browser fetch the workspace's addresses (a link, an
        image, a form). Opening a case re-hashes its evidence, and an error writes a crash log: from another
        site, only the start page, the case list, the glossary and static files may be fetched (issue 22).
        """
        if request.method not in SAFE_METHODS or request.url.path in CROSS_SITE_OK or \
                request.url.path.startswith("/static/"):  # fmt: skip
            return None  # changes are checked by origin_problem
        site = request.headers.get("sec-fetch-site")
        if site is not None:
            cross = site not in _OWN_SITE
        else:  # a browser without Fetch Metadata: Origin, else Referer, names where the request came from
            cross = _elsewhere(request.headers.get("origin") or request.headers.get("referer"), request)
        if cross:
            return ("this page opens only from the workspace itself, not from a link or a page of another site: "
                    "go to the workspace's start page and follow its links")
        return None

    def origin_problem(self, request: Request) -> str | None:
        """Why a request that changes something does not come from the workspace's own pages, if it does not."""
        if request.method in SAFE_METHODS:
            return None
        if request.headers.get("sec-fetch-site", "same-origin") not in _OWN_SITE or \
                _elsewhere(request.headers.get("origin"), request):  # fmt: skip
            return "changes can only be made from the workspace's own pages"
        return None



def _elsewhere(source: str | None, request: Request) -> bool:
    """Whether an Origin or Referer names another site than the one the request is addressed to."""
    return bool(source) and (source == "null" or urlsplit(source).netloc != request.headers.get("host"))
