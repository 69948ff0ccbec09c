"""A compiled hash index from byte strings (txids, scripts) to dense ids.

Raw ingest looks up every input's previous txid and every output's script:
millions of lookups, which a Python dict of ``bytes`` would serve only after
making a ``bytes`` object for each (and at about 150 bytes of memory per key).
This index keeps the keys back to back in one NumPy arena (key ``i`` at
``arena[offsets[i]:offsets[i + 1]]``, ids in order of insertion) and an
open-addressing table of ids, so that Numba-compiled code can look up and insert
keys that lie anywhere in a byte buffer. Every hit is confirmed by comparing
the whole key: the hash only chooses where to look.

numba has no typed dict over byte slices, and a library hash table (e.g. a
C extension) would need a Python object per key again; hence this small table.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

EMPTY = -1
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(cache=True, nogil=True, inline="always")
def key_hash(buf: npt.NDArray[np.uint8], start: int, length: int) -> np.uint64:
    """FNV-1a over the key's bytes, then a final mix (keys are mostly hashes already: this is cheap insurance)."""
    h = _FNV_OFFSET
    for i in range(start, start + length):
        h = (h ^ np.uint64(buf[i])) * _FNV_PRIME
    h ^= h >> np.uint64(29)
    return h


@numba.njit(cache=True, nogil=True)
def find(slots: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint64], arena: npt.NDArray[np.uint8],
         offsets: npt.NDArray[np.int64], buf: npt.NDArray[np.uint8], start: int, length: int,
         h: np.uint64) -> tuple[int, int]:  # fmt: skip
    """(id of the key at ``buf[start:start+length]`` or -1, the slot where it is or would go)."""
    mask = len(slots) - 1
    slot = np.int64(h & np.uint64(mask))
    while True:
        key_id = slots[slot]
        if key_id == EMPTY:
            return EMPTY, int(slot)
        if hashes[slot] == h and offsets[key_id + 1] - offsets[key_id] == length:
            at = offsets[key_id]
            same = True
            for i in range(length):
                if arena[at + i] != buf[start + i]:
                    same = False
                    break
            if same:
                return int(key_id), int(slot)
        slot = (slot + 1) & mask


@numba.njit(cache=True, nogil=True)
def _rehash(slots: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint64], arena: npt.NDArray[np.uint8],
            offsets: npt.NDArray[np.int64], first: int, count: int) -> None:  # fmt: skip
    """Insert keys ``first..count-1`` (a key seen twice keeps its later id, as BIP 30 duplicates need)."""
    for key_id in range(first, count):
        start = offsets[key_id]
        length = offsets[key_id + 1] - start
        h = key_hash(arena, start, length)
        _found, slot = find(slots, hashes, arena, offsets, arena, start, length, h)
        slots[slot] = key_id
        hashes[slot] = h


class KeyIndex:
    """Byte keys with dense ids 0, 1, 2, … in order of insertion, and the table that finds them.

    The arrays are public so that compiled code can use :func:`find` and
    append keys itself; :meth:`reserve` must be called first with room for
    what it will add (the arrays are reallocated between, never during, calls).
    """

    def __init__(self, arena: npt.NDArray[np.uint8] | None = None, offsets: npt.NDArray[np.int64] | None = None):
        self.arena = np.zeros(1 << 16, np.uint8) if arena is None else arena
        self.offsets = np.zeros(1 << 10, np.int64) if offsets is None else offsets
        self.count = 0 if offsets is None else len(offsets) - 1
        self.slots = np.full(1 << 10, EMPTY, np.int64)
        self.hashes = np.zeros(1 << 10, np.uint64)
        if not self.reserve(0, 0) and self.count:
            self._rebuild()

    @property
    def arena_used(self) -> int:
        return int(self.offsets[self.count])

    def reserve(self, keys: int, key_bytes: int) -> bool:
        """Make room for ``keys`` more keys of ``key_bytes`` bytes in all (load factor at most 1/2).

        Returns whether the table was rebuilt.
        """
        self.offsets = grown(self.offsets, self.count + keys + 1)
        self.arena = grown(self.arena, self.arena_used + key_bytes)
        if len(self.slots) < 2 * (self.count + keys):
            size = 1 << int(2 * (self.count + keys)).bit_length()
            self.slots, self.hashes = np.full(size, EMPTY, np.int64), np.zeros(size, np.uint64)
            self._rebuild()
            return True
        return False

    def _rebuild(self) -> None:
        self.slots[:] = EMPTY
        _rehash(self.slots, self.hashes, self.arena, self.offsets, 0, self.count)

    def index_appended(self, first: int) -> None:
        """Enter keys ``first..count-1`` in the table: appended to the arena after :meth:`reserve` made room."""
        _rehash(self.slots, self.hashes, self.arena, self.offsets, first, self.count)

    def key(self, key_id: int) -> bytes:
        return self.arena[self.offsets[key_id] : self.offsets[key_id + 1]].tobytes()


def grown(array: npt.NDArray, needed: int) -> npt.NDArray:
    """``array``, or a copy with room for at least ``needed`` items if it has less (growing by half, to amortise)."""
    if len(array) >= needed:
        return array
    bigger = np.zeros(max(needed, len(array) + len(array) // 2), array.dtype)
    bigger[: len(array)] = array
    return bigger
