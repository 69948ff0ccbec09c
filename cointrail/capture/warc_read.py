"""Reading WARC files that may be damaged or hostile: bounded payloads, false lengths and cuts reported.

warcio reads well-formed files; on others it can fail with any exception (a
record header cut before its WARC-Target-URI gives an ``AttributeError``), end
quietly in the middle of a gzip member, or take a record that claims 10 GB at
its word and read the rest of the file as its content. Here every record is
read in chunks up to a limit (the rest is counted and dropped, never held), and
each of those cases becomes a sentence for the warnings (issue 22).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

CHUNK = 1 << 20
# What warcio raises on a malformed file: its own errors, and those of its parsers meeting what they did not expect.
DAMAGE = (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, OSError, EOFError, AttributeError,
          KeyError, IndexError, TypeError, zlib.error)  # fmt: skip


@dataclass(frozen=True)
class Payload:
    """The first ``limit`` bytes of a record's payload, and what the record held and claimed."""

    data: bytes
    size: int  # payload bytes the file held for the record
    missing: int  # bytes its Content-Length announced that the file does not hold
    problem: str | None = None  # why the reading stopped early (a malformed digest header …)

    @property
    def cut(self) -> bool:
        return self.size > len(self.data)


def records(stream: BinaryIO, problems: list[str], check_digests: bool = False) -> Iterator[Any]:
    """The records of a WARC; damage ends the iteration with a sentence in ``problems``, never an exception.

    Only warcio's own reading is guarded: an error in what the caller does with
    a record is the caller's.
    """
    archive = ArchiveIterator(stream, check_digests=check_digests)
    iterator, count = iter(archive), 0
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            problems += _trailing(stream, archive.offset, count)
            return
        except DAMAGE as error:
            problems.append(f"the WARC is damaged after record {count} (a record header is cut short or malformed: "
                            f"{type(error).__name__}: {str(error)[:200]}); the records before it were read")
            return
        count += 1
        yield record


def _trailing(stream: BinaryIO, end: int, count: int) -> list[str]:
    """A sentence when bytes follow the last record read: warcio takes a record header cut short for the file's end."""
    try:
        stream.seek(end)
        rest = stream.read(CHUNK).strip(b"\r\n\t ")
    except (OSError, ValueError):
        return []
    if not rest:
        return []
    return [f"the WARC is damaged after record {count}: {len(rest):,}+ bytes follow it that are not a whole record "
            "(a record header cut short?); the records before them were read"]


def read_payload(record: Any, limit: int) -> Payload:
    """Up to ``limit`` payload bytes; the rest is read in chunks and dropped (so warcio checks the digests)."""
    stream, data, size = record.raw_stream, b"", 0
    try:
        data = stream.read(limit)
        size = len(data)
        while chunk := stream.read(CHUNK):
            size += len(chunk)
    except DAMAGE as error:  # warcio's digest check chokes on a malformed WARC-Payload-Digest, among others
        problem = f"the record is malformed ({type(error).__name__}: {str(error)[:200]}); what was read was searched"
        return Payload(data, max(size, len(data)), 0, problem)
    return Payload(data, size, max(0, int(getattr(stream, "limit", 0) or 0)))


def length_problem(record: Any, payload: Payload, limit: int) -> str | None:
    """A sentence when a record claims more than the file holds, or more than is read of one record.

    The sentence does not name the record: the importer's warnings put its URI before it, the text view's
    notes belong to its page already.
    """
    claimed = int(record.length or 0)
    if payload.problem:
        return payload.problem
    if payload.missing:
        return (f"the record claims {claimed:,} bytes, but the file ends {payload.missing:,} bytes short of "
                "that: the file is cut short or the length is false (then what follows it was read as its content "
                "and not searched as records); what was there was searched")  # fmt: skip
    if payload.cut:
        return (f"the record holds {payload.size:,} bytes, more than the {limit:,} that cointrail reads of "
                f"one record; only the first {limit:,} were searched")  # fmt: skip
    return None


def gzip_cut(path: Path) -> str | None:
    """A sentence when a gzip WARC's last member is cut short (warcio ends such a file quietly)."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(CHUNK):
                pass
    except (EOFError, OSError, zlib.error) as error:
        return (f"the gzip file is cut short or damaged ({error}): the file was truncated; "
                "the records before the cut were searched, any after it are lost")
    return None
