"""A label file read as a stream: its labels go on in batches, while counts and the first rejections are kept.

A label CSV can hold millions of rows (issue 22: ten million rows took more
than 10.7 GB when every label was held as an object). :func:`stream_entries`
gives a file's labels and rejected entries one at a time — the CSV reader
streams the file itself; the other readers read their file whole, which is
fine for their size (a TagPack, the OFAC lists) — and a :class:`Tally` counts
them on the way, keeping only the first :data:`MAX_REJECTED_KEPT` rejections
in full.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cointrail.labels import IMPORTERS, format_of
from cointrail.labels.csv_import import iter_csv
from cointrail.labels.model import Label, RejectedEntry
from cointrail.labels.source import SourceFile, read_source

MAX_REJECTED_KEPT = 1000  # rejected entries listed in full; the others are counted
Streamer = Callable[[SourceFile], Iterator[Label | RejectedEntry]]
STREAMERS: dict[str, Streamer] = {"csv": iter_csv}  # formats read row by row; the others are read whole


def stream_entries(source: SourceFile, name: str) -> Iterator[Label | RejectedEntry]:
    """The labels and rejected entries of ``source`` read as format ``name``, one at a time."""
    if name in STREAMERS:
        yield from STREAMERS[name](source)
        return
    result = IMPORTERS[name](source)
    yield from result.labels
    yield from result.rejected


def _ordered(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Tally:
    """What a streamed file held: counts, the first rejections, and (when asked) every label."""

    path: str
    format: str
    source_sha256: str
    keep_labels: bool = False
    label_count: int = 0
    rejected_count: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_currency: Counter[str] = field(default_factory=Counter)
    rejected: list[RejectedEntry] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def labels_of(self, entries: Iterable[Label | RejectedEntry]) -> Iterator[Label]:
        """The labels among ``entries``, counting every entry on the way."""
        for entry in entries:
            if isinstance(entry, RejectedEntry):
                self.rejected_count += 1
                if len(self.rejected) < MAX_REJECTED_KEPT:
                    self.rejected.append(entry)
                continue
            self.label_count += 1
            self.by_category[entry.category or "(none)"] += 1
            self.by_currency[entry.currency] += 1
            if self.keep_labels:
                self.labels.append(entry)
            yield entry

    def summary(self) -> dict[str, Any]:
        """The same plain data as :meth:`LabelImport.summary`; rejections past the first ones are only counted."""
        data: dict[str, Any] = {
            "path": self.path, "format": self.format, "source_sha256": self.source_sha256,
            "label_count": self.label_count, "rejected_count": self.rejected_count,
            "by_category": _ordered(self.by_category), "by_currency": _ordered(self.by_currency),
            "rejected": [entry.to_dict() for entry in self.rejected],
        }  # fmt: skip
        if self.rejected_count > len(self.rejected):
            data["rejected_not_listed"] = self.rejected_count - len(self.rejected)
        if self.keep_labels:
            data["labels"] = [label.to_dict() for label in self.labels]
        return data


def check_label_file(path: str | Path, format: str | None = None, keep_labels: bool = False) -> Tally:  # noqa: A002
    """Read a label file through, storing nothing: what it holds (``labels check``), in bounded memory."""
    source = read_source(path)
    tally = Tally(source.path, format_of(source, format), source.sha256, keep_labels)
    for _ in tally.labels_of(stream_entries(source, tally.format)):
        pass
    return tally
