"""Double SHA-256 of many byte ranges at once: txids, wtxids, merkle roots, Base58Check checksums; and single SHA-256
(the stored address hash, :mod:`cointrail.store.duckdb.address_hash`).

hashlib hashes one object per call, and a million transactions need several
million calls (txid, wtxid, the merkle tree): the calls, not the hashing, were
most of the cost (275 MB in a million ranges: 1.1 CPU s in a hashlib loop
against 0.3 s here, on this machine's SHA extensions). So this module calls the
very SHA-256 that hashlib uses, OpenSSL's, from Numba-compiled loops through
ctypes, rather than a SHA-256 of our own. The OpenSSL functions are passed to
the compiled loops as arguments, so that Numba can cache them on disk (a
function pointer compiled in would tie the cache to one process).

Where the library or its ``SHA256_Init``/``Update``/``Final`` are missing (a
Python whose hashlib is not OpenSSL's, or an OpenSSL built without the
deprecated API), the same functions run a hashlib loop instead, with the same
results; :data:`COMPILED` says which. Both are checked against a known vector
at import.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Callable

import numba
import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

_SHA256_CTX_BYTES = 256  # OpenSSL's SHA256_CTX is 112 bytes; room to spare


def _openssl() -> tuple[object, object, object] | None:
    """OpenSSL's SHA256_Init, _Update and _Final, as ctypes functions, or None."""
    try:
        import _hashlib  # the OpenSSL binding of hashlib: its library exports the symbols

        lib = ctypes.CDLL(_hashlib.__file__)
        init, update, final = lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final
    except (ImportError, OSError, AttributeError):
        return None
    for function in (init, update, final):
        function.restype = ctypes.c_int
    init.argtypes = [ctypes.c_void_p]
    update.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    final.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    return init, update, final


@numba.njit(cache=True, nogil=True, inline="always")
def _double(init, update, final, ctx: int, data: int, length: int, tmp: int, out: int) -> None:  # noqa: ANN001
    init(ctx)
    update(ctx, data, length)
    final(tmp, ctx)
    init(ctx)
    update(ctx, tmp, 32)
    final(out, ctx)


@numba.njit(cache=True, nogil=True)
def _ranges(init, update, final, buf: U8, ranges: I64, out: U8) -> None:  # noqa: ANN001
    ctx, tmp = np.empty(_SHA256_CTX_BYTES, np.uint8), np.empty(32, np.uint8)
    base, at = buf.ctypes.data, out.ctypes.data
    for i in range(len(ranges)):
        start = ranges[i, 0]
        _double(init, update, final, ctx.ctypes.data, base + start, ranges[i, 1] - start, tmp.ctypes.data,
                at + 32 * i)  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _single_ranges(init, update, final, buf: U8, ranges: I64, out: U8) -> None:  # noqa: ANN001
    ctx = np.empty(_SHA256_CTX_BYTES, np.uint8)
    base, at = buf.ctypes.data, out.ctypes.data
    for i in range(len(ranges)):
        start = ranges[i, 0]
        init(ctx.ctypes.data)
        update(ctx.ctypes.data, base + start, ranges[i, 1] - start)
        final(at + 32 * i, ctx.ctypes.data)


@numba.njit(cache=True, nogil=True)
def _merkle(init, update, final, hashes: U8, counts: I64, out: U8) -> None:  # noqa: ANN001
    ctx, tmp = np.empty(_SHA256_CTX_BYTES, np.uint8), np.empty(32, np.uint8)
    scratch = np.empty(32 * (counts.max() + 1 if len(counts) else 1), np.uint8)
    first = 0
    for b in range(len(counts)):
        n = counts[b]
        if n == 0:
            out[b, :] = 0
            continue
        scratch[: 32 * n] = hashes[first : first + n].ravel()
        first += n
        while n > 1:
            if n % 2:  # an odd level repeats its last node
                scratch[32 * n : 32 * (n + 1)] = scratch[32 * (n - 1) : 32 * n]
                n += 1
            for i in range(0, n, 2):  # node i/2 of the next level, written after both children are read
                _double(init, update, final, ctx.ctypes.data, scratch.ctypes.data + 32 * i, 64, tmp.ctypes.data,
                        scratch.ctypes.data + 16 * i)  # fmt: skip
            n //= 2
        out[b, :] = scratch[:32]


