"""Who may use a workspace, and what a page may load.

Bound to loopback, the workspace answers only requests whose Host header names the address it was
started on (a web page elsewhere cannot reach it through DNS rebinding). Bound anywhere else, every
request must also carry the access token ``cointrail serve`` printed: given once as ``?token=`` it
becomes a cookie (HttpOnly, SameSite=Strict), or sent as ``Authorization: Bearer`` or
``X-Cointrail-Token``. Requests that change something must come from the workspace's own pages
(Origin and Fetch-Metadata checked), and every response carries a Content-Security-Policy that lets
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
        return self.token is None or (given is not None and hmac.compare_digest(given, self.token))

    def origin_problem(self, request: Request) -> str | None:
        """Why a request that changes something does not come from the workspace's own pages, if it does not."""
        if request.method in SAFE_METHODS:
            return None
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return "changes can only be made from the workspace's own pages"
        origin = request.headers.get("origin")
        if origin and (origin == "null" or urlsplit(origin).netloc != request.headers.get("host")):
            return "changes can only be made from the workspace's own pages"
        return None
