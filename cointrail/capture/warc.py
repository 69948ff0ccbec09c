"""Writing capture records into a WARC file with warcio (one gzip member per record)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from cointrail.capture.fetch import Exchange


class _Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 record digests instead of its fixed SHA-1.

    warcio has no option for the digest algorithm; overriding its one factory
    method is the smallest change (WARC 1.1 allows any algorithm label).
    """

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class _ExactHttpHead(StatusAndHeaders):
    """An HTTP head stored byte for byte.

    warcio rebuilds the head from parsed headers and percent-encodes non-ASCII
    values; evidence must keep the bytes as they came, so the buffer is fixed.
    """

    def __init__(self, raw: bytes) -> None:
        first, _, rest = raw.partition(b"\r\n")
        protocol, _, status = first.decode("latin-1").partition(" ")
        headers = [tuple(line.decode("latin-1").split(":", 1)) for line in rest.split(b"\r\n") if b":" in line]
        super().__init__(status, [(k, v.strip()) for k, v in headers], protocol=protocol)
        self.raw = raw

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.raw


@dataclass(frozen=True)
class RecordInfo:
    """Where one record is and what it holds (for findings and the summary)."""

    record_id: str
    record_type: str
    uri: str
    sha256: str  # of the record's payload (the HTTP body, or the resource itself)
    length: int

    def to_dict(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "type": self.record_type, "uri": self.uri,
                "payload_sha256": self.sha256, "payload_length": self.length}


class WarcRecorder:
    """Appends records to an open WARC file and remembers them."""

    def __init__(self, handle: BinaryIO, proxied: bool = False) -> None:
        self.writer = _Sha256WARCWriter(handle, gzip=True, warc_version="1.1")
        self.proxied = proxied  # then the peer address is the proxy's, not the site's: not recorded
        self.records: list[RecordInfo] = []

    def _write(self, record: Any, uri: str, payload: bytes) -> RecordInfo:
        self.writer.write_record(record)
        info = RecordInfo(record.rec_headers.get_header("WARC-Record-ID"), record.rec_type, uri,
                          hashlib.sha256(payload).hexdigest(), len(payload))
        self.records.append(info)
        return info

    def warcinfo(self, filename: str, fields: dict[str, str]) -> RecordInfo:
        """The leading warcinfo record: who, when, with what tool."""
        record = self.writer.create_warcinfo_record(filename, fields)
        return self._write(record, "", b"")

    def exchange(self, exchange: Exchange) -> tuple[RecordInfo, RecordInfo | None]:
        """A request record, and a response record when there was a response."""
        request = self.writer.create_warc_record(
            exchange.url, "request", payload=io.BytesIO(b""), length=0,
            http_headers=_ExactHttpHead(exchange.request_head), warc_headers_dict={"WARC-Date": _warc_date(exchange)})
        req = self._write(request, exchange.url, b"")
        if exchange.status is None:
            if exchange.partial_head:
                self._partial_head(exchange, req.record_id)
            return req, None
        body = exchange.wire_body
        extra = {"WARC-Concurrent-To": req.record_id, "WARC-Date": _warc_date(exchange)}
        if exchange.truncated:
            extra["WARC-Truncated"] = exchange.truncated
        if exchange.peer_ip and not self.proxied:
            extra["WARC-IP-Address"] = exchange.peer_ip
        response = self.writer.create_warc_record(
            exchange.url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=_ExactHttpHead(exchange.response_head), warc_headers_dict=extra)
        return req, self._write(response, exchange.url, exchange.body)

    def _partial_head(self, exchange: Exchange, request_id: str) -> RecordInfo:
        """The raw bytes of a response head that never finished, as a resource record marked truncated.

        Not a ``response`` record: its HTTP head is incomplete, and WARC readers would fail to parse it.
        """
        extra = {"WARC-Concurrent-To": request_id, "WARC-Date": _warc_date(exchange),
                 "WARC-Truncated": "unspecified" if exchange.stopped_by else "time"}
        return self.resource(exchange.url, "application/octet-stream", exchange.partial_head, extra)

    def message(self, uri: str, record_type: str, content_type: str, data: bytes, date: str,
                concurrent_to: str | None = None) -> RecordInfo:  # fmt: skip
        """A request or response record of a protocol other than HTTP, its bytes exactly as they went.

        An Electrum server's JSON-RPC lines, under an ``electrum+tcp://host:port`` target URI (WARC 1.1 lets
        request and response records hold any protocol's messages; warcio parses HTTP heads of http(s) URIs only).
        The record is the one warcio writes for such a message, byte for byte (tests/capture/test_warc_messages.py),
        written here: a crawl writes two a request, and warcio's general path (headers searched case-insensitively
        at each change, the message hashed three times over) was a third of a crawl's own CPU.
        """
        digest = hashlib.sha256(data).digest()
        labelled = "sha256:" + base64.b32encode(digest).decode("ascii")
        record_id = StatusAndHeadersParser.make_warc_id()
        head = "".join(f"{name}: {value}\r\n" for name, value in (
            ("WARC-Date", date), *((("WARC-Concurrent-To", concurrent_to),) if concurrent_to else ()),
            ("WARC-Type", record_type), ("WARC-Record-ID", record_id), ("WARC-Target-URI", uri),
            ("WARC-Payload-Digest", labelled), ("WARC-Block-Digest", labelled), ("Content-Type", content_type),
            ("Content-Length", str(len(data)))))  # fmt: skip
        member = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS + 16)  # one gzip member a record, as warcio
        out = self.writer.out
        out.write(member.compress(f"{self.writer.warc_version}\r\n{head}\r\n".encode()))
        out.write(member.compress(data))
        out.write(member.compress(b"\r\n\r\n"))
        out.write(member.flush())
        out.flush()
        info = RecordInfo(record_id, record_type, uri, digest.hex(), len(data))
        self.records.append(info)
        return info

    def resource(self, uri: str, content_type: str, data: bytes, extra: dict[str, str] | None = None) -> RecordInfo:
        """A resource record (a rendered DOM, a screenshot)."""
        record = self.writer.create_warc_record(uri, "resource", payload=io.BytesIO(data), length=len(data),
                                                warc_content_type=content_type, warc_headers_dict=extra or {})
        return self._write(record, uri, data)

    def metadata(self, uri: str, data: dict[str, Any], refers_to: str | None = None) -> RecordInfo:
        """A metadata record holding JSON about the capture."""
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        extra = {"WARC-Refers-To": refers_to} if refers_to else {}
        record = self.writer.create_warc_record(uri, "metadata", payload=io.BytesIO(payload), length=len(payload),
                                                warc_content_type="application/json", warc_headers_dict=extra)
        return self._write(record, uri, payload)


def _warc_date(exchange: Exchange) -> str:
    """WARC-Date of an exchange: when its request started (WARC 1.1, microseconds)."""
    return exchange.started_utc
