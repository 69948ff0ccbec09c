"""The part of the chain state that did not fit its memory budget, in sorted runs on disk.

A whole chain's state (every unspent output, every script ever paid) is more
than one machine holds: :class:`~cointrail.store.duckdb.chainstate.ChainState`
moves what it holds to a new *run* here when it passes its budget, and asks
the runs for the keys a batch does not find in memory. A run is two files of
fixed-width rows: ``hash`` (uint64, sorted) and ``rows`` (int64 columns, the
key's bytes then its payload); only every :data:`FENCE`-th hash stays in
memory (8 bytes per 512 rows), so a lookup reads about one page of each file.
Runs of about the same size are merged by tiers (:data:`TIER`, :data:`SIMILAR`),
a range of hashes at a time (memory bounded by :data:`MERGE_ROWS`), dropping the
rows marked gone.

The files are mapped for each batch's lookups and unmapped after
(``MADV_DONTNEED`` after each chunk of lookups), so that the pages read stay
in the kernel's page cache, not in the process's memory. The runs are a cache
of what the store holds: they live in a folder beside the store, are removed
with the state, and are rebuilt from the store when a state is loaded. A
killed ingest's folder is removed when the store is next opened for writing
(:func:`remove_leftovers`).
"""

from __future__ import annotations

import glob
import mmap
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
FENCE = 512  # rows per in-memory fence: 512 hashes are one 4 KiB page
TIER = 4  # this many runs of about the same size are merged into one
SIMILAR = 2  # runs are "about the same size" while the largest is at most this many times the smallest
MAX_RUNS = 40  # past this many runs (sizes that never line up into a tier), the smallest adjacent two are merged
MERGE_ROWS = 1 << 21  # about this many rows in memory at a time while merging
LOOKUP_CHUNK = 1 << 14  # lookups between two releases of the mapped pages
GONE = -1  # what Runs.mark_gone writes in a row's "gone" column (a value it never holds otherwise)


@numba.njit(cache=True, nogil=True)
def _lower_bound(hashes: U64, fence: U64, h: np.uint64) -> int:
    """The first row whose hash is >= h (len(hashes) if none), reading one fence block of ``hashes``."""
    lo_f, hi_f = 0, len(fence)
    while lo_f < hi_f:  # fences below h
        mid = (lo_f + hi_f) // 2
        if fence[mid] < h:
            lo_f = mid + 1
        else:
            hi_f = mid
    lo = max(lo_f - 1, 0) * FENCE
    hi = min(lo_f * FENCE, len(hashes))
    while lo < hi:
        mid = (lo + hi) // 2
        if hashes[mid] < h:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def _find(hashes: U64, fence: U64, rows: I64, gone_col: int, q_hash: U64, q_keys: I64, found: I64,
          match_cols: int) -> None:  # fmt: skip
    """For each query not yet found (``found[i] < 0``), the row whose first ``match_cols`` key columns equal
    the query's and that is not gone (``rows[r, gone_col] != GONE``); -1 if none."""
    for i in range(len(q_hash)):
        if found[i] >= 0:
            continue
        h = q_hash[i]
        r = _lower_bound(hashes, fence, h)
        while r < len(hashes) and hashes[r] == h:
            same = rows[r, gone_col] != GONE
            for c in range(match_cols):
                if rows[r, c] != q_keys[i, c]:
                    same = False
                    break
            if same:
                found[i] = r
                break
            r += 1


@dataclass
class _Run:
    folder: Path
    n: int
    fence: U64

    def hashes(self, mode: Literal["r", "r+"] = "r") -> npt.NDArray[np.uint64]:
        return np.memmap(self.folder / "hash", np.uint64, mode, shape=(self.n,)) if self.n else np.zeros(0, np.uint64)

    def rows(self, width: int, mode: Literal["r", "r+"] = "r") -> I64:
        if not self.n:
            return np.zeros((0, width), np.int64)
        return np.memmap(self.folder / "rows", np.int64, mode, shape=(self.n, width))


