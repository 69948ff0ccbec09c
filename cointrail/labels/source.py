"""Reading a label file once: its bytes, its SHA-256, and text decoding with clear errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cointrail.errors import InputError
from cointrail.labels.model import LabelFormatError


@dataclass(frozen=True)
class SourceFile:
    """The bytes of a label file as read, with their hash (the label's provenance)."""

    path: str
    data: bytes
    sha256: str

    def text(self, legacy_fallback: bool = False) -> str:
        """The file decoded as UTF-8 (a byte-order mark is dropped).

        With ``legacy_fallback``, bytes that are not UTF-8 are read as Windows-1252
        instead of failing: older government CSV exports use it for accented names.
        """
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if legacy_fallback:
                return self.data.decode("cp1252", errors="replace")
            raise LabelFormatError(
                f"{self.path} is not UTF-8 text (byte {error.start} cannot be decoded)"
            ) from None


def read_source(path: str | Path) -> SourceFile:
    """Read a label file whole and hash it; raises :class:`InputError` if it cannot be read."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"the label file {file} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{file} is a folder; give a label file") from None
    except OSError as error:
        raise InputError(f"the label file {file} cannot be read: {error.strerror}") from None
    return SourceFile(str(file), data, hashlib.sha256(data).hexdigest())


def from_bytes(data: bytes, name: str = "<memory>") -> SourceFile:
    """A :class:`SourceFile` for bytes already in memory (tests, piped input)."""
    return SourceFile(name, data, hashlib.sha256(data).hexdigest())