_FUNCTIONS = _openssl()


def double_sha256_ranges(buf: U8, ranges: I64) -> U8:
    """Double SHA-256 of ``buf[start:end]`` for each row ``(start, end)`` of ``ranges``, as rows of 32 bytes."""
    return _hash_ranges(buf, ranges, _ranges, lambda view: hashlib.sha256(hashlib.sha256(view).digest()).digest())


def sha256_ranges(buf: U8, ranges: I64) -> U8:
    """SHA-256 (once) of ``buf[start:end]`` for each row ``(start, end)`` of ``ranges``, as rows of 32 bytes."""
    return _hash_ranges(buf, ranges, _single_ranges, lambda view: hashlib.sha256(view).digest())


def _hash_ranges(buf: U8, ranges: I64, compiled: Callable[..., None], reference: Callable[[memoryview], bytes]) -> U8:
    out = np.empty((len(ranges), 32), np.uint8)
    if not len(ranges):
        return out
    # The compiled loop reads wherever a range points: one outside ``buf`` would read other memory.
    if ranges[:, 0].min() < 0 or ranges[:, 1].max() > len(buf) or bool((ranges[:, 1] < ranges[:, 0]).any()):
        raise ValueError("a byte range to hash lies outside the buffer")
    if _FUNCTIONS is not None:
        compiled(*_FUNCTIONS, np.ascontiguousarray(buf), np.ascontiguousarray(ranges, np.int64), out)
        return out
    view = np.ascontiguousarray(buf).data
    joined = b"".join([reference(view[s:e]) for s, e in ranges.tolist()])
    return np.frombuffer(joined, np.uint8).reshape(-1, 32).copy()


def merkle_roots(hashes: U8, counts: I64) -> U8:
    """The merkle root of each block, given its transactions' hashes (rows of ``hashes``, ``counts[b]`` for block b).

    As :func:`cointrail.chains.bitcoin.verify.merkle_root`: pairs of nodes hashed
    level by level, an odd level repeating its last node; no transactions
    gives 32 zero bytes.
    """
    counts = np.ascontiguousarray(counts, np.int64)
    if bool((counts < 0).any()) or int(counts.sum()) > len(hashes):
        raise ValueError("the blocks' transaction counts do not fit the hashes given")
    out = np.empty((len(counts), 32), np.uint8)
    if _FUNCTIONS is not None:
        _merkle(*_FUNCTIONS, np.ascontiguousarray(hashes), counts, out)
        return out
    first = 0
    for b, n in enumerate(counts.tolist()):
        out[b] = np.frombuffer(_merkle_loop(hashes[first : first + n].tobytes()), np.uint8)
        first += n
    return out


def _merkle_loop(level: bytes) -> bytes:
    if not level:
        return bytes(32)
    sha = hashlib.sha256
    while len(level) > 32:
        if len(level) % 64:
            level += level[-32:]
        view = memoryview(level)
        level = b"".join([sha(sha(view[i : i + 64]).digest()).digest() for i in range(0, len(level), 64)])
    return level


def _check() -> None:
    """Refuse the compiled path if it does not give hashlib's answer (a wrong symbol, a changed struct)."""
    global _FUNCTIONS
    data = np.frombuffer(b"cointrail" * 20, np.uint8)
    once = hashlib.sha256(data.tobytes()).digest()
    whole = np.array([[0, len(data)]])
    try:
        same = (double_sha256_ranges(data, whole).tobytes() == hashlib.sha256(once).digest()
                and sha256_ranges(data, whole).tobytes() == once)  # fmt: skip
    except Exception:  # noqa: BLE001 - a Numba that cannot call ctypes functions: the hashlib loop still works
        same = False
    if not same:
        _FUNCTIONS = None


_check()
COMPILED = _FUNCTIONS is not None
