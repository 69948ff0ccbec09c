"""An Electrum message's WARC record, written by cointrail itself (issue 15: a crawl writes two a request), is the
record warcio writes for it, byte for byte, and reads back as the message with its digests."""

from __future__ import annotations

import gzip
import hashlib
import io
import os

from warcio.archiveiterator import ArchiveIterator

from cointrail.capture.warc import WarcRecorder

URI = "electrum+tcp://127.0.0.1:50001"
KIND = "application/x-electrum-jsonrpc"
DATE = "2026-12-04T22:00:00.123456Z"


def _by_warcio(recorder: WarcRecorder, record_type: str, data: bytes, record_id: str,
               concurrent_to: str | None) -> bytes:  # fmt: skip
    """The record through warcio's general path, as the recorder wrote every message before, with the given id."""
    extra = {"WARC-Date": DATE, **({"WARC-Concurrent-To": concurrent_to} if concurrent_to else {})}
    record = recorder.writer.create_warc_record(URI, record_type, payload=io.BytesIO(data), length=len(data),
                                                warc_content_type=KIND, warc_headers_dict=extra)  # fmt: skip
    record.rec_headers.replace_header("WARC-Record-ID", record_id)  # in its place: only the random id differs
    out = io.BytesIO()
    recorder.writer.out = out
    recorder.writer.write_record(record)
    return out.getvalue()


def test_a_message_record_is_warcios_byte_for_byte() -> None:
    version = b'{"jsonrpc":"2.0","id":1,"method":"server.version","params":["cointrail",["1.4","1.7"]]}\n'
    messages = [b"", b"\n", version, b'{"id":2,"result":"' + os.urandom(60_000).hex().encode() + b'"}\n',
                os.urandom(70_000)]
    written = io.BytesIO()
    recorder = WarcRecorder(written)
    sent = None
    for index, data in enumerate(messages):
        kind = "request" if index % 2 == 0 else "response"
        start = written.tell()
        info = recorder.message(URI, kind, KIND, data, DATE, concurrent_to=sent)
        mine = written.getvalue()[start:]
        reference = WarcRecorder(io.BytesIO())
        assert mine == _by_warcio(reference, kind, data, info.record_id, sent), (index, gzip.decompress(mine)[:400])
        sent = info.record_id
    read, checked = [], []
    for record in ArchiveIterator(io.BytesIO(written.getvalue()), check_digests=True):
        read.append(record.content_stream().read())
        checked.append(record.digest_checker.passed)
    assert read == messages and checked == [True] * len(messages)
    assert [i.sha256 for i in recorder.records] == [hashlib.sha256(m).hexdigest() for m in messages]
