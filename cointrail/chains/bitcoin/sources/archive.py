"""Every request to a light source and every answer, kept as WARC records; and the archive served again offline.

The records go through the case's WARC writer (:class:`~cointrail.capture.warc.WarcRecorder`, SHA-256 digests):

- HTTP (Esplora) as ``request`` and ``response`` records of the exact heads and bodies;
- Electrum's newline-delimited JSON-RPC as ``request`` and ``response`` records of the exact lines sent and
  received, under the target URI ``electrum+tcp://host:port`` (``electrum+ssl://`` over TLS), each response
  concurrent to its request; a notification the server pushed unasked is a response record of its own.

:class:`Replay` reads such an archive back, checking every record's digest, and answers the same requests with
the same bytes: a source built on it gives the same answers, proven the same way, years later and offline.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cointrail import __version__
from cointrail.capture.fetch import Exchange
from cointrail.capture.warc import WarcRecorder
from cointrail.capture.warc_read import gzip_cut, read_payload, records
from cointrail.cases.case import Case
from cointrail.cases.custody import utc_now
from cointrail.chains.bitcoin.sources.light import SourceError
from cointrail.errors import IntegrityError

ELECTRUM_TYPE = "application/json; msgtype=electrum-jsonrpc"
MAX_RECORD = 64 << 20  # bytes read of one record: far above any Electrum line or Esplora answer


def request_key(line: bytes) -> str:
    """What identifies an Electrum request whatever its id: its method and parameters, canonically."""
    message = json.loads(line)
    return json.dumps([message.get("method"), message.get("params", [])], sort_keys=True, separators=(",", ":"))


@dataclass
class Recorder:
    """Writes a light source's exchanges into a WARC (none when ``warc`` is None); counts what it wrote."""

    warc: WarcRecorder | None = None
    written: int = 0

    def electrum(self, uri: str, request: bytes, response: bytes | None, started_utc: str,
                 answered_utc: str | None = None) -> None:  # fmt: skip
        """One request line and the response line that answered it (None: none came); ``answered_utc``, when the
        answer came (now when not given: the lines sent in one write share the time their answers were read)."""
        if self.warc is None:
            return
        sent = self.warc.message(uri, "request", ELECTRUM_TYPE, request, started_utc)
        if response is not None:
            self.warc.message(uri, "response", ELECTRUM_TYPE, response, answered_utc or utc_now(),
                              concurrent_to=sent.record_id)  # fmt: skip
        self.written += 1

    def pushed(self, uri: str, line: bytes) -> None:
        """A notification line the server sent unasked."""
        if self.warc is not None:
            self.warc.message(uri, "response", ELECTRUM_TYPE, line, utc_now())

    def http(self, exchange: Exchange) -> None:
        if self.warc is not None:
            self.warc.exchange(exchange)
            self.written += 1


@dataclass
class CaseArchive:
    """Where :func:`case_archive` put its WARC, once written: the file in the case's evidence and its SHA-256."""

    recorder: Recorder
    path: Path | None = None
    sha256: str | None = None


@contextmanager
def case_archive(case: Case, source: str, chain: str, network: str, proxy: str | None) -> Iterator[CaseArchive]:
    """A WARC in the case's evidence for the exchanges with ``source``: written once, hashed, custody-logged.

    What was exchanged before an error is kept too: the file is committed whatever ends the block.
    """
    started = utc_now()
    archive, scratch = CaseArchive(Recorder()), None
    try:
        with case.evidence.new_file(".warc.gz") as (handle, scratch):
            warc = WarcRecorder(handle, proxied=bool(proxy))
            warc.warcinfo(f"cointrail-light-{started}.warc.gz", {
                "software": f"cointrail {__version__}", "format": "WARC File Format 1.1", "operator": case.operator,
                "case": case.name, "source": source, "chain": chain, "network": network, "proxy": proxy or "none",
                "started-utc": started})  # fmt: skip
            archive.recorder.warc = warc
            yield archive
    finally:
        archive.recorder.warc = None
        if scratch is not None:
            archive.path, archive.sha256 = case.evidence.commit(scratch, ".warc.gz")
            case.record("light-source.warc", case.relative(archive.path), archive.sha256)


