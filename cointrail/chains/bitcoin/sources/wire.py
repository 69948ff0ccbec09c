"""The sockets under a light source: TCP or TLS, directly or through a SOCKS5h proxy, with one identity per session.

Tor gives each distinct SOCKS username and password its own circuit (``IsolateSOCKSAuth``, on by default), so
:class:`Proxy` hands every session fresh random credentials: two seed addresses asked through two sessions reach
the server from two exit relays (or two onion circuits), and its operator cannot tell they belong to one case.
The credentials are random, never derived from the address, so the proxy learns nothing from them either.
Names are resolved by the proxy (``socks5h``), never on this machine: a DNS lookup would leak the server's name.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from socksio import socks5

from cointrail.chains.bitcoin.sources.light import SourceError
from cointrail.errors import InputError
from cointrail.tls import socket_context


@dataclass(frozen=True)
class Proxy:
    """A SOCKS5 proxy (``socks5h://HOST:PORT``, as Tor's), which resolves names itself."""

    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Proxy:
        parts = urlsplit(url)
        if parts.scheme not in ("socks5h", "socks5") or not parts.hostname or not parts.port:
            raise InputError(f"the proxy {url!r} is not understood: use socks5h://HOST:PORT (Tor: "
                             "socks5h://127.0.0.1:9050)")  # fmt: skip
        return cls(parts.hostname, parts.port)

    @property
    def url(self) -> str:
        return f"socks5h://{self.host}:{self.port}"

    @staticmethod
    def identity() -> tuple[str, str]:
        """Fresh SOCKS credentials for one session: with Tor, a circuit of its own."""
        return f"cointrail-{secrets.token_hex(8)}", secrets.token_hex(8)

    def url_with(self, identity: tuple[str, str]) -> str:
        """The proxy's URL carrying one session's credentials (for httpx)."""
        return f"socks5h://{identity[0]}:{identity[1]}@{self.host}:{self.port}"


@dataclass(frozen=True)
class TlsPolicy:
    """How a TLS server's certificate is checked: the system's CAs, a given CA or certificate file, or not at all.

    Electrum servers mostly present self-signed certificates; what they send is proven whatever the certificate,
    so ``insecure`` only costs privacy against someone between here and the server (Tor's onion services need
    no TLS at all). The certificate's SHA-256 is recorded in the archive either way.
    """

    ca_file: Path | None = None
    insecure: bool = False

    def context(self) -> ssl.SSLContext:
        return socket_context(str(self.ca_file) if self.ca_file else None, self.insecure)


def _through_proxy(proxy: Proxy, identity: tuple[str, str], host: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
    try:
        conn = socks5.SOCKS5Connection()
        conn.send(socks5.SOCKS5AuthMethodsRequest([socks5.SOCKS5AuthMethod.USERNAME_PASSWORD]))
        sock.sendall(conn.data_to_send())
        reply = conn.receive_data(sock.recv(1024))
        if not isinstance(reply, socks5.SOCKS5AuthReply) or reply.method != socks5.SOCKS5AuthMethod.USERNAME_PASSWORD:
            raise SourceError(f"the proxy {proxy.url} refuses username/password authentication, which keeps each "
                              "seed address on its own Tor circuit")  # fmt: skip
        conn.send(socks5.SOCKS5UsernamePasswordRequest(identity[0].encode(), identity[1].encode()))
        sock.sendall(conn.data_to_send())
        if not getattr(conn.receive_data(sock.recv(1024)), "success", False):
            raise SourceError(f"the proxy {proxy.url} refused the session's credentials")
        conn.send(socks5.SOCKS5CommandRequest.from_address(socks5.SOCKS5Command.CONNECT, (host, port)))
        sock.sendall(conn.data_to_send())
        answer = conn.receive_data(sock.recv(1024))
        if not isinstance(answer, socks5.SOCKS5Reply) or answer.reply_code != socks5.SOCKS5ReplyCode.SUCCEEDED:
            code = getattr(answer, "reply_code", None)
            raise SourceError(f"the proxy {proxy.url} could not reach {host}:{port} ({getattr(code, 'name', code)})")
        return sock
    except BaseException:
        sock.close()
        raise


def open_socket(host: str, port: int, timeout: float, *, tls: TlsPolicy | None = None, proxy: Proxy | None = None,
                identity: tuple[str, str] | None = None) -> tuple[socket.socket, str | None]:  # fmt: skip
    """A connected socket to ``host:port`` (TLS when ``tls`` is set), and the TLS certificate's SHA-256."""
    try:
        if proxy is not None:
            sock = _through_proxy(proxy, identity or proxy.identity(), host, port, timeout)
        else:
            sock = socket.create_connection((host, port), timeout=timeout)
        if tls is None:
            return sock, None
        wrapped = tls.context().wrap_socket(sock, server_hostname=host)
        cert = wrapped.getpeercert(binary_form=True)
        return wrapped, hashlib.sha256(cert).hexdigest() if cert else None
    except ssl.SSLError as error:
        raise SourceError(f"the TLS handshake with {host}:{port} failed ({error.reason or error}); for a "
                          "self-signed Electrum server give its certificate, or accept any") from None  # fmt: skip
    except OSError as error:
        raise SourceError(f"cannot connect to {host}:{port}"
                          f"{f' through the proxy {proxy.url}' if proxy else ''}: {error}") from None  # fmt: skip