def _release(*arrays: np.ndarray) -> None:
    """Drop the pages of mapped files from this process's memory (they stay in the page cache)."""
    for array in arrays:
        handle = getattr(array, "_mmap", None)
        if handle is not None:
            handle.madvise(mmap.MADV_DONTNEED)


class Runs:
    """Sorted runs of one kind of row: ``key_cols`` int64 columns of key, then payload columns.

    ``gone_col`` is the column a row is marked gone in (set to :data:`GONE`);
    the rows' hashes are the caller's (uniform over uint64, equal keys equal hashes).
    """

    def __init__(self, folder: Path, width: int, key_cols: int, gone_col: int):
        self.folder, self.width, self.key_cols, self.gone_col = folder, width, key_cols, gone_col
        self.runs: list[_Run] = []
        self._made = 0

    @property
    def rows_held(self) -> int:
        return sum(r.n for r in self.runs)

    def add(self, hashes: U64, rows: I64) -> None:
        """A new run of these rows (any order); merges the runs when there are too many."""
        order = np.argsort(hashes, kind="stable")
        self.runs.append(self._write([(hashes[order], rows[order])]))
        while (group := self._to_merge()) is not None:
            self.merge(*group)

    def _to_merge(self) -> tuple[int, int] | None:
        """The runs [first, end) to merge next, or None: the newest runs back to the first whose size breaks
        the tier, if there are :data:`TIER` of them; else, past :data:`MAX_RUNS`, the smallest adjacent two."""
        sizes = [max(r.n, 1) for r in self.runs]
        first = len(sizes) - 1
        low = high = sizes[-1] if sizes else 0
        while first > 0 and max(high, sizes[first - 1]) <= SIMILAR * min(low, sizes[first - 1]):
            first -= 1
            low, high = min(low, sizes[first]), max(high, sizes[first])
        if len(sizes) - first >= TIER:
            return first, len(sizes)
        if len(sizes) > MAX_RUNS:
            pair = min(range(len(sizes) - 1), key=lambda i: sizes[i] + sizes[i + 1])
            return pair, pair + 2
        return None

    def _write(self, chunks: Iterable[tuple[U64, I64]]) -> _Run:
        folder = self.folder / f"run{self._made}"
        self._made += 1
        folder.mkdir(parents=True)
        n = 0
        fences = []
        with open(folder / "hash", "wb") as hf, open(folder / "rows", "wb") as rf:
            for hashes, rows in chunks:
                # the fence of global row k*FENCE falls in this chunk at k*FENCE - n
                first = (-n) % FENCE
                fences.append(np.array(hashes[first::FENCE], np.uint64))
                hf.write(np.ascontiguousarray(hashes, np.uint64).tobytes())
                rf.write(np.ascontiguousarray(rows, np.int64).tobytes())
                n += len(hashes)
        return _Run(folder, n, np.concatenate(fences) if fences else np.zeros(0, np.uint64))

    def find(self, q_hash: U64, q_keys: I64, match_cols: int | None = None) -> tuple[I64, I64]:
        """(run number, row) of each query's row, -1 for those in no run; newest run first."""
        match = self.key_cols if match_cols is None else match_cols
        where_run = np.full(len(q_hash), -1, np.int64)
        where_row = np.full(len(q_hash), -1, np.int64)
        for number in range(len(self.runs) - 1, -1, -1):
            run = self.runs[number]
            if not run.n:
                continue
            todo = np.flatnonzero(where_run < 0)
            for start in range(0, len(todo), LOOKUP_CHUNK):
                part = todo[start : start + LOOKUP_CHUNK]
                hashes, rows = run.hashes(), run.rows(self.width)
                found = np.full(len(part), -1, np.int64)
                _find(np.asarray(hashes), run.fence, np.asarray(rows), self.gone_col, q_hash[part], q_keys[part],
                      found, match)  # fmt: skip
                _release(hashes, rows)
                del hashes, rows
                hit = found >= 0
                where_run[part[hit]], where_row[part[hit]] = number, found[hit]
        return where_run, where_row

    def read(self, where_run: I64, where_row: I64) -> I64:
        """The rows at (run, row) pairs (all found)."""
        out = np.empty((len(where_run), self.width), np.int64)
        for number in np.unique(where_run).tolist():
            pick = np.flatnonzero(where_run == number)
            rows = self.runs[number].rows(self.width)
            out[pick] = rows[where_row[pick]]
            _release(rows)
            del rows
        return out

    def mark_gone(self, where_run: I64, where_row: I64) -> None:
        """Mark rows gone (a spent output): lookups skip them and the next merge drops them."""
        for number in np.unique(where_run[where_run >= 0]).tolist():
            pick = where_row[where_run == number]
            rows = self.runs[number].rows(self.width, "r+")
            rows[pick, self.gone_col] = GONE
            rows.flush()
            _release(rows)
            del rows

    def merge(self, first: int = 0, end: int | None = None) -> None:
        """Merge the runs [first, end) (all by default) into one in their place, a range of hashes at a time,
        without the rows marked gone. The runs keep their order, oldest first."""
        end = len(self.runs) if end is None else end
        old = self.runs[first:end]
        total = sum(r.n for r in old)
        parts = max(1, -(-total // MERGE_ROWS))
        bounds = [np.uint64(0)] + [np.uint64((k << 64) // parts) for k in range(1, parts)]

        def chunks() -> Iterator[tuple[U64, I64]]:
            starts = [0] * len(old)
            for k in range(parts):
                pieces_h, pieces_r = [], []
                for i, run in enumerate(old):
                    if not run.n:
                        continue
                    hashes = run.hashes()
                    end = run.n if k == parts - 1 else _lower_bound(np.asarray(hashes), run.fence, bounds[k + 1])
                    rows = run.rows(self.width)
                    h, r = np.array(hashes[starts[i] : end]), np.array(rows[starts[i] : end])
                    _release(hashes, rows)
                    del hashes, rows
                    starts[i] = end
                    kept = r[:, self.gone_col] != GONE
                    pieces_h.append(h[kept])
                    pieces_r.append(r[kept])
                if pieces_h:
                    h, r = np.concatenate(pieces_h), np.concatenate(pieces_r)
                    order = np.argsort(h, kind="stable")
                    yield h[order], r[order]

        merged = self._write(chunks())
        for run in old:
            shutil.rmtree(run.folder)
        self.runs[first:end] = [merged]


_IN_USE: set[Path] = set()  # this process's spill folders (two stores of one file could be open in it)


class SpillFolder:
    """A folder for a chain state's runs beside the store (removed with the state)."""

    def __init__(self, beside: Path | None):
        parent = beside.parent if beside is not None and beside.parent.is_dir() else None
        name = beside.name if beside is not None else "cointrail"
        self.path = Path(tempfile.mkdtemp(prefix=f"{name}{SPILL_SUFFIX}", dir=parent))
        _IN_USE.add(self.path)

    def remove(self) -> None:
        _IN_USE.discard(self.path)
        shutil.rmtree(self.path, ignore_errors=True)


SPILL_SUFFIX = ".state-"


@dataclass(frozen=True)
class Leftover:
    """A spill folder an ingest killed midway left beside its store, now removed."""

    path: Path
    bytes: int


def remove_leftovers(store: Path) -> list[Leftover]:
    """Remove the spill folders a killed ingest left beside ``store`` (``<store>.state-*``); what was removed.

    Only the store's one writer makes them, and DuckDB lets one process write a file: called by that writer
    once it holds the file, every such folder not in use in this process is a dead process's.
    """
    removed = []
    for folder in sorted(store.parent.glob(f"{glob.escape(store.name)}{SPILL_SUFFIX}*")):
        if not folder.is_dir() or folder.resolve() in {p.resolve() for p in _IN_USE}:
            continue
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(Leftover(folder, size))
    return removed