@dataclass
class Replay:
    """The answers an archive holds, by request, in the order they came; digests checked as it is read."""

    path: Path
    electrum: dict[tuple[str, str], deque[bytes]] = field(default_factory=dict)
    http: dict[tuple[str, str], deque[tuple[int, list[tuple[str, str]], bytes]]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Replay:
        """Read a light source's WARC; IntegrityError when a record's digest fails or the file is damaged."""
        replay, problems, pending = cls(Path(path)), list[str](), dict[str, Any]()
        if cut := gzip_cut(Path(path)):  # warcio reads past a damaged gzip member with a warning only
            raise IntegrityError(f"the archive {path} is damaged: {cut}")
        with open(path, "rb") as stream:
            for record in records(stream, problems, check_digests=True):
                payload = read_payload(record, MAX_RECORD)
                checker = getattr(record, "digest_checker", None)
                if checker is not None and checker.passed is False:
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    raise IntegrityError(f"the archive {path} was changed: the digest of a {record.rec_type} "
                                         f"record for {uri} fails ({'; '.join(checker.problems)})")  # fmt: skip
                replay._take(record, payload.data, pending)
        if problems:
            raise IntegrityError(f"the archive {path} is damaged: {'; '.join(problems)}")
        return replay

    def _take(self, record: Any, data: bytes, pending: dict[str, Any]) -> None:
        headers = record.rec_headers
        uri, record_id = headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Record-ID")
        if record.rec_type == "request":
            pending[record_id] = (uri, record.http_headers, data)
            return
        asked = pending.get(headers.get_header("WARC-Concurrent-To") or "")
        if record.rec_type != "response" or asked is None:
            return  # warcinfo, metadata, a pushed notification: nothing asked for them
        if uri.startswith("electrum+"):
            self.electrum.setdefault((uri, request_key(asked[2])), deque()).append(data)
        elif record.http_headers is not None:
            status = int(record.http_headers.get_statuscode() or 0)
            key = (asked[1].protocol, uri)  # a request head's first word is its method
            self.http.setdefault(key, deque()).append((status, list(record.http_headers.headers), data))

    def electrum_answer(self, uri: str, line: bytes) -> bytes:
        """The archived response to this request line (the next one, when it was asked more than once)."""
        answers = self.electrum.get((uri, request_key(line)))
        if not answers:
            raise SourceError(f"the archive {self.path} holds no answer from {uri} to {line.decode()[:200]!r}")
        return answers.popleft() if len(answers) > 1 else answers[0]

    def http_answer(self, method: str, url: str) -> tuple[int, list[tuple[str, str]], bytes]:
        answers = self.http.get((method, url))
        if not answers:
            raise SourceError(f"the archive {self.path} holds no answer to {method} {url}")
        return answers.popleft() if len(answers) > 1 else answers[0]


class ReplayTransport(httpx.BaseTransport):
    """An httpx transport that answers from an archive instead of the network."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.replay.http_answer(request.method, str(request.url))
        kept = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]  # the body is kept de-chunked
        return httpx.Response(status, headers=kept, stream=httpx.ByteStream(body), request=request)



@contextmanager
def store_archive(db: Path, source: str, chain: str, network: str, proxy: str | None) -> Iterator[CaseArchive]:
    """A WARC beside the store ``db`` (in ``<db>.archive/``) when there is no case, logged in its ``archive.log``.

    The log is JSON lines, one per file: its name, SHA-256, the source and the times; kept whatever ends the block.
    """
    import hashlib

    folder = Path(f"{db}.archive")
    folder.mkdir(parents=True, exist_ok=True)
    started = utc_now()
    path = folder / f"light-{started.replace(':', '').replace('-', '')}.warc.gz"
    archive = CaseArchive(Recorder(), path)
    try:
        with open(path, "xb") as handle:
            warc = WarcRecorder(handle, proxied=bool(proxy))
            warc.warcinfo(path.name, {
                "software": f"cointrail {__version__}", "format": "WARC File Format 1.1", "store": str(db),
                "source": source, "chain": chain, "network": network, "proxy": proxy or "none",
                "started-utc": started})  # fmt: skip
            archive.recorder.warc = warc
            yield archive
    finally:
        archive.recorder.warc = None
        archive.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        with open(folder / "archive.log", "a", encoding="utf-8") as log:
            log.write(json.dumps({"file": path.name, "sha256": archive.sha256, "source": source, "chain": chain,
                                  "network": network, "started_utc": started, "ended_utc": utc_now()}) + "\n")
