"""One bounded HTTP exchange, kept exactly as sent and received.

httpx does the protocol work (and SOCKS through ``socksio``, with ``socks5h``
so names resolve at the proxy); this module only streams the raw body under
the limits and keeps what the WARC needs: the request and response heads as
bytes, the raw body (after transfer-decoding, before content-decoding), the
peer certificate's fingerprint.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import httpx

from cointrail.capture.deadline import Clock, install
from cointrail.capture.limits import Budget, CaptureLimits
from cointrail.cases.custody import utc_now
from cointrail.tls import tls_setting

# A Tor Browser / Firefox ESR user agent: the capture should look like a visitor
# (a site may hide its payment page from tools), and the WARC records it.
# The rendering browser sends the same two (cointrail.capture.render): one visitor, not two fingerprints.
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
ACCEPT_LANGUAGE = "en-US,en;q=0.5"
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.8,*/*;q=0.5"
IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp,image/*;q=0.8"
MEDIA_TYPES = ("image/", "video/", "audio/", "font/", "application/font", "application/vnd.ms-fontobject")


@dataclass
class Exchange:
    """One request and its response (or the reason there was none)."""

    url: str
    started_utc: str
    request_head: bytes = b""
    status: int | None = None
    response_head: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: str | None = None  # WARC-Truncated reason: "length", "time", "unspecified"
    problem: str | None = None  # one sentence, for the summary
    error: str | None = None  # the request failed: no response at all
    tls_sha256: str | None = None
    chunk_sizes: list[int] | None = None  # set when the body came chunked
    peer_ip: str | None = None  # the address connected to (the proxy's, when there is one)
    partial_head: bytes = b""  # raw bytes of a response head that never finished (kept as evidence)
    stopped_by: BaseException | None = None  # a signal that ended the capture during this exchange

    @property
    def wire_body(self) -> bytes:
        """The body as the WARC keeps it: chunk framing restored where there was one.

        httpx hands over de-chunked bytes; re-framing them keeps the stored
        message valid HTTP for any WARC reader (chunk sizes as delivered).
        """
        return _chunked(self.body, self.chunk_sizes) if self.chunk_sizes is not None else self.body

    def header(self, name: str) -> str | None:
        """First response header of that name (case-insensitive)."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").strip()

    @property
    def is_media(self) -> bool:
        return self.content_type.lower().startswith(MEDIA_TYPES)

    @property
    def is_image(self) -> bool:
        return self.content_type.lower().startswith("image/")

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and self.header("location") is not None


