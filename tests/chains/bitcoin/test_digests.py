"""The compiled double SHA-256 (OpenSSL through ctypes) gives hashlib's answers, as does its fallback."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cointrail.chains.bitcoin import digests
from cointrail.chains.bitcoin.verify import merkle_root


def _double(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def test_the_compiled_path_is_the_one_in_use() -> None:
    # Debian's Python links hashlib to OpenSSL 3, which exports SHA256_Init/Update/Final: a silent fallback
    # here would make raw ingest several times slower without failing anything else.
    assert digests.COMPILED


@pytest.fixture(params=["compiled", "hashlib"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "hashlib":
        monkeypatch.setattr(digests, "_FUNCTIONS", None)
    return str(request.param)


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(st.binary(max_size=300), max_size=40))
def test_ranges_are_hashed_as_hashlib_hashes_them(pieces: list[bytes]) -> None:
    buf = np.frombuffer(b"".join(pieces) or b"\0", np.uint8)
    ends = np.cumsum([len(p) for p in pieces], dtype=np.int64)
    ranges = np.column_stack([ends - [len(p) for p in pieces], ends]).astype(np.int64).reshape(-1, 2)
    for use_compiled in (True, False):
        saved = digests._FUNCTIONS
        if not use_compiled:
            digests._FUNCTIONS = None
        try:
            got = digests.double_sha256_ranges(buf, ranges)
        finally:
            digests._FUNCTIONS = saved
        assert [bytes(row) for row in got] == [_double(p) for p in pieces]


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 70), max_size=8), seed=st.integers(0, 2**32 - 1))
def test_merkle_roots_of_many_blocks_are_those_of_the_reference(counts: list[int], seed: int) -> None:
    hashes = np.random.default_rng(seed).integers(0, 256, (sum(counts), 32), dtype=np.uint8)
    expected, first = [], 0
    for n in counts:
        expected.append(merkle_root([bytes(row) for row in hashes[first : first + n]]))
        first += n
    for use_compiled in (True, False):
        saved = digests._FUNCTIONS
        if not use_compiled:
            digests._FUNCTIONS = None
        try:
            got = digests.merkle_roots(hashes, np.array(counts, np.int64))
        finally:
            digests._FUNCTIONS = saved
        assert [bytes(row) for row in got] == expected


def test_an_empty_batch_and_an_empty_range(path: str) -> None:
    assert digests.double_sha256_ranges(np.zeros(0, np.uint8), np.zeros((0, 2), np.int64)).shape == (0, 32)
    buf = np.frombuffer(b"abc", np.uint8)
    assert bytes(digests.double_sha256_ranges(buf, np.array([[1, 1]]))[0]) == _double(b"")
    assert digests.merkle_roots(np.zeros((0, 32), np.uint8), np.zeros(0, np.int64)).shape == (0, 32)


def test_ranges_and_counts_outside_what_was_given_are_refused() -> None:
    # The compiled loops read raw memory: a range past the buffer must never reach them.
    buf = np.zeros(10, np.uint8)
    for bad in ([[0, 11]], [[-1, 3]], [[5, 4]]):
        with pytest.raises(ValueError, match="outside the buffer"):
            digests.double_sha256_ranges(buf, np.array(bad, np.int64))
    with pytest.raises(ValueError, match="do not fit"):
        digests.merkle_roots(np.zeros((2, 32), np.uint8), np.array([3], np.int64))
    with pytest.raises(ValueError, match="do not fit"):
        digests.merkle_roots(np.zeros((2, 32), np.uint8), np.array([-1, 2], np.int64))
