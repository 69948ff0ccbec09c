"""Labels: who is behind an address, according to whom, and how sure.

:func:`load_labels` reads one label file — a GraphSense TagPack, one of the
three forms of the OFAC SDN list, or a plain CSV — into a :class:`LabelImport`:
validated :class:`Label`\\ s, every entry that was rejected with its reason,
and the SHA-256 of the file. Importers are registered in :data:`IMPORTERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cointrail.errors import InputError
from cointrail.labels.csv_import import parse_csv
from cointrail.labels.model import (
    CATEGORIES,
    CONFIDENCE_SCALE,
    Confidence,
    Label,
    LabelFormatError,
    LabelImport,
    RejectedEntry,
)
from cointrail.labels.ofac import parse_sdn_advanced, parse_sdn_csv, parse_sdn_xml
from cointrail.labels.source import SourceFile, from_bytes, read_source
from cointrail.labels.tagpack import parse_tagpack

Importer = Callable[[SourceFile], LabelImport]

# The label formats cointrail reads, by the name ``--format`` takes.
IMPORTERS: dict[str, Importer] = {
    "tagpack": parse_tagpack,
    "ofac-xml": parse_sdn_xml,
    "ofac-csv": parse_sdn_csv,
    "ofac-advanced": parse_sdn_advanced,
    "csv": parse_csv,
}


def _sniff_xml(head: str) -> str:
    return "ofac-xml" if "<sdnList" in head else "ofac-advanced"


def _sniff_csv(head: str) -> str:
    # OFAC's sdn.csv has no header: its rows start with an entry number. Label CSVs start with a header.
    first = head.lstrip("\ufeff").split(",", 1)[0].strip().strip('"')
    return "ofac-csv" if first.isdigit() else "csv"


def detect_format(source: SourceFile) -> str:
    """Guess a label file's format from its name and first bytes."""
    suffix = Path(source.path).suffix.lower()
    head = source.head().decode("utf-8", errors="replace")
    if suffix in (".yaml", ".yml"):
        return "tagpack"
    if suffix == ".xml" or head.lstrip("\ufeff \r\n\t").startswith("<"):
        return _sniff_xml(head)
    if suffix == ".csv":
        return _sniff_csv(head)
    raise InputError(
        f"cannot tell the format of {source.path}; give --format ({', '.join(IMPORTERS)})"
    )


def format_of(source: SourceFile, format: str | None = None) -> str:  # noqa: A002 - the CLI's word
    """The format to read ``source`` in: the one given, or the detected one."""
    name = format or detect_format(source)
    if name not in IMPORTERS:
        raise InputError(f"unknown label format {name!r}; cointrail reads {', '.join(IMPORTERS)}")
    return name


def parse_labels(source: SourceFile, format: str | None = None) -> LabelImport:  # noqa: A002 - the CLI's word
    """Read labels from a file already in memory, in ``format`` or the detected one."""
    return IMPORTERS[format_of(source, format)](source)


def load_labels(path: str | Path, format: str | None = None) -> LabelImport:  # noqa: A002
    """Read a label file: labels, rejected entries with reasons, and the file's SHA-256.

    ``format`` is one of :data:`IMPORTERS` (``tagpack``, ``ofac-xml``,
    ``ofac-csv``, ``ofac-advanced``, ``csv``); left out, it is detected from
    the file name and content. Raises :class:`LabelFormatError` (an
    :class:`~cointrail.errors.InputError`) when the file cannot be read as a
    whole; single bad entries are returned in ``rejected`` instead.
    """
    return parse_labels(read_source(path), format)


__all__ = [
    "CATEGORIES",
    "CONFIDENCE_SCALE",
    "IMPORTERS",
    "Confidence",
    "Label",
    "LabelFormatError",
    "LabelImport",
    "RejectedEntry",
    "SourceFile",
    "detect_format",
    "format_of",
    "from_bytes",
    "load_labels",
    "parse_labels",
]
