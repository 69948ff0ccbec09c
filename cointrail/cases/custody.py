"""The custody log: an append-only, hash-chained JSON-lines file.

Each entry is ``{seq, time_utc, operator, action, object, sha256, prev_hash,
entry_hash}``; ``entry_hash`` is the SHA-256 of the canonical JSON of the entry
without ``entry_hash``, and ``prev_hash`` is the previous entry's
``entry_hash`` (64 zeros for the first). Editing, deleting or reordering a line
breaks the chain. Deleting the *last* lines leaves a valid shorter chain, so
the head (last seq and hash) is also kept in a side file, and every evidence
file must be named by an entry: a dropped entry shows up as an unknown file.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cointrail.errors import IntegrityError

GENESIS = "0" * 64
ENTRY_FIELDS = ("seq", "time_utc", "operator", "action", "object", "sha256", "prev_hash", "entry_hash")


# One encoder made once: json.dumps with arguments builds a new encoder per call, a noticeable part of hashing a
# million labels (labels.store.label_sha256). Same settings, same bytes.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(data: Any) -> bytes:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(data).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 of an entry's canonical JSON, without its own ``entry_hash``."""
    body = {k: v for k, v in entry.items() if k != "entry_hash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def utc_now() -> str:
    """The current UTC time, ISO 8601 with microseconds and a ``Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class ChainReport:
    """What checking a custody log found."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


class CustodyLog:
    """The custody log of one case (``custody.jsonl`` and its head file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head_path = path.with_name(path.name + ".head")

    def append(self, operator: str, action: str, obj: str, sha256: str | None) -> dict[str, Any]:
        """Append one entry, chained to the last one, and return it.

        The file is locked while the last entry is read and the new one
        written, so two cointrail processes cannot fork the chain.
        """
        with open(self.path, "a+b") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            last = _last_entry(log)
            entry: dict[str, Any] = {
                "seq": (last["seq"] + 1) if last else 1,
                "time_utc": utc_now(),
                "operator": operator,
                "action": action,
                "object": obj,
                "sha256": sha256,
                "prev_hash": last["entry_hash"] if last else GENESIS,
            }
            entry["entry_hash"] = entry_hash(entry)
            log.seek(0, os.SEEK_END)
            log.write(canonical_json(entry) + b"\n")
            log.flush()
            os.fsync(log.fileno())
            self._write_head(entry)
        return entry

    def _write_head(self, entry: dict[str, Any]) -> None:
        tmp = self.head_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seq": entry["seq"], "entry_hash": entry["entry_hash"]}) + "\n")
        os.replace(tmp, self.head_path)

    def file_state(self) -> tuple[int, ...] | None:
        """What changes whenever the log's file is written (inode, size, modification and change times); None when
        there is no file yet. A reader that keeps what it read from the log compares this to know it is current."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns

    def entries(self) -> list[dict[str, Any]]:
        """Every entry that parses, in file order (use :meth:`check` to trust them)."""
        return self.check().entries

    def check(self) -> ChainReport:
        """Re-check every link of the chain and the head file."""
        report = ChainReport()
        if not self.path.exists():
            report.problems.append("the custody log is missing")
            return report
        prev, expected_seq = GENESIS, 1
        for number, line in enumerate(self.path.read_bytes().splitlines(), start=1):
            entry = _parse_line(line, number, report)
            if entry is None:
                continue
            report.problems += _link_problems(entry, number, prev, expected_seq)
            report.entries.append(entry)
            prev, expected_seq = entry.get("entry_hash", ""), _as_int(entry.get("seq")) + 1
        report.problems += self._head_problems(report.entries)
        return report

    def _head_problems(self, entries: list[dict[str, Any]]) -> list[str]:
        if not self.head_path.exists():
            return ["the custody log's head file is missing"] if entries else []
        try:
            head = json.loads(self.head_path.read_text())
        except (ValueError, OSError):
            return ["the custody log's head file is unreadable"]
        last = entries[-1] if entries else {}
        if head.get("seq") != last.get("seq") or head.get("entry_hash") != last.get("entry_hash"):
            return [
                f"the log ends at entry {last.get('seq')} but its head file records entry {head.get('seq')}: "
                "entries were removed from the end or the log was replaced"
            ]
        return []


def _as_int(value: Any) -> int:
    return value if isinstance(value, int) else -1


def _parse_line(line: bytes, number: int, report: ChainReport) -> dict[str, Any] | None:
    """One entry, or None with the problem reported: a damaged line is tampering to report, never a crash."""
    try:
        entry = json.loads(line)
    except UnicodeDecodeError:
        report.problems.append(f"line {number} of the custody log is not UTF-8 text")
        return None
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        report.problems.append(f"line {number} of the custody log is not valid JSON")
        return None
    if not isinstance(entry, dict) or set(entry) != set(ENTRY_FIELDS):
        report.problems.append(f"line {number} of the custody log does not have the entry fields")
        return None
    try:
        entry_hash(entry)
    except (ValueError, RecursionError):  # a lone surrogate (an escaped \udcff) cannot be hashed as UTF-8
        report.problems.append(f"line {number} of the custody log holds text that is not valid Unicode or is "
                               "nested too deeply, so its hash cannot be checked")  # fmt: skip
        return None
    return entry


def _link_problems(entry: dict[str, Any], number: int, prev: str, expected_seq: int) -> list[str]:
    problems = []
    if entry_hash(entry) != entry["entry_hash"]:
        problems.append(f"line {number} (entry {entry['seq']}) was altered: its hash does not match its content")
    if entry["seq"] != expected_seq:
        problems.append(f"line {number} holds entry {entry['seq']} where entry {expected_seq} was expected "
                        "(entries were deleted or reordered)")
    if entry["prev_hash"] != prev:
        problems.append(f"line {number} (entry {entry['seq']}) does not link to the entry before it")
    return problems


def _last_entry(log: Any) -> dict[str, Any] | None:
    """The last line of an open log, read from the end (logs grow long)."""
    log.seek(0, os.SEEK_END)
    size = log.tell()
    block = min(size, 65536)
    while True:
        log.seek(size - block)
        lines = log.read(block).splitlines()
        if len(lines) > 1 or block == size:
            break
        block = min(size, block * 2)
    if not lines or not lines[-1].strip():
        return None
    try:
        entry = json.loads(lines[-1])
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int) and isinstance(entry.get("entry_hash"), str):
            return entry
    except (ValueError, RecursionError):
        pass
    raise IntegrityError("the custody log's last line is damaged, so nothing can be chained to it; "
                         "run `cointrail verify` on this case")
