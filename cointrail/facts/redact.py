"""No path of the investigator's computer in what a case hands out (issue 13).

A report, a request pack or an export travels: to a prosecutor, a court, an exchange, a partner abroad. The
folders of the machine it was made on (``/home/jane/cases/…``, the ledger store's location, where a label file
was imported from) say nothing about the evidence and something about the investigator. Files are named
instead by their path inside the case (``evidence/<sha256>.warc.gz``, which is also their hash) or, outside the
case, by their file name alone, shown as ``…/name``.

:func:`local_paths` rewrites every string of the facts before they are stored or rendered, so the report, the
request packs and the exports (all made from the facts) are clean; it is idempotent, so facts stored by an older
version are cleaned again when read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

# An absolute path inside a longer string: POSIX (/a/b, not the // of a URL nor a fraction like 1/2) or Windows.
_POSIX = re.compile(r"(?<![\w/.:~…=?&#%-])/(?!/)[^\s'\"<>,;()]+")
_AFTER_COLON = re.compile(r"(?<=\w:)/(?!/)[^\s'\"<>,;()]+")  # store:/home/…, blk:/var/… (never http://)
_WINDOWS = re.compile(r"(?<![\w])[A-Za-z]:\\[^\s'\"<>,;()]+")
SHORTENED = "…/"


def _short(text: str, windows: bool = False) -> str:
    name = (PureWindowsPath(text) if windows else PurePosixPath(text)).name
    return SHORTENED + name if name else SHORTENED


class LocalPaths:
    """Rewrites the machine's paths in strings: inside the case to case-relative, anything else to its name."""

    def __init__(self, case_folder: Path | None, others: Iterable[Path] = ()) -> None:
        self.case = str(case_folder.resolve()) if case_folder else None
        self.case_raw = str(case_folder) if case_folder else None
        self.others = sorted({str(p) for p in others}, key=len, reverse=True)

    def text(self, value: str) -> str:
        # Case-relative paths (evidence/…) never start with "/": whatever is absolute is this machine's.
        for folder in filter(None, (self.case, self.case_raw)):
            value = value.replace(folder + "/", "")
            if value == folder:
                return "."
        for path in self.others:
            value = value.replace(path, _short(path))
        value = _AFTER_COLON.sub(lambda m: _short(m.group(0)), value)
        value = _POSIX.sub(lambda m: _short(m.group(0)), value)
        return _WINDOWS.sub(lambda m: _short(m.group(0), windows=True), value)

    def clean(self, value: Any) -> Any:
        """``value`` (JSON-ready data) with every string cleaned; keys too."""
        if isinstance(value, str):
            return self.text(value) if ("/" in value or "\\" in value) else value
        if isinstance(value, dict):
            return {self.clean(k): self.clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.clean(v) for v in value]
        return value


def local_paths(facts: dict[str, Any], case_folder: Path | None, others: Iterable[Path] = ()) -> dict[str, Any]:
    """The facts with no path of this machine left in them (see the module's docstring)."""
    cleaned: dict[str, Any] = LocalPaths(case_folder, others).clean(facts)
    return cleaned
