"""Which addresses a capture may be led to: never into the investigator's own machine or network (issue 22).

A hostile site can redirect, link or point an image to ``http://127.0.0.1:…`` or ``http://192.168.…`` and have
the investigator's own services (a router, a local admin page) fetched and stored as "evidence". The rule:

* the start URL is always fetched (the user asked for it), and so is any URL on the same host name;
* any other URL whose host is loopback, private, link-local, multicast, reserved or unspecified is refused,
  unless the user allows it (``--allow-private-addresses``);
* without a proxy, host names are resolved first and every address they resolve to is checked (a name that
  resolves to 10.0.0.1 is as private as the address itself); with a proxy the proxy resolves names (resolving
  them here would leak the lookup outside the proxy), so only address literals and ``localhost`` are checked.

Between the check and the connection the name is resolved again by the HTTP client; a site that changes its
DNS answer in that instant (DNS rebinding) is not caught by this check alone.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host literal stands for (an IPv4-mapped IPv6 one as its IPv4), or None for a name."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _private(address: str) -> bool:
    ip = _ip(address)
    return ip is not None and (not ip.is_global or ip.is_multicast)


def _resolved(host: str, port: int | None) -> list[str]:
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)]
    except (OSError, UnicodeError):
        return []  # the fetch itself will fail and say so


def private_target(url: str, start_url: str, proxied: bool) -> str | None:
    """Why ``url`` may not be fetched (a sentence), or None when it may."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower().rstrip("."), parts.port
        start_host = (urlsplit(start_url).hostname or "").lower().rstrip(".")
    except ValueError:  # a broken IPv6 literal or port: the fetch refuses it with its own sentence
        return None
    if not host or host == start_host:
        return None
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return f"its host {host} is this machine"
    if _private(host):
        return f"its address {host} is {_kind(host)}"
    if proxied:
        return None
    bad = sorted({address for address in _resolved(host, port) if _private(address)})
    if bad:
        return f"its host {host} resolves to {', '.join(bad)}, {_kind(bad[0])}"
    return None


def _kind(address: str) -> str:
    ip = _ip(address)  # only called for an address _private took
    assert ip is not None
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_link_local:
        return "a link-local address (the local network segment)"
    if ip.is_private:
        return "a private address (a local network)"
    return "not a public internet address"
