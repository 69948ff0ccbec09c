"""A small logging SOCKS5 proxy on loopback, for tests that must see every connection a capture makes.

microsocks logs only the connections it managed to open; this one logs every request as it is asked for
(CONNECT to a name or an address, and UDP ASSOCIATE, which it refuses), before deciding. It only connects to
loopback targets, so a test machine never reaches out; anything else is logged and refused. A client that offers
username/password authentication (RFC 1929) gets it, and the username is logged, as Tor reads it to pick a circuit.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

_LOOPBACK_NAMES = {"localhost"}


@dataclass
class SocksLog:
    """What the proxy was asked: ``(command, host, port)`` per request, in order."""

    url: str = ""
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    usernames: list[str | None] = field(default_factory=list)  # per request: the SOCKS username, None without

    def targets(self) -> set[str]:
        return {f"{host}:{port}" for command, host, port in self.requests}


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        piece = sock.recv(count - len(data))
        if not piece:
            raise ConnectionError("client went away")
        data += piece
    return data


def _target(sock: socket.socket, kind: int) -> str:
    if kind == 1:
        return socket.inet_ntoa(_read(sock, 4))
    if kind == 4:
        return str(ipaddress.IPv6Address(_read(sock, 16)))
    return _read(sock, _read(sock, 1)[0]).decode("idna")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in _LOOPBACK_NAMES


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while piece := source.recv(65536):
            sink.sendall(piece)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _authenticate(client: socket.socket, offered: bytes) -> str | None:
    """Pick username/password when offered (RFC 1929; any credentials pass), else none; the username or None."""
    if 2 not in offered:
        client.sendall(b"\x05\x00")
        return None
    client.sendall(b"\x05\x02")
    _read(client, 1)  # the subnegotiation's version, 1
    username = _read(client, _read(client, 1)[0]).decode("utf-8", "replace")
    _read(client, _read(client, 1)[0])
    client.sendall(b"\x01\x00")
    return username


def _serve(client: socket.socket, log: SocksLog) -> None:
    with client:
        try:
            _, methods = _read(client, 2)
            username = _authenticate(client, _read(client, methods))
            _, command, _, kind = _read(client, 4)
            host = _target(client, kind)
            port = struct.unpack("!H", _read(client, 2))[0]
        except (ConnectionError, OSError, UnicodeError):
            return
        log.usernames.append(username)
        log.requests.append(({1: "connect", 3: "udp-associate"}.get(command, str(command)), host, port))
        if command != 1 or not _is_loopback(host):  # 7: command not supported; 4: host unreachable
            client.sendall((b"\x05\x07" if command != 1 else b"\x05\x04") + b"\x00\x01" + bytes(6))
            return
        try:
            upstream = socket.create_connection((host, port), timeout=10)
        except OSError:
            client.sendall(b"\x05\x05\x00\x01" + bytes(6))
            return
        upstream.settimeout(None)
        client.sendall(b"\x05\x00\x00\x01" + bytes(6))
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        _pipe(client, upstream)
        back.join(timeout=10)
        upstream.close()


@contextmanager
def logging_socks_proxy() -> Iterator[SocksLog]:
    """Run the proxy on a free loopback port while the block runs; ``log.url`` is its socks5h:// URL."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)  # so the accept loop sees the stop flag
    log = SocksLog(url=f"socks5h://127.0.0.1:{server.getsockname()[1]}")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(30)
            threading.Thread(target=_serve, args=(client, log), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield log
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)
