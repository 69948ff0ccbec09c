"""The TLS settings every HTTP client of cointrail shares.

Building a certificate store is the dearest part of making an HTTP client: about 40 ms of CPU (httpx loads the
whole certifi bundle for each new client), more than fetching and checking a whole block. Clients are made per
thread (an Ethereum node's fetch-ahead) and per session (one per seed address, each its own Tor circuit), so each
would pay it again; one context, built once, serves them all. An ``ssl.SSLContext`` may be shared between threads
and connections.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def verified_context() -> ssl.SSLContext:
    """The context that checks a server's certificate against the certifi roots, as httpx does by default."""
    return httpx.create_ssl_context()


def tls_setting(verify: bool) -> ssl.SSLContext | bool:
    """What to pass as an httpx client's ``verify``: the shared checking context, or ``False`` to check nothing."""
    return verified_context() if verify else False


@functools.cache
def socket_context(ca_file: str | None, insecure: bool) -> ssl.SSLContext:
    """A raw socket's context (an Electrum server over TLS): the system's roots or ``ca_file``, or no check at
    all when ``insecure``; built once per setting (about 60 ms each) and shared by every session."""
    context = ssl.create_default_context(cafile=ca_file)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
