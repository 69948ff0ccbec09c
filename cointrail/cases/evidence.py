"""Write-once evidence files, named by their content.

An evidence file is written to a temporary file in the case, flushed to disk,
renamed into ``evidence/`` under its SHA-256, and made read-only; the custody
log records it. Nothing in cointrail ever opens an evidence file for writing
again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EvidenceStore:
    """The ``evidence/`` folder of a case."""

    def __init__(self, folder: Path, scratch: Path) -> None:
        self.folder = folder
        self.scratch = scratch

    @contextmanager
    def new_file(self, suffix: str) -> Iterator[tuple[BinaryIO, Path]]:
        """Open a scratch file to write evidence into; commit it with :meth:`commit`.

        Yields ``(binary file object, its path)``; on leaving the block the
        data are flushed and fsynced. The scratch file stays until committed.
        """
        self.scratch.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="incoming-", suffix=suffix, dir=self.scratch)
        handle = os.fdopen(fd, "w+b")
        try:
            yield handle, Path(name)
        finally:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()

    def commit(self, scratch_file: Path, suffix: str) -> tuple[Path, str]:
        """Move a finished scratch file into the store under its hash; return (path, sha256)."""
        digest = sha256_file(scratch_file)
        target = self.folder / f"{digest}{suffix}"
        self.folder.mkdir(parents=True, exist_ok=True)
        if target.exists():  # same content already kept: written once, never replaced
            scratch_file.unlink()
        else:
            os.chmod(scratch_file, READ_ONLY)
            os.rename(scratch_file, target)
            _fsync_dir(self.folder)
        return target, digest

    def put_bytes(self, data: bytes, suffix: str) -> tuple[Path, str]:
        """Store ``data`` as a new evidence file; return (path, sha256)."""
        with self.new_file(suffix) as (handle, path):
            handle.write(data)
        return self.commit(path, suffix)

    def put_copy(self, source: Path, suffix: str) -> tuple[Path, str]:
        """Copy an outside file into the store; return (path, sha256)."""
        with self.new_file(suffix) as (handle, path), open(source, "rb") as original:
            shutil.copyfileobj(original, handle, CHUNK)
        return self.commit(path, suffix)

    def files(self) -> list[Path]:
        """Every file now under ``evidence/``, sorted."""
        if not self.folder.exists():
            return []
        return sorted(p for p in self.folder.rglob("*") if p.is_file() or p.is_symlink())
