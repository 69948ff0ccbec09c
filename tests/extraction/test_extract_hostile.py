"""Hostile input must not blow up time or memory: the scan stays linear."""

from __future__ import annotations

import random

import pytest
from extraction_makers import p2pkh

from cointrail import extract_addresses

pytestmark = pytest.mark.timeout(120)  # a guard against runaway backtracking, not a timing test


@pytest.mark.parametrize(
    "data",
    [
        b"a" * 2_000_000,                                   # one endless token, no newline
        b"1" * 1_000_000 + b"x",
        b"ab<span>" * 200_000,                             # an endless chain of soft breaks
        b"a&#8203;" * 200_000,                              # every character split invisibly
        b"a\xe2\x80\x8b" * 300_000,
        b"x\n \n \n" * 200_000,                            # line breaks that lead nowhere
        b"x<span " + b"a" * 1_000_000,                      # a tag that never closes
        b"bitcoin:" * 200_000,                             # schemes without addresses
        b"&#" * 500_000,
    ],
    ids=["long-token", "ones", "markup-chain", "entity-chain", "zwsp-chain", "newlines", "open-tag",
         "schemes", "entity-starts"],
)
def test_pathological_input_finishes(data: bytes) -> None:
    assert extract_addresses(data) == []


def test_random_binary_megabytes_with_an_address() -> None:
    rng = random.Random(5)
    address = p2pkh(3).encode()
    data = rng.randbytes(2_000_000) + b" " + address + b" " + rng.randbytes(1_000_000)
    found = [f for f in extract_addresses(data) if f.address == address.decode()]
    assert [f.offset for f in found] == [2_000_001]


def test_many_uri_schemes_before_an_address() -> None:
    address = p2pkh(4)
    found = extract_addresses("bitcoin:" * 10_000 + address)
    assert [f.address for f in found] == [address]