def _head(first_line: bytes, raw_headers: list[tuple[bytes, bytes]]) -> bytes:
    lines = [first_line] + [name + b": " + value for name, value in raw_headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def request_head(request: httpx.Request) -> bytes:
    """The head of an httpx request as it goes on the wire (HTTP/1.1), for the WARC."""
    target = request.url.raw_path
    return _head(request.method.encode() + b" " + target + b" HTTP/1.1", list(request.headers.raw))


def response_head(response: httpx.Response) -> bytes:
    """The head of an httpx response as it came (status line and raw headers), for the WARC."""
    reason = response.extensions.get("reason_phrase", response.reason_phrase.encode())
    first = response.http_version.encode() + b" " + str(response.status_code).encode() + b" " + reason
    return _head(first, list(response.headers.raw))


def _tls_fingerprint(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    # httpcore hands over the low-level _ssl object, whose getpeercert takes binary_form positionally
    cert = ssl_object.getpeercert(True) if ssl_object is not None else None
    return hashlib.sha256(cert).hexdigest() if cert else None


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    address = stream.get_extra_info("server_addr") if stream is not None else None
    return str(address[0]) if address else None


def _chunked(body: bytes, pieces: list[int]) -> bytes:
    out, pos = [], 0
    for size in filter(None, pieces):
        out.append(b"%x\r\n" % size + body[pos:pos + size] + b"\r\n")
        pos += size
    return b"".join(out) + b"0\r\n\r\n"


class _Client(httpx.Client):
    """httpx's client, except that a redirect whose Location does not parse is still a response.

    httpx builds the next request even when redirects are not followed, and raises on a Location it cannot
    parse, losing the response; the capture follows redirects itself and says what is wrong with a Location.
    """

    def _build_redirect_request(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        try:
            return super()._build_redirect_request(request, response)
        except httpx.RemoteProtocolError:
            return request  # never sent: only kept as response.next_request


class Fetcher:
    """An httpx client under the capture's limits; one per capture."""

    def __init__(self, limits: CaptureLimits, proxy: str | None, insecure: bool) -> None:
        self.limits = limits
        self.budget = Budget(limits.max_capture_bytes)
        self.clock = Clock()
        self.capture_until = time.monotonic() + limits.capture_time_s
        timeout = httpx.Timeout(limits.read_timeout_s, connect=limits.connect_timeout_s)
        # Only the proxy the user gave: no proxy from the environment, which the custody record would not show.
        # The certificate check is the one context every client shares (cointrail.tls), built once per process.
        transport = httpx.HTTPTransport(proxy=proxy, verify=tls_setting(not insecure))
        install(transport, self.clock)
        self.client = _Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False,
                                   headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                                            "Accept-Language": ACCEPT_LANGUAGE})

    @property
    def time_left(self) -> float:
        """Seconds left before the whole capture's deadline."""
        return max(0.0, self.capture_until - time.monotonic())

    def close(self) -> None:
        self.client.close()

    def fetch(self, url: str, want_image: bool = False) -> Exchange:
        """GET ``url`` once (no redirects followed), bounded; never raises for network trouble.

        A media body (image, video, audio, font) is only read when
        ``want_image`` is set and it is an image; otherwise only its head is kept.
        """
        exchange = Exchange(url=url, started_utc=utc_now())
        accept = IMAGE_ACCEPT if want_image else PAGE_ACCEPT
        self.clock.start(self.limits.response_time_s, self.capture_until)
        try:
            request = self.client.build_request("GET", url, headers={"Accept": accept})
            exchange.request_head = request_head(request)
            response = self.client.send(request, stream=True)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as error:
            exchange.error = self._late_head() if self.clock.expired else describe_error(error)
            exchange.partial_head = bytes(self.clock.head_bytes)
            return exchange
        except BaseException as stop:  # a signal: keep what came, then let the capture end (capture.py logs it)
            exchange.error = "the capture was stopped before the response head had arrived"
            exchange.partial_head, exchange.stopped_by = bytes(self.clock.head_bytes), stop
            return exchange
        self.clock.watching_head = False
        parts: list[bytes] = []
        try:
            self._read(response, exchange, want_image, parts)
        except (httpx.HTTPError, OSError) as error:
            self._cut(exchange, parts, "disconnect",
                      f"the connection failed while reading the body ({describe_error(error)})")
        except BaseException as stop:
            self._cut(exchange, parts, "unspecified", "the capture was stopped while this response was arriving; "
                      "what had arrived is kept")
            exchange.stopped_by = stop
        finally:
            response.close()
        return exchange

    def _late_head(self) -> str:
        seconds = self.limits.response_time_s
        if self.time_left == 0:
            return "the capture's overall time limit was reached before the response head had arrived"
        return f"the response head did not arrive within {seconds:.0f} s (the site answers too slowly); stopped"

    def _cut(self, exchange: Exchange, parts: list[bytes], reason: str, problem: str) -> None:
        """End a body early: keep what arrived (within the size limit), say why."""
        if exchange.status is not None and not exchange.body:
            exchange.body = b"".join(parts)[: min(self.limits.max_response_bytes, self.budget.left)]
            self.budget.spend(len(exchange.body))
            exchange.chunk_sizes = None  # the framing of a cut body is not known: kept de-chunked
        exchange.truncated = reason
        exchange.problem = problem

    def _read(self, response: httpx.Response, exchange: Exchange, want_image: bool, parts: list[bytes]) -> None:
        exchange.status = response.status_code
        exchange.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        exchange.response_head = response_head(response)
        exchange.tls_sha256 = _tls_fingerprint(response)
        exchange.peer_ip = _peer_ip(response)
        if exchange.is_media and not (want_image and exchange.is_image):
            exchange.truncated = "unspecified"
            exchange.problem = "it is media (" + exchange.content_type + "), so its body was not downloaded"
            return
        exchange.body, pieces = self._stream(response, exchange, parts)
        if "chunked" in (exchange.header("transfer-encoding") or "").lower():
            exchange.chunk_sizes = pieces

    def _stream(self, response: httpx.Response, exchange: Exchange, parts: list[bytes]) -> tuple[bytes, list[int]]:
        cap = min(self.limits.max_response_bytes, self.budget.left)
        size = 0
        try:
            for piece in response.iter_raw():
                parts.append(piece)
                size += len(piece)
                if size > cap:
                    exchange.truncated = "length"
                    exchange.problem = _too_big(cap, self.limits.max_response_bytes)
                    break
        except httpx.TimeoutException:
            if not self.clock.expired:
                raise
            exchange.truncated = "time"
            exchange.problem = self._too_slow()
        body = b"".join(parts)[:cap]
        self.budget.spend(len(body))
        return body, [len(p) for p in parts] if not exchange.truncated else [len(body)]

    def _too_slow(self) -> str:
        if self.time_left == 0:
            return "the capture's overall time limit was reached while it arrived; the rest was dropped"
        return f"it took longer than {self.limits.response_time_s:.0f} s to send (head included); the rest was dropped"


def _too_big(cap: int, per_response: int) -> str:
    which = "per-response" if cap == per_response else "per-capture"
    return f"it is larger than the {which} limit of {cap:,} bytes; only the first {cap:,} bytes were kept"


def describe_error(error: BaseException) -> str:
    """One plain sentence fragment for a network failure."""
    text = str(error) or type(error).__name__
    if isinstance(error, httpx.ProxyError) or "proxy" in text.lower() or "socks" in text.lower():
        return f"the proxy refused or failed the connection ({text})"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return ("its TLS certificate is not trusted; to capture it anyway (the certificate's fingerprint is "
                "recorded), add --insecure")
    if isinstance(error, httpx.ConnectTimeout):
        return "the connection timed out"
    if isinstance(error, httpx.ReadTimeout):
        return "the site stopped answering (read timeout)"
    if isinstance(error, httpx.ConnectError):
        return f"could not connect ({text})"
    if isinstance(error, httpx.UnsupportedProtocol):
        return "only http:// and https:// addresses can be captured"
    return text
