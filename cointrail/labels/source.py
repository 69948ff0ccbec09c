"""Reading a label file: its bytes (whole, or streamed for the big formats), its SHA-256, clear decoding errors."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cointrail.cases.evidence import sha256_file
from cointrail.errors import InputError
from cointrail.labels.model import LabelFormatError


@dataclass(frozen=True)
class SourceFile:
    """A label file with its hash (the label's provenance): bytes in memory, or a file read on demand.

    A file opened by :func:`read_source` is hashed in chunks and never held
    whole unless an importer asks for :attr:`data` (the YAML and sdn.csv readers
    do; the CSV and XML readers stream it through :meth:`open`).
    """

    path: str
    sha256: str
    memory: bytes | None = None
    file: Path | None = None

    @property
    def data(self) -> bytes:
        """The whole file."""
        if self.memory is not None:
            return self.memory
        return _read(Path(self.path) if self.file is None else self.file)

    def open(self) -> BinaryIO:
        """A binary stream of the file, from its start (close it after use)."""
        if self.memory is not None or self.file is None:
            return io.BytesIO(self.data)
        return _open(self.file)

    def head(self, size: int = 4096) -> bytes:
        """The first ``size`` bytes (to detect the format)."""
        with self.open() as stream:
            return stream.read(size)

    def text(self, legacy_fallback: bool = False) -> str:
        """The file decoded as UTF-8 (a byte-order mark is dropped).

        With ``legacy_fallback``, bytes that are not UTF-8 are read as Windows-1252
        instead of failing: older government CSV exports use it for accented names.
        """
        data = self.data
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if legacy_fallback:
                return data.decode("cp1252", errors="replace")
            raise not_utf8(self.path, error.start) from None


def not_utf8(path: str, at: int | None = None, line: int | None = None) -> LabelFormatError:
    """The error for a label file that is not UTF-8 text."""
    where = f", line {line}" if line is not None else ""
    byte = f" (byte {at}{' of the line' if line is not None else ''} cannot be decoded)" if at is not None else ""
    return LabelFormatError(f"{path}{where} is not UTF-8 text{byte}")


def _unreadable(file: Path, error: OSError) -> InputError:
    """The error for a label file that cannot be opened or read."""
    if isinstance(error, FileNotFoundError):
        return InputError(f"the label file {file} does not exist")
    if isinstance(error, IsADirectoryError):
        return InputError(f"{file} is a folder; give a label file")
    return InputError(f"the label file {file} cannot be read: {error.strerror}")


def _open(file: Path) -> BinaryIO:
    try:
        return open(file, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except OSError as error:
        raise _unreadable(file, error) from None


def _read(file: Path) -> bytes:
    with _open(file) as stream:
        return stream.read()


def read_source(path: str | Path) -> SourceFile:
    """A label file, hashed in chunks (not held in memory); raises :class:`InputError` if it cannot be read."""
    file = Path(path)
    try:
        digest = sha256_file(file)
    except OSError as error:
        raise _unreadable(file, error) from None
    return SourceFile(str(file), digest, file=file)


def from_bytes(data: bytes, name: str = "<memory>") -> SourceFile:
    """A :class:`SourceFile` for bytes already in memory (tests, piped input)."""
    return SourceFile(name, hashlib.sha256(data).hexdigest(), memory=data)
