"""Plain CSV labels: one label per row, named columns, errors with line numbers.

The header row names the columns, in any order, case-insensitively:

* mandatory: ``address``, ``label``, ``currency`` (a ticker such as BTC, LTC,
  ETH, USDT; ``chain`` is accepted as another name for it);
* optional: ``category`` (GraphSense category), ``source`` (default: the file),
  ``confidence`` (a GraphSense level name, default ``unknown``), ``actor``,
  ``abuse``, ``lastmod`` (or ``date``, YYYY-MM-DD), ``tx_hash``,
  ``is_cluster_definer`` (true/false), ``tag_type``, ``notes``.

A row that cannot become a label is rejected on its own with its line number
and the reason; a file without the mandatory columns is refused as a whole.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Iterator
from typing import BinaryIO

from cointrail.labels.currencies import AddressRejected, check_address
from cointrail.labels.model import (
    CATEGORIES,
    CONFIDENCE_SCALE,
    TAG_TYPES,
    Label,
    LabelFormatError,
    LabelImport,
    RejectedEntry,
    collect,
    confidence_named,
)
from cointrail.labels.source import SourceFile, not_utf8

IMPORTER = "csv"
MANDATORY = ("address", "label", "currency")
OPTIONAL = (
    "category", "source", "confidence", "actor", "abuse", "lastmod", "tx_hash",
    "is_cluster_definer", "tag_type", "notes", "network",
)
ALIASES = {"chain": "currency", "date": "lastmod", "note": "notes"}
_TRUE = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}


class RowRejected(ValueError):
    """One row cannot become a label; the message says why."""


def _header(row: list[str], path: str) -> list[str]:
    names = [ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in row]
    missing = [name for name in MANDATORY if name not in names]
    if missing:
        raise LabelFormatError(
            f"{path}, line 1: the header has no column {', '.join(repr(m) for m in missing)} "
            f"(a label CSV needs {', '.join(MANDATORY)})"
        )
    unknown = [name for name in names if name and name not in MANDATORY + OPTIONAL]
    if unknown:
        raise LabelFormatError(f"{path}, line 1: unknown column {unknown[0]!r} in the header")
    return names


def _choice(row: dict[str, str], name: str, allowed: frozenset[str] | dict[str, int]) -> str | None:
    value = row.get(name, "").strip().lower()
    if value and value not in allowed:
        raise RowRejected(f"the {name} {value!r} is not one cointrail knows (see docs/labels.md)")
    return value or None


def _date(text: str) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise RowRejected(f"the date {text!r} is not a date (YYYY-MM-DD)") from None


def _flag(text: str) -> bool:
    try:
        return _TRUE[text.strip().lower()]
    except KeyError:
        raise RowRejected(f"is_cluster_definer is {text!r}; write true or false") from None


def _label(row: dict[str, str], source: SourceFile) -> Label:
    for name in MANDATORY:
        if not row.get(name, "").strip():
            raise RowRejected(f"the {name} is empty")
    try:
        checked = check_address(row["address"], row["currency"])
    except AddressRejected as error:
        raise RowRejected(str(error)) from None
    return Label(
        address=checked.address,
        chains=checked.chains,
        currency=row["currency"].strip().upper(),
        network=checked.network,
        label=row["label"].strip(),
        source=row.get("source", "").strip() or source.path,
        source_sha256=source.sha256,
        confidence=confidence_named(_choice(row, "confidence", CONFIDENCE_SCALE) or "unknown"),
        importer=IMPORTER,
        category=_choice(row, "category", CATEGORIES),
        actor=row.get("actor", "").strip() or None,
        abuse=_choice(row, "abuse", CATEGORIES),
        lastmod=_date(row.get("lastmod", "")),
        tx_hash=row.get("tx_hash", "").strip() or None,
        is_cluster_definer=_flag(row.get("is_cluster_definer", "")),
        tag_type=_choice(row, "tag_type", TAG_TYPES),
        notes=(row["notes"].strip(),) if row.get("notes", "").strip() else (),
    )


def _lines(source: SourceFile, stream: BinaryIO) -> Iterator[str]:
    """The file's lines as text, decoded one at a time so that a bad byte is reported on its own line."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise not_utf8(source.path, error.start, number) from None


def _reader(source: SourceFile, stream: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row, read as the file streams in; clear errors for bad text or CSV."""
    reader = csv.reader(_lines(source, stream))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise LabelFormatError(f"{source.path}, line {reader.line_num}: not valid CSV ({error})") from None


def _entry(line: int, cells: list[str], names: list[str], source: SourceFile) -> Label | RejectedEntry | None:
    if not any(cell.strip() for cell in cells):
        return None
    row = dict(zip(names, cells, strict=False))  # a short or long row is reported below
    try:
        if len(cells) > len(names):  # fewer is fine: missing trailing cells are empty
            raise RowRejected(f"it has {len(cells)} columns, the header has only {len(names)}")
        return _label(row, source)
    except RowRejected as error:
        return RejectedEntry(f"line {line}", row.get("address", ""), str(error))


def iter_csv(source: SourceFile) -> Iterator[Label | RejectedEntry]:
    """The labels and rejected entries (with line numbers) of a label CSV, one row at a time.

    The file is streamed: memory does not grow with its length. A file that
    cannot be read as a whole (no header, not UTF-8, broken CSV) raises
    :class:`LabelFormatError`, possibly after some rows were given.
    """
    with source.open() as stream:
        rows = _reader(source, stream)
        header = next(rows, None)
        if not header or not header[1]:
            raise LabelFormatError(f"{source.path} is empty: a label CSV starts with a header row")
        names = _header(header[1], source.path)
        for line, cells in rows:
            entry = _entry(line, cells, names, source)
            if entry is not None:
                yield entry


def parse_csv(source: SourceFile) -> LabelImport:
    """Read a label CSV whole: one label per good row, one rejected entry (with line number) per other row."""
    return collect(source, IMPORTER, iter_csv(source))
